#!/bin/sh
# Locust's APIUser (etc/examples/locust-apiuser.json) against a demo target that requires a token:
# each VU logs in once (onStart) and sends its own token with every task; the target's own token
# accounting proves it (one token per VU, every authorised request counted under one of them), and
# the task weights 3:2:1 hold over thousands of tasks.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo --require-auth
VUS=10

# The example, aimed at this test's demo target, shortened: 10 VUs for 2 s thinking 2-4 ms.
jq --arg url "$DEMO_URL" --argjson vus $VUS '.baseUrl = $url
	| .scenarios.api_users.vus = $vus | .scenarios.api_users.duration = "2s"
	| .scenarios.api_users.thinkTime = {"between": ["2ms", "4ms"]}' \
	"$TOP_SRCDIR/etc/examples/locust-apiuser.json" >"$SANDBOX/apiuser.json"
"$RAMPAGE" run "$SANDBOX/apiuser.json" -q --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is $? 0 "the run exits 0"
S="$SANDBOX/s.json"
ep() { jq -r --arg n "$1" '[.rampage.endpoints[] | select(.name == $n) | .requests] | add // 0' "$S"; }
list=$(ep "list users"); get=$(ep "get user"); create=$(ep "create user"); login=$(ep login)
total=$((list + get + create))
diag "tasks: list $list, get $get, create $create (total $total), logins $login"
ok $([ "$total" -ge 3000 ]; echo $?) "at least 3,000 tasks ($total)"
is "$login" $VUS "onStart ran once per VU: $VUS logins"
# shares in tenths of a percent; expected 500, 333, 167; allowed +-30 (3 percentage points)
share() { echo $(( $1 * 1000 / total )); }
within() { [ "$1" -ge $(($2 - 30)) ] && [ "$1" -le $(($2 + 30)) ]; }
ok $(within "$(share "$list")" 500; echo $?) "list users: weight 3/6 -> $(share "$list")/1000 (500 +-30)"
ok $(within "$(share "$get")" 333; echo $?) "get user: weight 2/6 -> $(share "$get")/1000 (333 +-30)"
ok $(within "$(share "$create")" 167; echo $?) "create user: weight 1/6 -> $(share "$create")/1000 (167 +-30)"
is "$(jq '.metrics.http_req_failed.values.passes' "$S")" 0 "no request failed (every task was authorised)"
is "$(jq -c '[.rampage.endpoints[] | select(.name == "create user") | .status]' "$S")" "[{\"201\":$create}]" \
	"every create answered 201"
is "$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]] | sort' "$S")" \
	"[[\"logged in\",$VUS,0],[\"status is 201\",$create,0]]" "checks counted per name"

stats=$(curl -s "$DEMO_URL/api/stats")
is "$(printf '%s' "$stats" | jq '.tokens.issued')" $VUS "the target issued $VUS tokens"
is "$(printf '%s' "$stats" | jq '.tokens.distinct')" $VUS "and saw $VUS distinct tokens: one per VU"
is "$(printf '%s' "$stats" | jq '[.tokens.per_token[]] | add')" "$total" \
	"the per-token counts add up to the $total authorised requests"
is "$(printf '%s' "$stats" | jq '[.tokens.per_token[]] | min > 0')" true "every VU's token was used"
done_testing
