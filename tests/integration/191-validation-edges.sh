#!/bin/sh
# Validation edges: a method outside GET HEAD POST PUT PATCH DELETE OPTIONS needs "customMethod":
# true (a typo like "GTE" is an error with a did-you-mean, not a run of 405s); a variable may begin a
# `path` (a Location header followed by hand) or be a whole `url`: such a URL is checked once
# rendered (a path must begin with "/", a url must be absolute http(s) with a host: else "not sent"),
# and in the daemon its connection meets the connect guard, as a redirect's does
# (security.allow_targets: counted as failure kind "blocked").
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo
DEMO_PORT=${DEMO_URL##*:}

v() { printf '%s' "$1" >"$SANDBOX/v.json"; "$RAMPAGE" validate "$SANDBOX/v.json" 2>&1; }

out=$(v "{\"baseUrl\": \"$DEMO_URL\", \"tasks\": [{\"method\": \"GTE\", \"path\": \"/api/health\"}]}")
is "$?" 2 "method GTE: invalid"
is "$out" 'tasks[0].method: expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "GTE" (did you mean "GET"?) (another method needs "customMethod": true)' \
	"named by its JSON path, with did-you-mean GET and the way out"
out=$(v "{\"baseUrl\": \"$DEMO_URL\", \"tasks\": [{\"method\": \"PURGE\", \"path\": \"/a\"}]}")
like "$out" '^tasks\[0\]\.method: expected one of .*got "PURGE" \(another method' "PURGE without the opt-in: no hint, the way out"
v "{\"baseUrl\": \"$DEMO_URL\", \"tasks\": [{\"method\": \"PURGE\", \"customMethod\": true, \"path\": \"/a\"}]}" >/dev/null
is "$?" 0 "PURGE with \"customMethod\": true validates"
v "{\"baseUrl\": \"$DEMO_URL\", \"tasks\": [{\"method\": \"patch\", \"path\": \"/a\"}, {\"method\": \"OPTIONS\", \"path\": \"/a\"}]}" >/dev/null
is "$?" 0 "the standard methods in any case validate"
out=$(v "{\"baseUrl\": \"$DEMO_URL\", \"tasks\": [{\"customMethod\": \"yes\", \"path\": \"/a\"}]}")
like "$out" '^tasks\[0\]\.customMethod: expected true or false' "customMethod must be a boolean"
out=$(v "{\"baseUrl\": \"$DEMO_URL\", \"tasks\": [{\"path\": \"api/health\"}]}")
like "$out" '^tasks\[0\]\.path: expected a path starting with "/" or with a variable' "a path still starts with / (or a variable)"
out=$(v "{\"baseUrl\": \"$DEMO_URL\", \"tasks\": [{\"path\": \"{{nope}}\"}]}")
like "$out" '^tasks\[0\]\.path: unknown variable "nope"' "a path's variable must be defined"

# the JSON Schema says the same (docs/test-definition.schema.json)
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	cat >"$SANDBOX/check.py" <<'PY'
import json, sys
from jsonschema import Draft202012Validator
v = Draft202012Validator(json.load(open(sys.argv[1])))
base = {"baseUrl": "http://127.0.0.1:9"}
for task in sys.argv[2:]:
    d = dict(base, tasks=[json.loads(task)])
    print("ok" if not list(v.iter_errors(d)) else "invalid")
PY
	is "$(/usr/bin/python3 "$SANDBOX/check.py" "$TOP_SRCDIR/docs/test-definition.schema.json" \
		'{"method": "GTE", "path": "/a"}' '{"method": "PURGE", "customMethod": true, "path": "/a"}' \
		'{"method": "delete", "path": "/a"}' '{"method": "PURGE", "customMethod": false, "path": "/a"}' \
		'{"path": "{{loc}}"}' '{"path": "a"}' '{"url": "{{next}}"}' | tr '\n' ' ')" \
		"invalid ok ok invalid ok invalid ok " "the schema: GTE no, PURGE only with customMethod, a path may begin with a variable"
else
	diag "python3-jsonschema is missing: schema checks skipped"
fi

# a run: the Location of a created user followed as a path; a url that is a variable
cat >"$SANDBOX/run.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 1, "iterations": 3,
  "vars": { "self": "$DEMO_URL/api/health", "selfq": "$DEMO_URL/api/health?a=1", "ftp": "ftp://127.0.0.1/x", "rel": "api/health",
            "noHost": "http:///api/health" },
  "tasks": [ { "name": "flow", "steps": [
    { "name": "create", "method": "POST", "path": "/api/users", "json": { "name": "a", "email": "a@b.c" },
      "extract": { "loc": { "header": "Location" } } },
    { "name": "follow", "path": "{{loc}}", "checks": [ { "status": 200 }, { "json": "/name", "equals": "a" } ] },
    { "name": "whole", "url": "{{self}}", "checks": [ { "status": 200 } ] },
    { "name": "whole+query", "url": "{{selfq}}", "query": { "b": 2 }, "checks": [ { "url": "/api/health?a=1&b=2" } ] },
    { "name": "path+query", "path": "{{loc}}", "query": { "b": 2 } },
    { "name": "custom", "method": "PURGE", "customMethod": true, "path": "/api/health" },
    { "name": "bad scheme", "url": "{{ftp}}" },
    { "name": "no host", "url": "{{noHost}}" },
    { "name": "bad path", "path": "{{rel}}" } ] } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/run.json" -q --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
S="$SANDBOX/s.json"
ep() { jq -c --arg n "$1" "[.rampage.endpoints[] | select(.name == \$n) | $2]" "$S"; }
is "$(ep follow '[.requests, .failed]')" '[[3,0]]' "path {{loc}}: the created user, three times"
is "$(jq -c '[.root_group.checks[] | select(.name | test("json")) | .fails]' "$S")" '[0]' "and it is the user just created"
is "$(ep whole '[.requests, .failed]')" '[[3,0]]' "url {{self}}: sent"
is "$(jq -c '[.root_group.checks[] | select(.name | test("^url is")) | [.name, .passes]]' "$S")" '[["url is /api/health?a=1&b=2",3]]' \
	"a url variable that has a query of its own: the query object is joined with &"
is "$(ep 'path+query' '[.requests, .failed]')" '[[3,0]]' "a path variable with a query object: sent"
is "$(ep custom '[.requests, .status_other // 0]')" '[[3,0]]' "PURGE sent (the demo answers it)"
is "$(jq -r '.rampage.endpoints[] | select(.name == "bad scheme") | "\(.failed) \(.failures[0].message)"' "$S")" \
	'3 not sent: the url'"'"'s variable did not render an absolute http:// or https:// URL' "url ftp://: not sent, said why"
is "$(jq -r '.rampage.endpoints[] | select(.name == "no host") | "\(.failed) \(.failures[0].message)"' "$S")" \
	'3 not sent: the url'"'"'s variable rendered a URL without a host' "url http:///: not sent, no host"
is "$(jq -r '.rampage.endpoints[] | select(.name == "bad path") | "\(.failed) \(.failures[0].message)"' "$S")" \
	'3 not sent: the path'"'"'s variable did not render a path starting with "/"' "path api/health: not sent"

# the daemon: a url variable that leads outside security.allow_targets is blocked at connect time
printf '[security]\nallow_targets = 127.0.0.1/32\n' >"$SANDBOX/one.conf"
start_daemon --config "$SANDBOX/one.conf"
body=$(jq -n --arg base "$DEMO_URL" --arg far "http://127.0.0.2:$DEMO_PORT/api/health" \
	'{definition: {name: "far", baseUrl: $base, vars: {far: $far}, vus: 1, iterations: 1,
	  tasks: [{name: "t", steps: [{name: "far", url: "{{far}}"}, {name: "near", url: "{{near}}"}]}]}}' |
	jq --arg near "$DEMO_URL/api/health" '.definition.vars.near = $near')
ID=$(curl -s -X POST -H 'Content-Type: application/json' -d "$body" "$URL/api/runs" | jq .id)
for _ in $(seq 300); do
	case $(curl -s "$URL/api/runs/$ID" | jq -r .state) in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
E=$(curl -s "$URL/api/runs/$ID/summary")
is "$(printf '%s' "$E" | jq -c '[.rampage.endpoints[] | {(.name): [.requests, .failed, (.errors.blocked // 0)]}] | add')" \
	'{"far":[1,1,1],"near":[1,0,0]}' "url {{far}} to 127.0.0.2: blocked by the connect guard; {{near}} sent"
done_testing
