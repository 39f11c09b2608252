#!/bin/sh
# A stalled target under an arrival-rate executor: iterations keep coming due on the clock, the few
# VUs stay busy, so most iterations are dropped (and counted); the ones that ran report latencies that
# include the stall. Every due iteration is either completed or dropped.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

# 10/s for 2 s = 20 due iterations; each takes 1 s; 2 VUs at most.
cat >"$SANDBOX/stall.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "car": { "executor": "constant-arrival-rate",
  "rate": 10, "timeUnit": "1s", "duration": "2s", "preAllocatedVUs": 2, "maxVUs": 2,
  "gracefulStop": "3s", "tasks": [ { "name": "slow", "path": "/api/users/1?delay_ms=1000" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/stall.json" -q --out summary="$SANDBOX/s.json" --out csv="$SANDBOX/o.csv" \
	>"$SANDBOX/out" 2>&1
is $? 0 "exits 0"
S="$SANDBOX/s.json"
it=$(jq '.metrics.iterations.values.count' "$S")
dr=$(jq '.metrics.dropped_iterations.values.count' "$S")
diag "completed $it, dropped $dr"
ok $([ "$dr" -ge 10 ]; echo $?) "most iterations were dropped ($dr)"
ok $([ "$it" -ge 2 ] && [ "$it" -le 6 ]; echo $?) "2 VUs busy 1 s each complete 2-6 iterations ($it)"
is "$((it + dr))" 20 "completed + dropped = the 20 that came due"
is "$(jq '.rampage.iterations.interrupted' "$S")" 0 "none interrupted (gracefulStop covers the last)"
is "$(jq '.metrics.http_req_duration.values.min >= 1000' "$S")" true "http_req_duration includes the 1 s stall"
is "$(jq '.rampage.open_model.service_time.min >= 1000' "$S")" true "and so does the service time"
is "$(jq '.metrics.http_req_duration.values.max >= .rampage.open_model.service_time.max' "$S")" true \
	"latency from the intended start is never below the service time"
is "$(jq '.metrics.iteration_duration.values.min >= 1000' "$S")" true "iteration_duration too"
is "$(jq '.metrics.vus_max.values.max' "$S")" 2 "never more than maxVUs"
is "$(awk -F, 'NR > 1 && $2 == "total" { s += $16 } END { print s }' "$SANDBOX/o.csv")" "$dr" \
	"the CSV's dropped_iterations column adds up"
like "$(cat "$SANDBOX/out")" "$dr iterations dropped \\(no VU free\\)" "the text summary reports the drops"
done_testing
