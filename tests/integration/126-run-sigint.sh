#!/bin/sh
# SIGINT stops a run gracefully, prints the summary and exits 105 (k6's code); SIGTERM does the same;
# a second SIGINT stops at once, interrupting iterations that would otherwise get their gracefulStop.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

# wait_exit PID MAX_S: waits for PID to end; sets RC (124 when it did not end in time).
wait_exit() {
	local i
	for i in $(seq $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; RC=$?; return 0; }
		sleep 0.05
	done
	RC=124
}

"$RAMPAGE" run --url "$DEMO_URL/api/health" -c 2 -d 30s --out summary="$SANDBOX/s.json" \
	--out csv="$SANDBOX/o.csv" >"$SANDBOX/out" 2>"$SANDBOX/err" &
pid=$!
PIDS="$PIDS $pid"
sleep 1.5
t0=$(date +%s%N)
kill -INT "$pid"
wait_exit "$pid" 10
t1=$(date +%s%N)
is "$RC" 105 "SIGINT after 1.5 s exits 105"
ms=$(( (t1 - t0) / 1000000 ))
ok $([ "$ms" -lt 3000 ]; echo $?) "promptly: in-flight requests are short ($ms ms)"
out=$(cat "$SANDBOX/out")
like "$out" '^  http_reqs\.+: [1-9][0-9]* ' "the summary is printed"
like "$out" '^  interrupted \(' "and says the run was interrupted"
like "$(cat "$SANDBOX/err")" 'Interrupt: stopping' "stderr says it is stopping"
is "$(jq '.rampage.interrupted' "$SANDBOX/s.json")" true "the export is written and flags the interruption"
is "$(jq '.state.testRunDurationMs < 5000' "$SANDBOX/s.json")" true "the run lasted about 1.5 s, not 30"
ok $([ "$(awk -F, 'NR > 1 && $2 == "total"' "$SANDBOX/o.csv" | wc -l)" -ge 1 ]; echo $?) "the CSV has the seconds so far"

"$RAMPAGE" run --url "$DEMO_URL/api/health" -c 1 -d 30s -q >"$SANDBOX/out2" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
sleep 1
kill -TERM "$pid"
wait_exit "$pid" 10
is "$RC" 105 "SIGTERM exits 105 too"
like "$(cat "$SANDBOX/out2")" '^  http_reqs\.+: ' "with the summary"

# A target that holds each request 20 s: a graceful stop would wait for them (gracefulStop 30s);
# the second SIGINT interrupts them.
"$RAMPAGE" run --url "$DEMO_URL/api/users/1?delay_ms=20000" -c 2 -d 30s \
	--out summary="$SANDBOX/f.json" >"$SANDBOX/out3" 2>"$SANDBOX/err3" &
pid=$!
PIDS="$PIDS $pid"
sleep 1
kill -INT "$pid"
sleep 1
kill -0 "$pid" 2>/dev/null; ok $? "after one SIGINT the run waits for in-flight requests"
t0=$(date +%s%N)
kill -INT "$pid"
wait_exit "$pid" 10
t1=$(date +%s%N)
is "$RC" 105 "the second SIGINT exits 105"
ms=$(( (t1 - t0) / 1000000 ))
ok $([ "$ms" -lt 3000 ]; echo $?) "at once ($ms ms), not after the 20 s requests"
like "$(cat "$SANDBOX/err3")" 'stopping now' "stderr says it stops now"
is "$(jq '.rampage.iterations.interrupted' "$SANDBOX/f.json")" 2 "both in-flight iterations were interrupted"
like "$(cat "$SANDBOX/out3")" '0 complete and 2 interrupted iterations' "the summary says so"
done_testing
