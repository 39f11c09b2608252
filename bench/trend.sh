#!/bin/sh
# bench/trend.sh: the cost of a test's trend (GET /api/tests/{id}/trend) over RUNS runs with
# ENDPOINTS endpoints each: their figures (run_figures, endpoints) are written straight into a
# SQLite file the daemon created, with a 15% step in p95 at 60% of the runs and 5% noise, then the
# trend is asked of a real daemon. See docs/performance.md ("A test's trend").
#
# Usage (from a build folder): ../bench/trend.sh [RUNS] [ENDPOINTS]
# Prints the best of 5 requests (curl's time_total) for the total and for one endpoint, with the
# number of points and change points found. Installs nothing; needs curl, sqlite3, jq.
set -eu

RUNS=${1:-1000}
ENDPOINTS=${2:-10}
BUILD=${BUILD:-.}
work=$(mktemp -d "${TMPDIR:-/tmp}/rampage-bench.XXXXXX")
pid=""
stop() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	pid=""
}
trap 'stop; rm -rf "$work"' EXIT INT TERM
for tool in curl sqlite3 jq; do
	command -v "$tool" >/dev/null || { echo "bench/trend.sh: needs $tool" >&2; exit 1; }
done

serve() {
	"$BUILD/rampage" serve --config /dev/null --listen 127.0.0.1:0 --db "$work/bench.db" \
		>"$work/daemon.log" 2>&1 &
	pid=$!
	port=""
	for _ in $(seq 100); do
		port=$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$work/daemon.log" | grep -Eo '[0-9]+$' || true)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$work/daemon.log" >&2; exit 1; }
}

serve    # creates the schema
stop
: >"$work/daemon.log"
sqlite3 "$work/bench.db" <<SQL
BEGIN;
INSERT INTO tests (id, name, definition, created_ms, updated_ms) VALUES (1, 'bench', '{}', 0, 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RUNS)
INSERT INTO runs (id, test_id, name, definition, state, trigger, queued_ms, started_ms, ended_ms, summary)
SELECT i, 1, 'bench', '{}', 'passed', 'schedule', 1790000000000 + i * 3600000,
       1790000000000 + i * 3600000, 1790000000000 + i * 3600000 + 300000, '{}' FROM n;
WITH RECURSIVE e(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM e WHERE j < $ENDPOINTS)
INSERT INTO endpoints (run_id, idx, name, method) SELECT r.id, e.j, 'endpoint ' || e.j, 'GET' FROM runs r, e;
WITH RECURSIVE e(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM e WHERE j < $ENDPOINTS)
INSERT INTO run_figures (run_id, endpoint, requests, failures, error_rate, rps, lat_mean_us, lat_p50_us,
    lat_p95_us, lat_p99_us, duration_us, vus)
SELECT r.id, e.j, 300000, 30, 0.0001, 1000.0, 20000, 18000,
       CAST(40000 * (CASE WHEN r.id > $RUNS * 6 / 10 THEN 1.15 ELSE 1.0 END)
            * (1 + 0.05 * (abs(random()) % 2000 - 1000) / 1000.0) AS INTEGER),
       90000, 300000000, CASE WHEN e.j = 0 THEN 50 END
FROM runs r, e;
COMMIT;
SQL
serve
best() { # best URL: the best time_total of 5 requests
	local url=$1 b=999 t
	for _ in 1 2 3 4 5; do
		t=$(curl -s -o /dev/null -w '%{time_total}' "$url")
		b=$(echo "$t $b" | awk '{ print ($1 < $2) ? $1 : $2 }')
	done
	echo "$b s"
}
shape() { curl -s "$1" | jq -r '"\(.points | length) points, \(.change_points | length) change point(s): \([.change_points[].message] | join("; "))"'; }
U="http://127.0.0.1:$port/api/tests/1/trend?limit=$RUNS"
echo "$RUNS runs, $ENDPOINTS endpoints each"
echo "GET trend?metric=p95 (total):          $(best "$U")  $(shape "$U")"
echo "GET trend?metric=p95&endpoint=...:     $(best "$U&endpoint=endpoint%20$ENDPOINTS")  $(shape "$U&endpoint=endpoint%20$ENDPOINTS")"
echo "GET trend?metric=rps (total):          $(best "$U&metric=rps")"
