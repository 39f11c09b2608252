#!/bin/sh
# The k6 script translated (etc/examples/k6-script.json): ramping stages, a login step whose token
# the next step sends, two named checks and two thresholds. Shortened stages against this test's
# demo target (which requires tokens); checks are counted per name, one per request they follow.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo --require-auth

jq --arg url "$DEMO_URL" '.baseUrl = $url
	| .stages = [{"duration": "1s", "target": 5}, {"duration": "2s", "target": 10}, {"duration": "1s", "target": 0}]
	| .tasks[0].steps[1].thinkTime = "20ms"' \
	"$TOP_SRCDIR/etc/examples/k6-script.json" >"$SANDBOX/k6.json"
"$RAMPAGE" run "$SANDBOX/k6.json" -q --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is $? 0 "the run exits 0 (thresholds met)"
S="$SANDBOX/s.json"
ep() { jq -r --arg n "$1" '[.rampage.endpoints[] | select(.name == $n) | .requests] | add // 0' "$S"; }
login=$(ep login); list=$(ep "list users")
diag "logins $login, lists $list"
ok $([ "$list" -ge 100 ]; echo $?) "a few hundred iterations ($list)"
ok $([ "$login" -ge "$list" ] && [ "$login" -le $((list + 10)) ]; echo $?) \
	"one login per iteration (at most the 10 VUs' last ones cut short)"
is "$(jq -c --argjson n "$list" '[.root_group.checks[] | select(.name == "status is 200") | .passes + .fails == $n and .passes == $n] ' "$S")" \
	'[true]' "status is 200: counted once per list request, all passed"
is "$(jq -c --argjson n "$list" '[.root_group.checks[] | select(.name == "response time < 200ms") | .passes + .fails == $n]' "$S")" \
	'[true]' "response time < 200ms: counted once per list request"
is "$(jq '.metrics.checks.values.passes + .metrics.checks.values.fails' "$S")" $((2 * list)) \
	"the checks rate counts both checks"
is "$(jq -c '[.metrics.http_req_duration.thresholds["p(95)<500"].ok, .metrics.http_req_failed.thresholds["rate<0.01"].ok]' "$S")" \
	'[true,true]' "both thresholds passed"
out=$(cat "$SANDBOX/out")
like "$out" '✓ status is 200' "the text summary marks the passing check"
like "$out" 'checks\.+: 100\.00%' "and the overall checks rate"
stats=$(curl -s "$DEMO_URL/api/stats")
is "$(printf '%s' "$stats" | jq '[.tokens.per_token[]] | add')" "$list" \
	"every list request carried a token the target issued"
is "$(printf '%s' "$stats" | jq '.requests.by_status["4xx"]')" 0 "no request was refused"
done_testing
