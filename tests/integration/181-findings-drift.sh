#!/bin/sh
# 181: drift over a steady stage (issue 14, docs/findings.md), with driftMinSteady lowered to 20 s.
# An arrival rate of 48/s held for 30 s against a demo target that serves 40/s (--capacity 2, 50 ms
# each) queues ever more requests: p95 grows every second, which the drift finding reports as a
# warning sign with a positive, significant p95 slope; the same rate at 20/s, within capacity, has
# no drift (a good sign). Both under `rampage run`, side by side, each against its own target.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo over --capacity 2 --latency-ms 50
OVER=$DEMO_URL
start_demo under --capacity 2 --latency-ms 50
UNDER=$DEMO_URL

def() { # def URL RATE
	cat <<JSON
{ "baseUrl": "$1", "driftMinSteady": "20s",
  "scenarios": { "steady": { "executor": "constant-arrival-rate", "rate": $2, "timeUnit": "1s",
    "duration": "30s", "preAllocatedVUs": 400, "maxVUs": 400, "gracefulStop": "0s",
    "tasks": [ { "method": "GET", "path": "/api/users/1" } ] } } }
JSON
}
def "$OVER" 48 >"$SANDBOX/over.json"
def "$UNDER" 20 >"$SANDBOX/under.json"
"$RAMPAGE" run "$SANDBOX/over.json" -q --out summary="$SANDBOX/over.out.json" >"$SANDBOX/over.out" 2>&1 &
P1=$!
"$RAMPAGE" run "$SANDBOX/under.json" -q --out summary="$SANDBOX/under.out.json" >"$SANDBOX/under.out" 2>&1
R2=$?
wait $P1
R1=$?
is "$R1 $R2" "0 0" "both runs exit 0 (findings never change an exit code)"

D=$(jq -c '.findings[] | select(.kind == "drift")' "$SANDBOX/over.out.json")
diag "over capacity: $(printf '%s' "$D" | jq -c '{severity, sentence, p95: .numbers.p95_ms}')"
is "$(printf '%s' "$D" | jq -s 'length')" 1 "over capacity: one steady stage judged"
is "$(printf '%s' "$D" | jq -r .severity)" "warning sign" "its p95 drift is a warning sign"
ok "$(printf '%s' "$D" | jq -e '.numbers.p95_ms.significant and .numbers.p95_ms.per_hour > 0 and .numbers.p95_ms.low > 0' >/dev/null; echo $?)" \
	"a positive p95 slope, distinguishable from noise"
like "$(printf '%s' "$D" | jq -r .sentence)" "p95 grows [0-9.]+ ms/h: gradual degradation" "in words"
is "$(printf '%s' "$D" | jq -c '[.numbers.start_s, .numbers.load, .numbers.load_unit]')" '[0,48,"it/s"]' \
	"the stage: from the start, at 48 iterations per second"
ok "$(grep -A6 '^  findings$' "$SANDBOX/over.out" | grep -qF "[warning sign] $(printf '%s' "$D" | jq -r .sentence)"; echo $?)" \
	"the text summary lists it"

U=$(jq -c '.findings[] | select(.kind == "drift")' "$SANDBOX/under.out.json")
diag "within capacity: $(printf '%s' "$U" | jq -c '{severity, sentence, p95: .numbers.p95_ms}')"
if jq -e '.findings[] | select(.id == "generator")' "$SANDBOX/under.out.json" >/dev/null; then
	tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP within capacity: the host was busy (the run's generator finding)"
else
	is "$(printf '%s' "$U" | jq -r .severity)" "good sign" "within capacity: no drift"
fi
done_testing
