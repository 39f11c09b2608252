#!/bin/sh
# bench/demo-target.sh: how fast the demo target answers on loopback, measured with wrk.
# Usage: bench/demo-target.sh [path/to/rampage]   (default: $RAMPAGE, else ./rampage)
# Starts `rampage demo-target` on 127.0.0.1 (a free port), runs `wrk -t2 -c50 -d5s` against
# /api/health and /api/users, prints requests/s for each, and stops the target. Installs nothing:
# wrk comes from the Debian package of the same name. Set DURATION (default 5s) to change the length.
set -eu

RAMPAGE=${1:-${RAMPAGE:-./rampage}}
DURATION=${DURATION:-5s}

if ! command -v wrk >/dev/null 2>&1; then
	echo "bench/demo-target.sh: wrk not found: install the Debian package wrk (apt-get install wrk)" >&2
	exit 2
fi
if [ ! -x "$RAMPAGE" ]; then
	echo "bench/demo-target.sh: $RAMPAGE is not an executable rampage binary (pass its path)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rampage-bench.XXXXXX")
pid=""
stop() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap stop EXIT INT TERM

"$RAMPAGE" demo-target --listen 127.0.0.1:0 >"$work/demo.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
	port=$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$work/demo.log" | grep -Eo '[0-9]+$' || true)
	[ -n "$port" ] && break
	sleep 0.05
done
if [ -z "$port" ]; then
	echo "bench/demo-target.sh: the demo target did not start:" >&2
	cat "$work/demo.log" >&2
	exit 1
fi

echo "rampage demo-target on 127.0.0.1:$port, $(nproc) cores; wrk -t2 -c50 -d$DURATION"
for path in /api/health /api/users; do
	wrk -t2 -c50 -d"$DURATION" --latency "http://127.0.0.1:$port$path" >"$work/wrk.out"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.out")
	p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")
	p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")
	errors=$(grep -E 'Socket errors|Non-2xx' "$work/wrk.out" | tr -s ' ' | tr '\n' ';' || true)
	printf 'GET %-12s %10s requests/s   p50 %-9s p99 %-9s %s\n' "$path" "$rps" "$p50" "$p99" "$errors"
done
