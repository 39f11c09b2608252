#!/bin/sh
# 112: the open model through `rampage run`. 100 iterations/s for 3 s start 300 iterations against a
# fast target; against a slow one (400 ms) with maxVUs 3, iterations that find no free VU are dropped
# and counted, and latency (from the intended start) is never below service time.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

cat >"$SANDBOX/fast.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "rate": { "executor": "constant-arrival-rate", "rate": 100, "duration": "3s",
                           "preAllocatedVUs": 5, "maxVUs": 20,
                           "tasks": [ { "name": "health", "path": "/api/health" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/fast.json" --quiet --workers 2 --out summary="$SANDBOX/fast.out.json" \
	>"$SANDBOX/out" 2>&1
is "$?" 0 "fast: run exits 0"
n=$(jq '.metrics.iterations.values.count' "$SANDBOX/fast.out.json")
ok "$([ "$n" -ge 297 ] && [ "$n" -le 303 ] && echo 0 || echo 1)" "fast: 300 +- 1% iterations ($n)"
is "$(jq '.rampage.iterations.dropped' "$SANDBOX/fast.out.json")" 0 "fast: nothing dropped"

cat >"$SANDBOX/slow.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "rate": { "executor": "constant-arrival-rate", "rate": 40, "duration": "2s",
                           "preAllocatedVUs": 1, "maxVUs": 3, "gracefulStop": "2s",
                           "tasks": [ { "name": "slow", "path": "/api/health?delay_ms=400" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/slow.json" --quiet --workers 1 --out summary="$SANDBOX/slow.out.json" \
	>"$SANDBOX/out" 2>&1
is "$?" 0 "slow: run exits 0"
S="$SANDBOX/slow.out.json"
d=$(jq '.rampage.iterations.dropped' "$S")
c=$(jq '.rampage.iterations.completed' "$S")
ok "$([ "$d" -ge 50 ] && echo 0 || echo 1)" "slow: iterations dropped once 3 VUs are busy ($d)"
is "$((c + d + $(jq '.rampage.iterations.interrupted' "$S")))" 80 "slow: every due iteration ran or was dropped"
is "$(jq '.metrics.vus_max.values.value' "$S")" 3 "slow: VUs grew to maxVUs"
ok "$(jq -e '.rampage.total.duration.min >= .rampage.total.service_time.min and
	.rampage.total.duration.avg >= .rampage.total.service_time.avg and
	.rampage.total.service_time.min >= 400' "$S" >/dev/null && echo 0 || echo 1)" \
	"slow: duration >= service time >= the target's 400 ms"
done_testing
