#!/bin/sh
# bench/compare.sh: the cost of comparing two 1-hour runs of 10 endpoints (issue 13: under 500 ms).
# Writes one run through the daemon's per-second store job (bench_run_store: fake ticks, 1,000
# requests/s per endpoint, log-normal latencies), copies it in SQLite as a second run, 5% slower,
# then times GET /api/runs/2/compare?to=1 and GET /api/runs/2 (which computes the verdict against
# its baseline) through a real daemon, best of 3. See docs/performance.md.
#
# Usage (from a build folder): make bench/bench_run_store && ../bench/compare.sh [HOURS] [ENDPOINTS]
# Needs curl and sqlite3.
set -eu

HOURS=${1:-1}
ENDPOINTS=${2:-10}
BUILD=${BUILD:-.}
work=$(mktemp -d "${TMPDIR:-/tmp}/rampage-bench.XXXXXX")
pid=""
stop() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap stop EXIT INT TERM

"$BUILD/bench/bench_run_store" "$work/bench.db" "$HOURS" "$ENDPOINTS" >/dev/null
# a saved test owning both runs; run 2 a copy of run 1 (its histograms as they are: a copy)
sqlite3 "$work/bench.db" <<SQL
INSERT INTO tests (id, name, definition, created_ms, updated_ms)
	SELECT 1, name, definition, queued_ms, queued_ms FROM runs WHERE id = 1;
UPDATE runs SET test_id = 1 WHERE id = 1;
INSERT INTO runs (id, test_id, name, definition, state, trigger, queued_ms, started_ms, ended_ms,
		summary, thresholds)
	SELECT 2, 1, name, definition, state, trigger, queued_ms + 1, started_ms, ended_ms, summary,
		thresholds FROM runs WHERE id = 1;
INSERT INTO endpoints SELECT 2, idx, name, method FROM endpoints WHERE run_id = 1;
INSERT INTO samples SELECT 2, endpoint, second, requests, failures, fail_refused, fail_timeout,
	fail_reset, fail_dns, fail_tls, fail_other, status_2xx, status_3xx, status_4xx, status_5xx,
	bytes_sent, bytes_received, iterations, iterations_dropped, late_starts, vus, checks_passed,
	checks_failed, lat_mean_us, lat_p50_us, lat_p90_us, lat_p95_us, lat_p99_us, lat_max_us,
	blocked_us, connecting_us, tls_us, sending_us, waiting_us, receiving_us, cpu_pct, loop_lag_us,
	fail_http_status, fail_too_large, fail_blocked, status_1xx, status_other
	FROM samples WHERE run_id = 1;
INSERT INTO sample_histograms SELECT 2, endpoint, second, hist FROM sample_histograms WHERE run_id = 1;
INSERT INTO run_histograms SELECT 2, endpoint, metric, hist FROM run_histograms WHERE run_id = 1;
INSERT INTO baselines (test_id, run_id, set_ms) VALUES (1, 1, 0);
SQL
echo "two runs of $HOURS h, $ENDPOINTS endpoints: $(sqlite3 "$work/bench.db" 'SELECT count(*) FROM sample_histograms') stored histograms"
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
best() { # best URL: the best time_total of 3 requests, and the size
	local url=$1 b=999 t s
	for _ in 1 2 3; do
		set -- $(curl -s -o /dev/null -w '%{time_total} %{size_download}' "$url")
		t=$1 s=$2
		b=$(echo "$t $b" | awk '{ print ($1 < $2) ? $1 : $2 }')
	done
	echo "$b s, $s bytes"
}
echo "GET runs/2/compare?to=1:        $(best "http://127.0.0.1:$port/api/runs/2/compare?to=1")"
echo "GET runs/2 (verdict vs baseline): $(best "http://127.0.0.1:$port/api/runs/2")"
curl -s "http://127.0.0.1:$port/api/runs/2/compare?to=baseline" | \
	sed -n 's/.*"verdict": *"\([a-z]*\)".*/verdict of a run against its copy: \1/p' | tail -1
echo
