#!/bin/bash
# bench/callgrind.sh [--series] [RAMPAGE]: instructions per request of the load engine, counted by
# valgrind's callgrind, so that two builds can be compared on a busy machine (instruction counts do
# not depend on what else runs; CPU time does).
#
# Runs `rampage run` on one worker, 10 VUs, 4,000 shared iterations of GET /api/health against the
# demo target on 127.0.0.1, under callgrind; prints the requests, the whole process's instructions
# (Ir) per request, and the self Ir per request of the engine's and metrics' own functions (the
# per-request ones are exact: 4,000 calls each; the per-second ones, hist_merge and the like, and
# the whole-process figure move with the machine's load by about 1-2 %). --series adds two
# sub-metric thresholds, so that every request is also recorded into two tagged series; --custom
# puts the request in a group of steps and records three custom metrics from it (a trend of its
# waiting time, a counter, a rate of a check), one of them also into a tagged sub-metric. --flow
# measures the control-flow constructs instead: each of 1,000 iterations is a `batch` of four
# requests (parallel 4) then a step repeated 3 times until a condition holds (`repeat` + `until`),
# with a `when` and an extraction, each repeated request recorded into a custom trend and a counter:
# 7,000 requests.
set -u

SERIES=0
CUSTOM=0
FLOW=0
case "${1:-}" in
--series) SERIES=1; shift ;;
--custom) CUSTOM=1; shift ;;
--flow) FLOW=1; shift ;;
esac
RAMPAGE=${1:-${RAMPAGE:-./rampage}}

die() {
	echo "bench/callgrind.sh: $*" >&2
	exit 2
}
command -v valgrind >/dev/null 2>&1 || die "valgrind not found: install the Debian package valgrind"
command -v callgrind_annotate >/dev/null 2>&1 || die "callgrind_annotate not found: install valgrind"
command -v jq >/dev/null 2>&1 || die "jq not found: install the Debian package jq"
[ -x "$RAMPAGE" ] || die "$RAMPAGE is not an executable rampage binary (pass its path, or set RAMPAGE)"

work=$(mktemp -d "${TMPDIR:-/tmp}/rampage-callgrind.XXXXXX")
DEMO_PID=""
trap 'kill $DEMO_PID 2>/dev/null; wait $DEMO_PID 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

"$RAMPAGE" demo-target --listen 127.0.0.1:0 >"$work/demo.log" 2>&1 &
DEMO_PID=$!
port=""
for _ in $(seq 100); do
	port=$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$work/demo.log" | grep -Eo '[0-9]+$')
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { cat "$work/demo.log" >&2; die "the demo target did not start"; }

thresholds=""
[ "$SERIES" = 1 ] && thresholds=', "thresholds": { "http_req_duration{status:200}": ["p(95)<1000"],
  "http_reqs{expected_response:true}": ["count>0"] }'
task='{ "name": "health", "path": "/api/health" }'
if [ "$CUSTOM" = 1 ]; then
	thresholds=', "metrics": { "wait": { "type": "trend", "unit": "ms" }, "calls": { "type": "counter" },
  "ok": { "type": "rate" } }, "thresholds": { "wait{kind:health}": ["p(95)<1000"] }'
	task='{ "name": "health", "steps": [ { "group": "g", "steps": [ { "name": "health", "path": "/api/health",
  "checks": [ { "name": "up", "status": 200 } ],
  "record": [ { "metric": "wait", "timing": "waiting", "tags": { "kind": "health" } },
    { "metric": "calls", "value": 1 }, { "metric": "ok", "check": "up" } ] } ] } ] }'
fi
cat >"$work/def.json" <<JSON
{ "baseUrl": "http://127.0.0.1:$port",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 10, "iterations": 4000,
    "maxDuration": "120s", "tasks": [ $task ] } }$thresholds }
JSON
[ "$FLOW" = 1 ] && cat >"$work/def.json" <<JSON
{ "baseUrl": "http://127.0.0.1:$port",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 10, "iterations": 1000,
    "maxDuration": "120s", "tasks": [ { "name": "flow", "steps": [
      { "name": "page", "parallel": 4, "batch": [ { "name": "b1", "path": "/api/health" },
        { "name": "b2", "path": "/api/health/worker", "extract": { "node": { "json": "/node_id" } } },
        { "name": "b3", "path": "/api/health" }, { "name": "b4", "path": "/api/health" } ] },
      { "name": "poll", "path": "/api/health", "when": { "var": "node" },
        "extract": { "n": { "json": "/status" } },
        "repeat": { "until": { "var": "n", "equals": "never" }, "max": 3 },
        "record": [ { "metric": "poll_wait", "timing": "waiting" }, { "metric": "polls", "value": 1 } ] } ] } ] } },
  "metrics": { "poll_wait": { "type": "trend", "unit": "ms" }, "polls": { "type": "counter" } } }
JSON

valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$RAMPAGE" run "$work/def.json" \
	--workers 1 -q --summary-export "$work/summary.json" >"$work/run.out" 2>"$work/valgrind.log" ||
	{ tail -5 "$work/run.out" "$work/valgrind.log" >&2; die "rampage run failed under callgrind"; }
reqs=$(jq '.metrics.http_reqs.count // .metrics.http_reqs.values.count' "$work/summary.json")   # k6's flattened file
total=$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg.out")
callgrind_annotate --auto=no --threshold=100 "$work/cg.out" >"$work/annotate.txt" 2>/dev/null

echo "rampage run, 1 worker, 10 VUs, $reqs requests$([ "$SERIES" = 1 ] && echo ", 2 threshold series")$([ "$CUSTOM" = 1 ] && echo ", a group, a check, 3 custom metrics (4 series)")$([ "$FLOW" = 1 ] && echo ", batch + repeat + 2 custom metrics"):" \
	"$(awk -v t="$total" -v r="$reqs" 'BEGIN { printf "%.0f", t / r }') Ir per request (whole process)"
awk -v r="$reqs" '/daemon\/(engine|metrics)\/[a-z_]+\.c:/ {
	gsub(",", "", $1); f = $NF; if (f ~ /^\[/) f = $(NF - 1)
	sub(/.*daemon\//, "", f); printf "  %8.1f  %s\n", $1 / r, f }' "$work/annotate.txt" | sort -k1,1gr | head -20
