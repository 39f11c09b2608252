#!/bin/sh
# VU sessions: onStart runs once per VU before its first task; onStop runs once per VU when it stops
# looping, at a ramp-down or at the end, and is cut by gracefulStop (no iteration counted either way).
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

ep() { jq -c --arg n "$2" "[.rampage.endpoints[] | select(.name == \$n) | .requests] | add // 0" "$1"; }

cat >"$SANDBOX/const.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "constant-vus", "vus": 4, "duration": "1s",
  "onStart": [ { "name": "start", "path": "/api/health" } ],
  "onStop": [ { "name": "stop", "path": "/api/health" }, { "name": "stop 2", "path": "/api/users/1" } ],
  "thinkTime": "10ms", "tasks": [ { "name": "task", "path": "/api/users" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/const.json" -q --out summary="$SANDBOX/c.json" >"$SANDBOX/out" 2>&1
is $? 0 "constant-vus with onStart and onStop exits 0"
is "$(ep "$SANDBOX/c.json" start)" 4 "onStart: once per VU"
is "$(ep "$SANDBOX/c.json" stop):$(ep "$SANDBOX/c.json" "stop 2")" 4:4 "onStop: both steps once per VU, at the end"
is "$(jq '.metrics.iterations.values.count' "$SANDBOX/c.json")" "$(ep "$SANDBOX/c.json" task)" \
	"iterations count the tasks only (onStop is not an iteration)"

cat >"$SANDBOX/ramp.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "ramping-vus", "startVUs": 0,
  "stages": [ { "duration": "0s", "target": 4 }, { "duration": "500ms", "target": 4 },
              { "duration": "0s", "target": 1 }, { "duration": "500ms", "target": 1 } ],
  "onStart": [ { "name": "start", "path": "/api/health" } ],
  "onStop": [ { "name": "stop", "path": "/api/health" } ],
  "thinkTime": "10ms", "tasks": [ { "name": "task", "path": "/api/users" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/ramp.json" -q --out summary="$SANDBOX/r.json" --out csv="$SANDBOX/r.csv" >"$SANDBOX/out" 2>&1
is "$(ep "$SANDBOX/r.json" start):$(ep "$SANDBOX/r.json" stop)" 4:4 \
	"ramping 4 -> 1 -> end: 4 sessions started, 3 ended at the ramp-down and 1 at the end"
# the three ramp-down onStops happen in the first second, the last one after the stages end
first=$(awk -F, 'NR > 1 && $2 == "stop" && $1 + 0 < 1 { s += $3 } END { print s + 0 }' "$SANDBOX/r.csv")
ok $([ "$(head -1 "$SANDBOX/r.csv" | cut -d, -f1-3)" = "second,endpoint,requests" ] && [ "$first" -eq 3 ]; echo $?) \
	"3 of them in the first second, at the ramp-down ($first)"

cat >"$SANDBOX/cut.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "constant-vus", "vus": 2, "duration": "1s",
  "gracefulStop": "500ms", "onStop": [ { "name": "slow stop", "path": "/api/health?delay_ms=5000" } ],
  "thinkTime": "10ms", "tasks": [ { "name": "task", "path": "/api/users" } ] } } }
JSON
start=$(date +%s%N)
"$RAMPAGE" run "$SANDBOX/cut.json" -q --out summary="$SANDBOX/x.json" >"$SANDBOX/out" 2>&1
took=$(( ($(date +%s%N) - start) / 1000000 ))
ok $([ "$took" -lt 3500 ]; echo $?) "a slow onStop is cut by gracefulStop (the run took $took ms, not 5 s more)"
is "$(ep "$SANDBOX/x.json" "slow stop")" 0 "the cut onStop requests did not complete"
is "$(jq '.rampage.iterations.interrupted' "$SANDBOX/x.json")" 0 "and no iteration counts as interrupted"
done_testing
