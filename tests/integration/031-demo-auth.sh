#!/bin/sh
# Demo target with --require-auth: the users and tasks routes need a token this process issued
# (missing, malformed and forged tokens are 401), health and stats stay open, and /api/stats counts
# requests per token so that load tests can prove each virtual user carried its own token.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo --require-auth
U=$DEMO_URL
J='Content-Type: application/json'

token() { curl -s -H "$J" -d '{"username":"test","password":"password"}' "$U/api/auth/login" | jq -r .token; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# --- refused without a (valid) token
is "$(code "$U/api/users")" 401 "GET /api/users without a token is 401"
is "$(code "$U/api/users/1")" 401 "GET /api/users/1 without a token is 401"
is "$(code -H "$J" -d '{"name":"a","email":"a@b"}' "$U/api/users")" 401 "POST /api/users without a token is 401"
is "$(code -X POST "$U/api/tasks")" 401 "POST /api/tasks without a token is 401"
hdrs=$(curl -s -D - "$U/api/users")
like "$hdrs" 'WWW-Authenticate: Bearer' "the 401 asks for a bearer token"
like "$hdrs" '"error":' "and is a JSON error"
forged=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
like "$forged" '^[0-9a-f]{32}$' "a forged token has the right shape"
is "$(code -H "Authorization: Bearer $forged" "$U/api/users")" 401 "a forged token is 401"
is "$(code -H "Authorization: Bearer nonsense" "$U/api/users")" 401 "a malformed token is 401"
is "$(code -H "Authorization: Basic dGVzdDpwYXNzd29yZA==" "$U/api/users")" 401 "basic auth is 401"

# --- open routes
is "$(code "$U/api/health")" 200 "health needs no token"
is "$(code "$U/api/health/worker")" 200 "the worker route needs no token"
is "$(code "$U/api/stats")" 200 "stats need no token"
is "$(code -X POST "$U/api/stats/reset")" 200 "nor does resetting them"

# --- accepted with issued tokens
t1=$(token); t2=$(token); t3=$(token)
like "$t1" '^[0-9a-f]{32}$' "login still works"
is "$(code -H "Authorization: Bearer $t1" "$U/api/users")" 200 "an issued token is accepted"
t1_upper=$(printf '%s' "$t1" | tr a-f A-F)
is "$(code -H "authorization: bearer $t1_upper" "$U/api/users/2")" 200 "header name, scheme and hex digits are case-insensitive"
is "$(code -H "Authorization: Bearer $t1" -H "$J" -d '{"name":"a","email":"a@b"}' "$U/api/users")" 201 \
	"POST /api/users with a token is 201"
is "$(code -H "Authorization: Bearer $t2" -X POST "$U/api/tasks")" 202 "POST /api/tasks with a token is 202"
is "$(code -H "Authorization: Bearer ${t2}0" "$U/api/users")" 401 "a token with an extra digit is 401"

# t1 has 3 requests so far, t2 has 1 (the refused one does not count); give t2 three more and t3 five.
for _ in 1 2 3; do curl -s -o /dev/null -H "Authorization: Bearer $t2" "$U/api/users/4"; done
for _ in 1 2 3 4 5; do curl -s -o /dev/null -H "Authorization: Bearer $t3" "$U/api/users"; done
s=$(curl -s "$U/api/stats")
is "$(printf '%s' "$s" | jq .tokens.issued)" 3 "stats: 3 tokens issued"
is "$(printf '%s' "$s" | jq .tokens.distinct)" 3 "stats: 3 distinct tokens seen"
is "$(printf '%s' "$s" | jq ".tokens.per_token[\"$t1\"]")" 3 "stats: token 1 made 3 requests"
is "$(printf '%s' "$s" | jq ".tokens.per_token[\"$t2\"]")" 4 "stats: token 2 made 4 requests"
is "$(printf '%s' "$s" | jq ".tokens.per_token[\"$t3\"]")" 5 "stats: token 3 made 5 requests"
is "$(printf '%s' "$s" | jq ".tokens.per_token | has(\"$forged\")")" false "the forged token is not listed"
is "$(printf '%s' "$s" | jq '.requests.by_status["4xx"]')" 1 "the one refusal since the reset is counted as 4xx"

# A token seen before reset starts again from zero after it, and stays valid.
is "$(code -X POST "$U/api/stats/reset")" 200 "reset"
s=$(curl -s "$U/api/stats")
is "$(printf '%s' "$s" | jq -c '[.tokens.distinct, (.tokens.per_token | length)]')" '[0,0]' "reset forgets token counts"
is "$(code -H "Authorization: Bearer $t2" "$U/api/users")" 200 "tokens stay valid after a reset"
is "$(curl -s "$U/api/stats" | jq -c "[.tokens.distinct, .tokens.per_token[\"$t2\"]]")" '[1,1]' \
	"and are counted again"

# Without --require-auth the same routes are open, and tokens are still counted.
start_demo open
is "$(code "$DEMO_URL/api/users")" 200 "without --require-auth, users are open"
t=$(curl -s -H "$J" -d '{"username":"test","password":"password"}' "$DEMO_URL/api/auth/login" | jq -r .token)
curl -s -o /dev/null -H "Authorization: Bearer $t" "$DEMO_URL/api/users"
curl -s -o /dev/null -H "Authorization: Bearer $t" -X POST "$DEMO_URL/api/tasks"
is "$(curl -s "$DEMO_URL/api/stats" | jq ".tokens.per_token[\"$t\"]")" 2 "and tokens are counted anyway"
is "$(code -H "Authorization: Bearer $forged" "$DEMO_URL/api/users")" 200 "a forged token is ignored there"

done_testing
