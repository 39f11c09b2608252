#!/bin/sh
# Demo target: every route answers what daemon/demo/demo.c documents (bodies, status codes, headers),
# request bodies are validated, and keep-alive connections are reused.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo --node-id node-a
U=$DEMO_URL
J='Content-Type: application/json'

# body METHOD PATH [curl args]: prints the body, then the status on its own last line.
req() { local m=$1 p=$2; shift 2; curl -s -X "$m" -w '\n%{http_code}' "$@" "$U$p"; }
status_of() { printf '%s\n' "$1" | tail -1; }
body_of() { printf '%s\n' "$1" | sed '$d'; }

# --- health
r=$(req GET /api/health)
is "$(status_of "$r")" 200 "GET /api/health is 200"
is "$(body_of "$r")" '{"status":"ok"}' "and says ok"
hdrs=$(curl -s -D - -o /dev/null "$U/api/health")
like "$hdrs" '[Cc]ontent-[Tt]ype: application/json' "answers are application/json"
like "$hdrs" 'X-Served-By: node-a' "every answer carries X-Served-By"

# --- worker
r=$(req GET /api/health/worker)
is "$(status_of "$r")" 200 "GET /api/health/worker is 200"
is "$(body_of "$r" | jq -r .node_id)" node-a "and names --node-id"

# --- users
r=$(req GET /api/users)
is "$(status_of "$r")" 200 "GET /api/users is 200"
is "$(body_of "$r" | jq 'length')" 20 "it lists 20 users"
is "$(body_of "$r" | jq -c '.[6] | [.id, (.name|type), (.email|test("@"))]')" '[7,"string",true]' \
	"each user has id, name and email"
r=$(req GET /api/users/7)
is "$(status_of "$r")" 200 "GET /api/users/7 is 200"
is "$(body_of "$r" | jq -c '[.id, .email]')" '[7,"user7@example.com"]' "and is user 7"
for bad in 0 21 -1 abc 7x 007 99999999999; do
	r=$(req GET "/api/users/$bad")
	is "$(status_of "$r")" 404 "GET /api/users/$bad is 404"
done
is "$(body_of "$r" | jq -r .error)" "no such user" "the 404 is a JSON error"

# --- create a user
r=$(curl -s -D "$SANDBOX/h" -w '\n%{http_code}' -H "$J" -d '{"name":"Ann Lee","email":"ann@example.com"}' "$U/api/users")
is "$(status_of "$r")" 201 "POST /api/users is 201"
id=$(body_of "$r" | jq .id)
is "$(body_of "$r" | jq -c '[.name, .email]')" '["Ann Lee","ann@example.com"]' "and echoes the user"
like "$id" '^[0-9]+$' "with a numeric id"
like "$(cat "$SANDBOX/h")" "Location: /api/users/$id" "Location points at it"
r=$(req GET "/api/users/$id")
is "$(status_of "$r")" 200 "the created user can be read back"
is "$(body_of "$r" | jq -r .name)" "Ann Lee" "with its name"
r=$(req GET "/api/users/$((id + 1))")
is "$(status_of "$r")" 404 "an id not yet handed out is 404"
r=$(curl -s -w '\n%{http_code}' -H "$J" -d '{"name":"B","email":"b@x.org"}' "$U/api/users")
is "$(body_of "$r" | jq .id)" "$((id + 1))" "ids count up"

post_users() { curl -s -w '\n%{http_code}' "$@" "$U/api/users"; }
r=$(post_users -H 'Content-Type: text/plain' -d '{"name":"a","email":"a@b"}')
is "$(status_of "$r")" 400 "a wrong content type is 400"
like "$(body_of "$r" | jq -r .error)" 'application/json' "and says what it wants"
r=$(post_users -H "$J" -d '{"name":"a",')
is "$(status_of "$r")" 400 "broken JSON is 400"
like "$(body_of "$r" | jq -r .error)" '^invalid JSON' "and says so"
r=$(post_users -H "$J" -d '{"email":"a@b"}')
is "$(status_of "$r")" 400 "a missing name is 400"
like "$(body_of "$r" | jq -r .error)" '"name"' "and names the field"
r=$(post_users -H "$J" -d '{"name":"a"}')
is "$(status_of "$r")" 400 "a missing email is 400"
like "$(body_of "$r" | jq -r .error)" '"email"' "and names the field"
r=$(post_users -H "$J" -d '{"name":5,"email":"a@b"}')
is "$(status_of "$r")" 400 "a name that is not a string is 400"
r=$(post_users -H "$J" -d '{"name":"a","email":"nobody"}')
is "$(status_of "$r")" 400 "an email without @ is 400"
r=$(post_users -H "$J" -d '[1,2]')
is "$(status_of "$r")" 400 "a JSON array is 400"
r=$(post_users -H "$J" -d '')
is "$(status_of "$r")" 400 "an empty body is 400"
head -c 70000 /dev/zero | tr '\0' a >"$SANDBOX/big"
r=$(post_users -H "$J" --data-binary @"$SANDBOX/big")
is "$(status_of "$r")" 413 "a body over 64 KiB is 413"
r=$(post_users -H 'Content-Type: application/json; charset=utf-8' -d '{"name":"Zoë","email":"z@e"}')
is "$(status_of "$r")" 201 "a charset parameter is accepted"
is "$(body_of "$r" | jq -r .name)" "Zoë" "and UTF-8 survives"

# --- login
login() { curl -s -w '\n%{http_code}' "$@" "$U/api/auth/login"; }
r=$(login -H "$J" -d '{"username":"test","password":"password"}')
is "$(status_of "$r")" 200 "login with test/password is 200"
t1=$(body_of "$r" | jq -r .token)
like "$t1" '^[0-9a-f]{32}$' "and returns a 32-hex-digit token"
t2=$(login -H "$J" -d '{"username":"test","password":"password"}' | sed '$d' | jq -r .token)
ok $([ "$t1" != "$t2" ]; echo $?) "each login gets a new token"
for body in '{"username":"test","password":"wrong"}' '{"username":"root","password":"password"}' \
	'{"username":"test"}' '{"username":"test","password":"password"' '' '{"username":1,"password":"password"}'; do
	r=$(login -H "$J" -d "$body")
	is "$(status_of "$r")" 401 "login with '$body' is 401"
done
r=$(login -H 'Content-Type: text/plain' -d '{"username":"test","password":"password"}')
is "$(status_of "$r")" 401 "login without a JSON content type is 401"
is "$(body_of "$r" | jq -r .error)" "invalid credentials" "the 401 is a JSON error"

# --- tasks
r=$(req POST /api/tasks -H "$J" -d '{"kind":"report"}')
is "$(status_of "$r")" 202 "POST /api/tasks is 202"
like "$(body_of "$r" | jq .task_id)" '^[0-9]+$' "with a task_id"
n1=$(body_of "$r" | jq .task_id)
n2=$(req POST /api/tasks | sed '$d' | jq .task_id)
is "$n2" "$((n1 + 1))" "task ids count up"

# --- unknown paths and methods
is "$(http_status GET "$U/api/nope")" 404 "an unknown path is 404"
is "$(http_status GET "$U/")" 404 "/ is 404"
is "$(curl -s "$U/api/nope" | jq -r .error)" "not found" "the 404 is a JSON error"
is "$(http_status DELETE "$U/api/users")" 405 "DELETE /api/users is 405"
like "$(curl -s -D - -o /dev/null -X PUT "$U/api/health")" 'Allow: GET, HEAD' "a 405 names the allowed methods"
is "$(http_status GET "$U/api/auth/login")" 405 "GET /api/auth/login is 405"
is "$(http_status GET "$U/api/tasks")" 405 "GET /api/tasks is 405"
is "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -I "$U/api/users")" "200 0" "HEAD works, without a body"

# --- stats
s=$(curl -s "$U/api/stats")
is "$(printf '%s' "$s" | jq '.requests.by_route["POST /api/tasks"]')" 2 "stats count requests per route"
is "$(printf '%s' "$s" | jq '.requests.by_route["GET /api/health/worker"]')" 1 "including the worker route"
is "$(printf '%s' "$s" | jq '.requests.by_status["4xx"] > 20')" true "and answers per status class"
r=$(req POST /api/stats/reset)
is "$(status_of "$r")" 200 "POST /api/stats/reset is 200"
s=$(curl -s "$U/api/stats")
is "$(printf '%s' "$s" | jq '.requests.by_route["POST /api/tasks"]')" 0 "and zeroes the counters"
is "$(printf '%s' "$s" | jq '.requests.total')" 1 "the stats request itself is counted"

# --- keep-alive: three requests on one connection, one connect
n=$(curl -s -w '%{num_connects}\n' -o /dev/null "$U/api/health" -o /dev/null "$U/api/users" \
	-o /dev/null "$U/api/users/3" | tr '\n' ' ')
is "$n" "1 0 0 " "keep-alive: three GETs reuse one connection"
n=$(curl -s -o /dev/null -w '%{num_connects}\n' -H "$J" -d '{"name":"k","email":"k@a"}' "$U/api/users" \
	--next -s -o /dev/null -w '%{num_connects}\n' -H "$J" -d '{"name":"k","email":"k@a"}' "$U/api/users" | tr '\n' ' ')
is "$n" "1 0 " "keep-alive: POSTs with bodies reuse the connection too"

done_testing
