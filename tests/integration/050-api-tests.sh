#!/bin/sh
# Saved tests over REST: create (valid, invalid with every error and its JSON path, not JSON),
# validate without saving, list, get, update (valid and invalid), delete; the list carries run
# counts and the last run.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_daemon

# post METHOD PATH [BODY-FILE]: prints "<status> <body>" on one line
call() {
	if [ $# -ge 3 ]; then
		curl -s -o "$SANDBOX/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
			--data-binary "@$3" "$URL$2" >"$SANDBOX/status"
	else
		curl -s -o "$SANDBOX/body" -w '%{http_code}' -H 'X-Rampage-Client: test' -X "$1" "$URL$2" >"$SANDBOX/status"
	fi
	STATUS=$(cat "$SANDBOX/status")
	BODY=$(cat "$SANDBOX/body")
}

cat >"$SANDBOX/good.json" <<'EOF'
{
  "name": "users smoke",
  "baseUrl": "http://127.0.0.1:9",
  "vus": 2, "duration": "5s",
  "tasks": [ { "name": "list users", "path": "/api/users" } ]
}
EOF
cat >"$SANDBOX/bad.json" <<'EOF'
{"name": "broken", "baseUrl": "http://127.0.0.1:9",
 "scenarios": {"a": {"executor": "constant-vus", "vus": -1, "duration": "3 seconds",
                     "tasks": [{"path": "/x"}]}}}
EOF
printf '{"name": "half' >"$SANDBOX/notjson.json"

# create
call POST /api/tests "$SANDBOX/good.json"
is "$STATUS" 201 "POST /api/tests with a valid definition: 201"
ID=$(printf '%s' "$BODY" | jq -r .id)
like "$ID" '^[0-9]+$' "the created test has an id"
is "$(printf '%s' "$BODY" | jq -r .name)" "users smoke" "its name comes from the definition"
is "$(printf '%s' "$BODY" | jq -c .definition.tasks)" '[{"name":"list users","path":"/api/users"}]' \
	"its definition is returned as JSON"
loc=$(curl -H 'Content-Type: application/json' -s -D - -o /dev/null -X POST --data-binary "@$SANDBOX/good.json" "$URL/api/tests" |
	tr -d '\r' | sed -n 's/^Location: //Ip')
like "$loc" '^/api/tests/[0-9]+$' "the Location header points at the new test"
ID2=${loc##*/}

# invalid: every error, each with its path
call POST /api/tests "$SANDBOX/bad.json"
is "$STATUS" 400 "an invalid definition: 400"
is "$(printf '%s' "$BODY" | jq -r .error.code)" invalid_definition "error code invalid_definition"
is "$(printf '%s' "$BODY" | jq -c '[.error.errors[].path]')" '["scenarios.a.vus","scenarios.a.duration"]' \
	"both errors are listed with their JSON paths"
like "$(printf '%s' "$BODY" | jq -r '.error.errors[0].message')" 'expected an integer' \
	"each error says what was expected"
like "$(printf '%s' "$BODY" | jq -r .error.message)" '^invalid definition: scenarios\.a\.vus: ' \
	"the message names the first error"

call POST /api/tests "$SANDBOX/notjson.json"
is "$STATUS" 400 "a body that is not JSON: 400"
is "$(printf '%s' "$BODY" | jq -r '.error.errors[0].path')" "" "the JSON error is about the document itself"
like "$(printf '%s' "$BODY" | jq -r '.error.errors[0].message')" 'invalid JSON' "and says the JSON is invalid"

# validate without saving
before=$(curl -s "$URL/api/tests" | jq '.tests | length')
call POST /api/tests/validate "$SANDBOX/good.json"
is "$STATUS" 200 "POST /api/tests/validate with a valid definition: 200"
is "$(printf '%s' "$BODY" | jq -c '[.valid, .max_vus, .endpoints[0].name, .scenarios[0].executor]')" \
	'[true,2,"list users","constant-vus"]' "it reports the plan: VUs, endpoints, executor"
call POST /api/tests/validate "$SANDBOX/bad.json"
is "$STATUS" 400 "validate with an invalid definition: 400"
is "$(printf '%s' "$BODY" | jq '.error.errors | length')" 2 "with the same two errors"
is "$(curl -s "$URL/api/tests" | jq '.tests | length')" "$before" "validate saved nothing"

# list and get
call GET /api/tests
is "$STATUS" 200 "GET /api/tests: 200"
is "$(printf '%s' "$BODY" | jq -c "[.tests[] | select(.id == $ID) | .runs, .last_run]")" '[0,null]' \
	"a test without runs lists 0 runs and no last run"
call GET "/api/tests/$ID"
is "$STATUS" 200 "GET /api/tests/$ID: 200"
is "$(printf '%s' "$BODY" | jq -c .definition)" "$(jq -c . "$SANDBOX/good.json")" \
	"the stored definition is the one sent"

# update
sed 's/users smoke/users soak/; s/"5s"/"10s"/' "$SANDBOX/good.json" >"$SANDBOX/good2.json"
sleep 0.01
call PUT "/api/tests/$ID" "$SANDBOX/good2.json"
is "$STATUS" 200 "PUT /api/tests/$ID with a valid definition: 200"
is "$(printf '%s' "$BODY" | jq -c '[.name, .definition.duration, .updated_ms > .created_ms]')" \
	'["users soak","10s",true]' "name, definition and updated_ms change"
call PUT "/api/tests/$ID" "$SANDBOX/bad.json"
is "$STATUS" 400 "PUT with an invalid definition: 400"
is "$(curl -s "$URL/api/tests/$ID" | jq -r .name)" "users soak" "and the test is unchanged"
call PUT /api/tests/99999 "$SANDBOX/good.json"
is "$STATUS" 404 "PUT of a test that does not exist: 404"

# a run of the test shows in the list (it fails fast: nothing listens on port 9)
call POST "/api/tests/$ID2/runs"
is "$STATUS" 202 "a run of the second test is accepted"
RUN=$(printf '%s' "$BODY" | jq -r .id)
curl -H 'Content-Type: application/json' -s -o /dev/null -X POST "$URL/api/runs/$RUN/stop?force=true"
for _ in $(seq 100); do
	st=$(curl -s "$URL/api/runs/$RUN" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
call GET /api/tests
is "$(printf '%s' "$BODY" | jq -c "[.tests[] | select(.id == $ID2) | .runs, .last_run.id, (.recent | length)]")" \
	"[1,$RUN,1]" "the list counts the test's runs and shows the last one"

# delete
call DELETE "/api/tests/$ID"
is "$STATUS" 204 "DELETE /api/tests/$ID: 204"
call GET "/api/tests/$ID"
is "$STATUS" 404 "the deleted test is gone"
is "$(printf '%s' "$BODY" | jq -r .error.code)" not_found "with a not_found error"
call DELETE "/api/tests/$ID"
is "$STATUS" 404 "deleting it again: 404"
call DELETE "/api/tests/$ID2"
is "$(curl -s "$URL/api/runs/$RUN" | jq -c '[.id, .test_id]')" "[$RUN,null]" \
	"a deleted test's runs stay, with test_id null"

is "$(curl -s "$URL/api/health" | jq -r .status)" ok "the daemon is still healthy"
done_testing
