#!/bin/sh
# Every bad query parameter and body of the tests/runs API gets a 4xx JSON error that names the
# problem (the parameter, or the JSON path), never a 5xx, and the daemon stays up.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
start_daemon

TEST=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/tests" -d "{\"name\": \"t\", \"baseUrl\": \"$DEMO_URL\", \"vus\": 1,
	\"duration\": \"1s\", \"tasks\": [{\"name\": \"health\", \"path\": \"/api/health\"}]}" | jq .id)
RUN=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/tests/$TEST/runs" | jq .id)
for _ in $(seq 100); do
	st=$(curl -s "$URL/api/runs/$RUN" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$st" finished "a finished run to poke at"

# bad METHOD PATH STATUS JQ-CHECK DESCRIPTION [BODY]: the reply has STATUS and JQ-CHECK holds
bad() {
	local m=$1 p=$2 want=$3 check=$4 desc=$5
	if [ $# -ge 6 ]; then
		got=$(curl -H 'Content-Type: application/json' -s -w '\n%{http_code}' -X "$m" --data-binary "$6" "$URL$p")
	else
		got=$(curl -H 'X-Rampage-Client: test' -s -w '\n%{http_code}' -X "$m" "$URL$p")
	fi
	status=$(printf '%s' "$got" | tail -1)
	body=$(printf '%s' "$got" | sed '$d')
	if [ "$status" = "$want" ] && printf '%s' "$body" | jq -e ".error.message | length > 0" >/dev/null 2>&1 &&
		printf '%s' "$body" | jq -e "$check" >/dev/null 2>&1; then
		ok 0 "$desc: $status"
	else
		ok 1 "$desc"
		diag "got $status: $body"
	fi
}
param() { echo ".error.code == \"bad_request\" and .error.parameter == \"$1\" and (.error.message | startswith(\"$1: \"))"; }

# list parameters
bad GET "/api/runs?limit=0" 400 "$(param limit)" "limit=0"
bad GET "/api/runs?limit=501" 400 "$(param limit)" "limit=501"
bad GET "/api/runs?limit=ten" 400 "$(param limit)" "limit=ten"
bad GET "/api/runs?limit=" 400 "$(param limit)" "limit empty"
bad GET "/api/runs?limit" 400 "$(param limit)" "limit without a value"
bad GET "/api/runs?test=0" 400 "$(param test)" "test=0"
bad GET "/api/runs?test=-3" 400 "$(param test)" "test=-3"
bad GET "/api/runs?since=yesterday" 400 "$(param since)" "since=yesterday"
bad GET "/api/runs?since=1.5" 400 "$(param since)" "since=1.5"
bad GET "/api/runs?state=done" 400 "$(param state)" "state=done"
bad GET "/api/runs?state=queued,,running" 400 "$(param state)" "state with an empty entry"
bad GET "/api/runs?cursor=nope" 400 "$(param cursor)" "cursor=nope"
bad GET "/api/runs?cursor=cjA" 400 "$(param cursor)" "a well-formed cursor of run 0"
bad GET "/api/runs?cursor=%ZZ" 400 "$(param cursor)" "a cursor with a bad escape"
bad GET "/api/runs?sort=id" 400 "$(param sort)" "an unknown parameter"
bad GET "/api/runs/$RUN?x=1" 400 "$(param x)" "an unknown parameter on a run"
bad GET "/api/tests?page=2" 400 "$(param page)" "an unknown parameter on the test list"
bad DELETE "/api/tests/$TEST?force=1" 400 "$(param force)" "an unknown parameter on a test"

# samples parameters
bad GET "/api/runs/$RUN/samples?step=0" 400 "$(param step)" "step=0"
bad GET "/api/runs/$RUN/samples?step=86401" 400 "$(param step)" "step=86401"
bad GET "/api/runs/$RUN/samples?step=1m" 400 "$(param step)" "step=1m"
bad GET "/api/runs/$RUN/samples?from=-1" 400 "$(param from)" "from=-1"
bad GET "/api/runs/$RUN/samples?from=5&to=2" 400 "$(param to)" "to before from"
bad GET "/api/runs/$RUN/samples?endpoint=nope" 400 "$(param endpoint) and (.error.message | contains(\"nope\"))" \
	"an endpoint the run does not have"
bad GET "/api/runs/$RUN/samples.csv?endpoint=nope" 400 "$(param endpoint)" "the same on samples.csv"
bad GET "/api/runs/$RUN/samples?resolution=1" 400 "$(param resolution)" "an unknown samples parameter"
bad POST "/api/runs/$RUN/stop?force=maybe" 400 "$(param force)" "force=maybe"

# not found, conflicts
bad GET /api/runs/999999 404 '.error.code == "not_found"' "an unknown run"
bad GET /api/runs/999999/samples 404 '.error.code == "not_found"' "samples of an unknown run"
bad GET /api/runs/999999/summary 404 '.error.code == "not_found"' "summary of an unknown run"
bad GET /api/runs/999999/endpoints 404 '.error.code == "not_found"' "endpoints of an unknown run"
bad POST /api/runs/999999/stop 404 '.error.code == "not_found"' "stopping an unknown run"
bad DELETE /api/runs/999999 404 '.error.code == "not_found"' "deleting an unknown run"
bad POST "/api/runs/$RUN/stop" 409 '.error.code == "conflict" and (.error.message | contains("finished"))' \
	"stopping a finished run"
bad GET /api/tests/999999 404 '.error.code == "not_found"' "an unknown test"
bad POST /api/tests/999999/runs 404 '.error.code == "not_found"' "running an unknown test"
bad GET /api/runs/abc 404 '.error.code == "not_found"' "a run id that is not a number"

# bodies
bad POST /api/tests 400 '.error.code == "invalid_definition" and .error.errors[0].path == ""' "an empty test body" ""
bad POST /api/tests 400 '.error.code == "invalid_definition"' "a test body that is not JSON" "{nope"
bad POST /api/tests 400 '.error.code == "invalid_definition"' "a test body that is an array" "[1]"
bad POST /api/tests 400 '.error.code == "invalid_definition" and (.error.errors[0].message | test("duplicate"))' \
	"a duplicate key" '{"name": "a", "name": "b"}'
bad POST /api/runs 400 '.error.code == "bad_request"' "an empty inline run body" ""
bad POST /api/runs 400 '.error.code == "bad_request"' "an inline run body that is not an object" '"x"'
bad POST /api/runs 400 '.error.code == "invalid_definition" and .error.errors[0].path == ""' \
	"an inline run without a definition" '{"vus": 1}'
bad POST /api/runs 400 '.error.code == "invalid_definition" and .error.errors[0].path == "vus"' \
	"an inline run with an invalid definition" '{"definition": {"vus": 0, "tasks": []}}'
bad POST "/api/tests/$TEST/runs" 400 '.error.code == "invalid_overrides" and ([.error.errors[].path] == ["colour"])' \
	"an unknown start key" '{"colour": "red"}'
bad POST "/api/tests/$TEST/runs" 400 '.error.code == "invalid_overrides" and ([.error.errors[].path] | sort == ["duration","rate","vus"])' \
	"overrides of the wrong types" '{"vus": "ten", "duration": 5, "rate": "fast"}'
bad POST "/api/tests/$TEST/runs" 400 '.error.code == "invalid_overrides" and .error.errors[0].path == "rate"' \
	"rate on a constant-vus test" '{"rate": 10}'
bad POST "/api/tests/$TEST/runs" 400 '.error.code == "invalid_overrides" and .error.errors[0].path == "tags.env"' \
	"a tag that is not a string" '{"tags": {"env": 1}}'
bad POST "/api/tests/$TEST/runs" 400 '.error.code == "invalid_overrides" and .error.errors[0].path == "note"' \
	"a note that is not a string" '{"note": ["x"]}'
bad POST "/api/tests/$TEST/runs" 400 '.error.code == "bad_request"' "start overrides that are not an object" '[]'
bad POST "/api/tests/$TEST/runs" 400 '.error.code == "invalid_definition" and (.error.errors[0].message | length > 0)' \
	"an override the definition's limits refuse" '{"vus": 1000000}'
bad PUT "/api/tests/$TEST" 400 '.error.code == "invalid_definition"' "a PUT that is not JSON" "nope"
bad DELETE /api/tests/999999 404 '.error.code == "not_found"' "deleting an unknown test"

is "$(curl -s "$URL/api/runs?state=queued,running" | jq '.runs | length')" 0 "no bad request queued a run"
is "$(curl -s "$URL/api/health" | jq -r .status)" ok "the daemon is still up"
kill -0 "$DAEMON_PID"
ok $? "its process is alive"
done_testing
