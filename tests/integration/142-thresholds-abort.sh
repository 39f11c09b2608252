#!/bin/sh
# 142: abortOnFail. A 30-second run against ?status=500 with http_req_failed rate<0.01,
# abortOnFail and delayAbortEval 2s stops itself soon after 2 s (graceful stop), exits 99, says
# why on stderr, and the summary marks the threshold as the one that stopped the run. Without
# abortOnFail the same threshold lets the run go on.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

cat >"$SANDBOX/abort.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "constant-vus", "vus": 2, "duration": "30s", "gracefulStop": "2s",
                        "tasks": [ { "name": "broken", "path": "/api/health?status=500&delay_ms=10" } ] } },
  "thresholds": { "http_req_failed": [ { "threshold": "rate<0.01", "abortOnFail": true, "delayAbortEval": "2s" } ],
                  "http_req_duration": ["p(95)<5000"] } }
JSON
t0=$(date +%s%N)
"$RAMPAGE" run "$SANDBOX/abort.json" --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>"$SANDBOX/err"
is "$?" 99 "abortOnFail: exit 99"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok "$([ "$ms" -ge 2000 ] && [ "$ms" -lt 10000 ] && echo 0 || echo 1)" \
	"the run stopped after delayAbortEval, well before its 30 s ($ms ms)"
run_ms=$(jq '.state.testRunDurationMs | floor' "$SANDBOX/s.json")
ok "$([ "$run_ms" -lt 10000 ] && echo 0 || echo 1)" "testRunDurationMs well under 30 s ($run_ms)"
like "$(cat "$SANDBOX/err")" "threshold 'rate<0.01' on http_req_failed failed at [0-9]+ s \(abortOnFail\): stopping the run" \
	"stderr says which threshold stopped the run"
like "$(cat "$SANDBOX/out")" "✗ 'rate<0.01' rate=100.00%, aborted the run \(abortOnFail\)" "summary marks it"
like "$(cat "$SANDBOX/out")" "the run was stopped by abortOnFail" "closing line"
is "$(jq '.rampage.thresholds[] | select(.metric == "http_req_failed") | .aborted' "$SANDBOX/s.json")" true \
	"export: aborted true"
is "$(jq '.metrics.http_req_failed.thresholds["rate<0.01"].ok' "$SANDBOX/s.json")" false "export: ok false"
is "$(jq '.metrics.http_req_duration.thresholds["p(95)<5000"].ok' "$SANDBOX/s.json")" true \
	"the other threshold is still judged on what ran"
is "$(jq '.rampage.interrupted' "$SANDBOX/s.json")" false "an abort is not a signal interruption"

# abortOnFail on a passing threshold never stops the run.
sed 's|?status=500&delay_ms=10|?delay_ms=10|; s|"30s"|"3s"|' "$SANDBOX/abort.json" >"$SANDBOX/fine.json"
t0=$(date +%s%N)
"$RAMPAGE" run "$SANDBOX/fine.json" --quiet >"$SANDBOX/fine.out" 2>&1
is "$?" 0 "abortOnFail on a passing threshold: exit 0"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok "$([ "$ms" -ge 2900 ] && echo 0 || echo 1)" "and the run lasts its full duration ($ms ms)"
done_testing
