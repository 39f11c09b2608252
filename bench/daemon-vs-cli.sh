#!/bin/bash
# daemon-vs-cli.sh [RAMPAGE]: CPU per request of the same test run by `rampage run` and by
# `rampage serve` (through the REST API), against the bundled demo target on loopback. Each side
# runs 3 times; the medians are compared (goal: the daemon within 5% of the command line).
# The generator is pinned to core 0 with one worker, the demo target to core 1. Load goes only to
# 127.0.0.1 and lasts DURATION per run.
set -eu
RAMPAGE=${1:-_build/rampage}
VUS=${VUS:-50}
DURATION=${DURATION:-5s}
command -v taskset >/dev/null || { echo "taskset missing (apt-get install util-linux)"; exit 2; }
command -v jq >/dev/null || { echo "jq missing (apt-get install jq)"; exit 2; }
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

port_of() { for _ in $(seq 100); do p=$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$1" | grep -Eo '[0-9]+$') && { echo "$p"; return; }; sleep 0.05; done; return 1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

taskset -c 1 "$RAMPAGE" demo-target --listen 127.0.0.1:0 --threads 1 >"$TMP/demo.log" 2>&1 &
DEMO="http://127.0.0.1:$(port_of "$TMP/demo.log")"
cat >"$TMP/test.json" <<JSON
{"name": "bench", "baseUrl": "$DEMO", "vus": $VUS, "duration": "$DURATION",
 "tasks": [{"name": "health", "path": "/api/health"}]}
JSON
HZ=$(getconf CLK_TCK)

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# command line: user+sys of the whole process from /usr/bin/time (one run = one process)
for i in 1 2 3; do
	/usr/bin/time -f '%U %S' -o "$TMP/time" taskset -c 0 "$RAMPAGE" run "$TMP/test.json" --workers 1 -q \
		--summary-export "$TMP/s.json" >/dev/null 2>&1
	reqs=$(jq '.metrics.http_reqs.count // .metrics.http_reqs.values.count' "$TMP/s.json")
	awk -v r="$reqs" '{ printf "%.2f\n", ($1 + $2) * 1e6 / r }' "$TMP/time"
done | median >"$TMP/cli"

# daemon: CPU ticks of the daemon process across the run, over the run's requests
printf '[runs]\nworkers = 1\n' >"$TMP/serve.conf"
taskset -c 0 "$RAMPAGE" serve --config "$TMP/serve.conf" --listen 127.0.0.1:0 --db "$TMP/r.db" \
	--web-root /nonexistent >"$TMP/serve.log" 2>&1 &
SPID=$!
URL="http://127.0.0.1:$(port_of "$TMP/serve.log")"
TEST=$(curl -sf -X POST -H "Content-Type: application/json" --data-binary @"$TMP/test.json" "$URL/api/tests" | jq .id)
for i in 1 2 3; do
	before=$(cpu_ticks $SPID)
	RUN=$(curl -sf -X POST -H "X-Rampage-Client: bench" "$URL/api/tests/$TEST/runs" | jq .id)
	while :; do
		st=$(curl -sf "$URL/api/runs/$RUN" | jq -r .state)
		case $st in queued|running|stopping) sleep 0.2 ;; *) break ;; esac
	done
	after=$(cpu_ticks $SPID)
	reqs=$(curl -sf "$URL/api/runs/$RUN/summary" | jq '.metrics.http_reqs.values.count')
	awk -v t=$((after - before)) -v hz="$HZ" -v r="$reqs" 'BEGIN { printf "%.2f\n", t / hz * 1e6 / r }'
done | median >"$TMP/daemon"

cli=$(cat "$TMP/cli"); daemon=$(cat "$TMP/daemon")
awk -v c="$cli" -v d="$daemon" 'BEGIN {
	ratio = d / c
	printf "cpu/req %d VUs: rampage run %.2f us, rampage serve %.2f us: %.3fx (goal <= 1.05x) %s\n",
	    '"$VUS"', c, d, ratio, ratio <= 1.05 ? "PASS" : "FAIL"
	exit ratio <= 1.05 ? 0 : 1 }'
