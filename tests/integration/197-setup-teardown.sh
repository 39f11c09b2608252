#!/bin/sh
# setup and teardown (k6's setup() and teardown()) end to end against a demo target that requires
# tokens: the example (etc/examples/setup-teardown.json) logs in once for the whole run and creates a
# user; every VU reads the token and the user id setup extracted (read-only setup data) and the
# teardown step runs once after the VUs end. A failed setup sends no VU request: `rampage run`
# exits 107 (k6's ScriptException) naming the step, and in the daemon the run ends `error` with
# the reason; one stopped during setup ends `stopped`. Validation: setup's variables are read-only for
# VUs; flow keys are refused in setup.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo --require-auth
J='Content-Type: application/json'
stats() { curl -s "$DEMO_URL/api/stats" | jq -c "$1"; }
route() { stats ".requests.by_route[\"$1\"]"; }

# 1. The example: one login, one created user, 100 reads with the shared token, one teardown POST.
jq --arg url "$DEMO_URL" '.baseUrl = $url' "$TOP_SRCDIR/etc/examples/setup-teardown.json" >"$SANDBOX/st.json"
"$RAMPAGE" run "$SANDBOX/st.json" -q --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is $? 0 "the setup-teardown example runs and exits 0"
S="$SANDBOX/s.json"
is "$(route 'POST /api/auth/login')" 1 "setup ran once for the run (one login, not one per VU)"
is "$(route 'POST /api/users')" 1 "its second step once (the user)"
is "$(jq -c '[.rampage.endpoints[] | [.name, .requests, .status]]' "$S")" '[["read the test user",100,{"200":100}]]' \
	"every VU read the user setup created with the token setup got: 100 x 200 (setup's steps are not endpoints)"
is "$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$S")" \
	'[["status is 200",100,0],["json /name is \"load test\"",100,0]]' "the VUs' checks passed"
is "$(route 'POST /api/tasks')" 1 "teardown ran once, after the VUs, with setup's token (else 401 and no task)"
is "$(stats '.statuses["4xx"] // 0')" 0 "no request was refused"

# 2. A failed setup: exit 107, the reason names the step, no VU sends anything.
curl -s -X POST "$DEMO_URL/api/stats/reset" >/dev/null
jq '.setup[0].json.password = "wrong"' "$SANDBOX/st.json" >"$SANDBOX/bad-login.json"
"$RAMPAGE" run "$SANDBOX/bad-login.json" -q >"$SANDBOX/out" 2>&1
is $? 107 "a failed setup: exit 107 (k6's ScriptException)"
like "$(cat "$SANDBOX/out")" 'setup: step "log in": check "logged in" failed \(HTTP 401\)' "the reason names the step and the check"
is "$(route 'GET /api/users/{id}') $(route 'POST /api/tasks')" "0 0" "no VU request, no teardown after a failed setup"
jq 'del(.setup[0].checks)' "$SANDBOX/bad-login.json" >"$SANDBOX/bad-status.json"
"$RAMPAGE" run "$SANDBOX/bad-status.json" -q >"$SANDBOX/out" 2>&1
is $? 107 "without a check, a 4xx answer fails setup too"
like "$(cat "$SANDBOX/out")" 'setup: step "log in": HTTP 401' "named by its status"

# 3. The daemon: a failed setup ends the run as error with the reason; a good one finishes.
start_daemon
mk() { curl -s -H "$J" -X POST "$URL/api/tests" -d @"$1" | jq -r .id; }
wait_end() {
	local st=""
	for _ in $(seq 600); do
		st=$(curl -s "$URL/api/runs/$1" | jq -r .state)
		case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
	done
	printf '%s' "$st"
}
BAD=$(mk "$SANDBOX/bad-login.json"); GOOD=$(mk "$SANDBOX/st.json")
R=$(curl -s -H "$J" -X POST "$URL/api/tests/$BAD/runs" | jq .id)
is "$(wait_end "$R")" error "daemon: a run whose setup fails ends as error"
like "$(curl -s "$URL/api/runs/$R" | jq -r .error)" '^setup: step "log in": check "logged in" failed \(HTTP 401\)$' \
	"with the reason"
R=$(curl -s -H "$J" -X POST "$URL/api/tests/$GOOD/runs" | jq .id)
is "$(wait_end "$R")" finished "daemon: the example finishes"
is "$(curl -s "$URL/api/runs/$R/summary" | jq '.rampage.endpoints[0].status["200"]')" 100 "its VUs used setup's data"

# A run stopped while its setup waits for an answer (held 10 s by the target) ends `stopped`,
# without a VU request.
curl -s -X POST "$DEMO_URL/api/stats/reset" >/dev/null
jq '.setup[0].path = "/api/auth/login?delay_ms=10000"' "$SANDBOX/st.json" >"$SANDBOX/slow.json"
SLOW=$(mk "$SANDBOX/slow.json")
R=$(curl -s -H "$J" -X POST "$URL/api/tests/$SLOW/runs" | jq .id)
for _ in $(seq 100); do [ "$(curl -s "$URL/api/runs/$R" | jq -r .state)" = running ] && break; sleep 0.1; done
curl -s -H "$J" -X POST "$URL/api/runs/$R/stop" >/dev/null
is "$(wait_end "$R")" stopped "a run stopped during its setup ends stopped"
is "$(route 'GET /api/users/{id}') $(route 'POST /api/tasks')" "0 0" "no VU started, no teardown ran"

# 4. Validation.
cat >"$SANDBOX/v.json" <<JSON
{ "baseUrl": "$DEMO_URL", "vus": 1, "iterations": 1,
  "setup": [ { "path": "/a", "extract": { "token": { "json": "/t" } }, "repeat": { "count": 2 } } ],
  "tasks": [ { "path": "/b", "extract": { "token": { "json": "/t" } } } ],
  "teardwon": [] }
JSON
out=$("$RAMPAGE" validate "$SANDBOX/v.json" 2>&1)
is $? 2 "validate refuses it"
like "$out" 'tasks\[0\]\.extract\.token: the variable "token" is set by setup: read-only for VUs' "setup data is read-only for VUs"
like "$out" 'setup\[0\]\.repeat: not supported in setup' "repeat is refused in setup"
like "$out" 'teardwon: unknown key \(did you mean "teardown"\?\)' "a mistyped teardown"
cat >"$SANDBOX/f.json" <<JSON
{ "baseUrl": "$DEMO_URL", "vus": 1, "iterations": 1, "feeds": { "users": { "rows": [ { "name": "a" } ] } },
  "setup": [ { "path": "/api/health?u={{users.name}}" } ], "tasks": [ { "path": "/api/health?u={{users.name}}" } ] }
JSON
out=$("$RAMPAGE" validate "$SANDBOX/f.json" 2>&1)
is "$?:$out" '2:setup: reads the feed "users": setup runs once, outside any VU'"'"'s iteration, so no row is picked for it' \
	"setup cannot read a feed (no row would be picked); the VUs' task can"

done_testing
