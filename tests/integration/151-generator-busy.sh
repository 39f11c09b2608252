#!/bin/sh
# The generator verdict names the cause (issue 11, item 3):
#  - a generator pinned to core 0 (taskset), at the lowest priority, while four other processes keep
#    that core busy, starts its open-model iterations late with its own CPU low: the verdict is
#    "host_busy" ("the host was busy ... fewer VUs would not help"), not "use fewer VUs";
#  - one worker driving 50 VUs at full speed against the demo target on loopback is itself the
#    bottleneck: the verdict is "saturated", naming the worker's CPU.
# Every run is bounded (4 s each, under `timeout`). Skipped where taskset is missing.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

if ! command -v taskset >/dev/null 2>&1; then
	tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP taskset is not installed (util-linux)"
else
	for _ in 1 2 3 4; do
		timeout 30 taskset -c 0 sh -c 'while :; do :; done' &
		PIDS="$PIDS $!"
	done
	cat >"$SANDBOX/rate.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "rate": { "executor": "constant-arrival-rate", "rate": 100, "timeUnit": "1s",
    "preAllocatedVUs": 5, "maxVUs": 20, "duration": "4s",
    "tasks": [ { "method": "GET", "path": "/api/health" } ] } } }
JSON
	timeout 30 taskset -c 0 nice -n 19 "$RAMPAGE" run "$SANDBOX/rate.json" -q --workers 1 \
		--out summary="$SANDBOX/b.json" >"$SANDBOX/b.out" 2>&1
	is $? 0 "the run on a busy core exits 0"
	for pid in $PIDS; do [ "$pid" = "$DEMO_PID" ] || kill "$pid" 2>/dev/null; done
	G=$(jq -c .rampage.generator "$SANDBOX/b.json")
	diag "busy core: $G"
	is "$(echo "$G" | jq -r .verdict)" host_busy "the verdict names the busy host"
	ok $(echo "$G" | jq -e '.cpu_max_pct < 50 and .host_cpu_max_pct >= 80' >/dev/null; echo $?) \
		"with the workers' own CPU low and the core busy"
	like "$(grep -E '^  WARNING' "$SANDBOX/b.out")" \
		'^  WARNING: the host was busy in [0-9]+ of [0-9]+ s: other processes took the cores' \
		"the text summary says so"
	grep -qi 'use fewer VUs' "$SANDBOX/b.out"
	ok $([ $? -ne 0 ]; echo $?) "and does not say 'use fewer VUs'"
fi

timeout 30 "$RAMPAGE" run --url "$DEMO_URL/api/health" -c 50 -d 4s --workers 1 -q \
	--out summary="$SANDBOX/s.json" >"$SANDBOX/s.out" 2>&1
is $? 0 "the full-speed run exits 0"
G=$(jq -c .rampage.generator "$SANDBOX/s.json")
diag "full speed: $G"
ok $(echo "$G" | jq -e '.cpu_max_pct <= 100' >/dev/null; echo $?) "its worker's CPU is never above 100% of a core"
# The premise: the one worker is CPU-bound, at 90% of its core in at least the two judged seconds a
# verdict needs. It is not when something else sets the pace: other builds holding the cores, or in
# the sanitizer build a demo target slower than the generator (seen: 99% in the unjudged first
# second, then 85% on average). Then this run cannot show a generator bottleneck, and the three
# checks are skipped with the figures that say why (the host figure is the pinned core, the worker's
# own included). The verdict's rule itself is unit-tested (test_summary).
if echo "$G" | jq -e '.cpu_saturated_seconds < 2' >/dev/null; then
	for what in "the verdict is saturated" "the worker's CPU >= 90%" "the text summary names it"; do
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # SKIP $what: the worker was CPU-bound in $(echo "$G" | jq .cpu_saturated_seconds) of $(echo "$G" | jq .judged_seconds) judged s (max $(echo "$G" | jq .cpu_max_pct)%, mean $(echo "$G" | jq .cpu_mean_pct)%): something else set the pace"
	done
else
	is "$(echo "$G" | jq -r .verdict)" saturated "one worker at full speed: the generator is the bottleneck"
	ok $(echo "$G" | jq -e '.saturated_seconds >= .cpu_saturated_seconds and .host_busy_seconds == 0' >/dev/null; echo $?) \
		"every second with its worker's own CPU >= 90% counts as the generator's, none as a busy host"
	like "$(grep -E '^  WARNING' "$SANDBOX/s.out")" \
		"^  WARNING: the load generator was the bottleneck in [0-9]+ of [0-9]+ s: .*a worker's own cpu >= 90% of its core in [0-9]+ s" \
		"the text summary names the generator's CPU"
fi
done_testing
