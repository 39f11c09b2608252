#!/bin/sh
# Demo target knobs: ?status= forces a status, ?bytes= sizes the body exactly, invalid knob values
# are a 400 naming the parameter, and --error-rate injects 500s on every route but health and stats.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
U=$DEMO_URL

# --- invalid values: 400, JSON naming the parameter
for kv in delay_ms=abc delay_ms=-1 delay_ms=60001 delay_ms= delay_ms=1.5 jitter_ms=x jitter_ms=60001 \
	status=99 status=600 status=abc status= bytes=-1 bytes=16777217 bytes=1e3 bytes=0x10 delay_ms=007; do
	param=${kv%%=*}
	r=$(curl -s -w '\n%{http_code}' "$U/api/users?$kv")
	is "$(printf '%s\n' "$r" | tail -1)" 400 "?$kv is 400"
	is "$(printf '%s\n' "$r" | sed '$d' | jq -r .param)" "$param" "and names $param"
done
like "$(curl -s "$U/api/health?bytes=big")" 'expected an integer from 0 to 16777216' "the error says what is expected"
is "$(http_status POST "$U/api/tasks?status=abc")" 400 "knobs are checked on POST routes too"
is "$(http_status GET "$U/api/nope?delay_ms=x")" 400 "and on unknown paths"
is "$(http_status GET "$U/api/users?other=1&delay_ms=0&jitter_ms=0")" 200 "unknown parameters and zeros are fine"

# --- ?status=
for s in 200 201 302 404 418 500 503 599; do
	is "$(http_status GET "$U/api/users?status=$s")" "$s" "?status=$s on /api/users answers $s"
done
is "$(curl -s "$U/api/health?status=503")" '{"status":"ok"}' "a forced status keeps the route's body"
is "$(http_status POST "$U/api/tasks?status=200")" 200 "?status= works on POST routes"
is "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$U/api/users?status=204")" "204 0" \
	"?status=204 answers without a body"
is "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$U/api/users?status=304")" "304 0" \
	"?status=304 answers without a body"
n=$(curl -s -w '%{http_code}:%{num_connects}\n' -o /dev/null "$U/api/users?status=204" \
	-o /dev/null "$U/api/health" | tr '\n' ' ')
is "$n" "204:1 200:0 " "and the connection is reused after it"
out=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$U/api/users?status=100"); rc=$?
is "$out" 100 "?status=100 is sent as is"
ok $([ "$rc" -ne 28 ]; echo $?) "then the connection closes rather than leave the client waiting for more"

# --- ?bytes=
for n in 0 1 10 1000 65536 65537 1048576 16777216; do
	got=$(curl -s -o "$SANDBOX/body" -w '%{http_code} %{size_download}' "$U/api/users?bytes=$n")
	is "$got" "200 $n" "?bytes=$n gives exactly $n bytes"
done
is "$(tr -d x <"$SANDBOX/body" | wc -c)" 0 "the filler is all 'x'"
like "$(curl -s -D - -o /dev/null "$U/api/users?bytes=100")" 'Content-Length: 100' "with a Content-Length"
is "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$U/api/nope?bytes=5&status=201")" "201 5" \
	"?bytes and ?status combine, on any path"
n=$(curl -s -w '%{size_download}:%{num_connects}\n' -o /dev/null "$U/api/users?bytes=200000" \
	-o /dev/null "$U/api/users?bytes=3" | tr '\n' ' ')
is "$n" "200000:1 3:0 " "large bodies keep the connection alive"

# --- --error-rate 1: every route but health and stats answers 500
start_demo err1 --error-rate 1
E=$DEMO_URL
bad=0
for _ in $(seq 20); do [ "$(http_status GET "$E/api/users")" = 500 ] || bad=$((bad + 1)); done
is "$bad" 0 "--error-rate 1: 20 of 20 GET /api/users are 500"
is "$(curl -s "$E/api/users/1" | jq -r .error)" "injected error (--error-rate)" "the 500 is a JSON error"
is "$(http_status POST "$E/api/tasks")" 500 "POST /api/tasks is 500 too"
is "$(http_status POST "$E/api/auth/login" -H 'Content-Type: application/json' \
	-d '{"username":"test","password":"password"}')" 500 "and login"
is "$(http_status GET "$E/api/health")" 200 "but health is 200"
is "$(http_status GET "$E/api/health/worker")" 200 "and the worker route"
is "$(http_status GET "$E/api/stats")" 200 "and stats"
is "$(curl -s "$E/api/stats" | jq '.requests.by_status["5xx"]')" 23 "stats count the 500s"

# --- --error-rate 0: none
start_demo err0 --error-rate 0
bad=0
for _ in $(seq 50); do [ "$(http_status GET "$DEMO_URL/api/users")" = 200 ] || bad=$((bad + 1)); done
is "$bad" 0 "--error-rate 0: 50 of 50 are 200"

# --- --error-rate 0.5: some of each (P(all 200 alike) = 2^-199)
start_demo err05 --error-rate 0.5
for _ in $(seq 200); do printf 'url = "%s"\noutput = "/dev/null"\n' "$DEMO_URL/api/users"; done >"$SANDBOX/urls"
curl -s -w '%{http_code}\n' -K "$SANDBOX/urls" >"$SANDBOX/codes"
n500=$(grep -c '^500$' "$SANDBOX/codes"); n200=$(grep -c '^200$' "$SANDBOX/codes")
is "$((n500 + n200))" 200 "--error-rate 0.5: every answer is 200 or 500"
ok $([ "$n500" -ge 50 ] && [ "$n500" -le 150 ]; echo $?) "and roughly half are 500 ($n500 of 200)"

done_testing
