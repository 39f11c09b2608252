#!/bin/sh
# bench/run-store.sh: an 8-hour run with 10 endpoints written through the daemon's per-second store
# job (fake ticks, no load), then charted through a real daemon. See docs/performance.md.
#
# Usage (from a build folder): make bench/bench_run_store && ../bench/run-store.sh [HOURS] [ENDPOINTS]
# Prints the writer's figures (rows, size, time per tick), then the time of full-run chart queries:
# GET /api/runs/1/samples with step=60 and step=1 (best of 3, curl's time_total) and the endpoint
# table. Installs nothing; needs curl.
set -eu

HOURS=${1:-8}
ENDPOINTS=${2:-10}
BUILD=${BUILD:-.}
work=$(mktemp -d "${TMPDIR:-/tmp}/rampage-bench.XXXXXX")
pid=""
stop() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap stop EXIT INT TERM

"$BUILD/bench/bench_run_store" "$work/bench.db" "$HOURS" "$ENDPOINTS"
"$BUILD/rampage" serve --config /dev/null --listen 127.0.0.1:0 --db "$work/bench.db" \
	>"$work/daemon.log" 2>&1 &
pid=$!
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
echo "GET samples?step=60 (total):        $(best "http://127.0.0.1:$port/api/runs/1/samples?step=60")"
echo "GET samples?step=60 (endpoint 10):  $(best "http://127.0.0.1:$port/api/runs/1/samples?step=60&endpoint=endpoint%2010")"
echo "GET samples?step=1 (total):         $(best "http://127.0.0.1:$port/api/runs/1/samples?step=1")"
echo "GET samples.csv?step=1 (total):     $(best "http://127.0.0.1:$port/api/runs/1/samples.csv")"
echo "GET samples?step=28800 (total):     $(best "http://127.0.0.1:$port/api/runs/1/samples?step=28800")"
echo "GET endpoints:                      $(best "http://127.0.0.1:$port/api/runs/1/endpoints")"
