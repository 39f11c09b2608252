#!/bin/sh
# Malformed input against the real daemon, on every route family that exists (health, static files,
# /api/tests, /api/tests/validate, /api/runs...): broken JSON, wrong types, huge numbers, negative
# durations, unknown ids, bad query parameters, oversized bodies, non-UTF-8, deep nesting, NUL
# bytes. Each gets a 4xx JSON error whose message names the problem; never a 5xx; the daemon stays
# up (health 200 after each).
. "$TOP_SRCDIR/tests/integration/lib.sh"

printf '[limits]\nmax_request_body = 65536\n' >"$SANDBOX/m.conf"
start_daemon --config "$SANDBOX/m.conf"

# send METHOD PATH [curl args]: status in $st, body in $SANDBOX/b.
send() {
	local m=$1 p=$2; shift 2
	st=$(curl -s -o "$SANDBOX/b" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' -X "$m" "$@" "$URL$p")
}
# send_bare METHOD PATH [curl args]: the same without the JSON Content-Type.
send_bare() {
	local m=$1 p=$2; shift 2
	st=$(curl -s -o "$SANDBOX/b" -w '%{http_code}' --max-time 20 -X "$m" "$@" "$URL$p")
}
# expect STATUS MESSAGE-REGEX DESCRIPTION: the last answer had STATUS, a JSON error whose message
# matches, and the daemon still answers /api/health with 200.
fives=0
expect() {
	local code msg
	code=$(jq -r '.error.code // empty' "$SANDBOX/b" 2>/dev/null)
	msg=$(jq -r '.error.message // empty' "$SANDBOX/b" 2>/dev/null)
	case $st in 5*) fives=$((fives + 1)) ;; esac
	if [ "$st" = "$1" ] && [ -n "$code" ] && printf '%s' "$msg" | grep -Eq -- "$2"; then
		ok 0 "$3 -> $st $code"
	else
		ok 1 "$3"
		diag "status $st (want $1), body: $(head -c 400 "$SANDBOX/b")"
	fi
	is "$(http_status GET "$URL/api/health")" 200 "  and the daemon is up"
}
J='-H Content-Type:application/json'
GOOD='{"name":"m","baseUrl":"http://127.0.0.1:9","vus":1,"duration":"1s","tasks":[{"path":"/"}]}'

# --- broken JSON, wrong types
for path in /api/tests /api/tests/validate /api/runs; do
	send POST $path $J --data-binary '{"name": "x",'
	expect 400 'invalid JSON|JSON' "POST $path: truncated JSON"
	send POST $path $J --data-binary '{"name" "x"}'
	expect 400 'JSON' "POST $path: a missing colon"
	send POST $path $J --data-binary ''
	expect 400 'JSON|required|empty|definition' "POST $path: an empty body"
	send POST $path $J --data-binary '[1,2,3]'
	expect 400 'object' "POST $path: an array instead of an object"
	send POST $path $J --data-binary '"just a string"'
	expect 400 'object|expected' "POST $path: a string instead of an object"
done
send POST /api/tests $J --data-binary '{"baseUrl":"http://127.0.0.1:9","vus":"ten","duration":1,"tasks":{}}'
expect 400 'vus: expected' "wrong types inside a definition name the field"
send POST /api/tests/validate $J --data-binary '{"a":1,"a":2}'
expect 400 'duplicate' "duplicate keys"
send POST /api/runs $J --data-binary '{"definition":[]}'
expect 400 'object' "POST /api/runs: a definition that is not an object"
send POST /api/runs $J --data-binary '{"definition":'"$GOOD"',"vus":"many"}'
expect 400 'vus' "POST /api/runs: an override of the wrong type"

# --- huge numbers, negative and silly durations
send POST /api/tests/validate $J --data-binary '{"baseUrl":"http://127.0.0.1:9","vus":1e999,"tasks":[{"path":"/"}]}'
expect 400 'overflow|JSON|vus' "a number beyond double"
send POST /api/tests/validate $J --data-binary '{"baseUrl":"http://127.0.0.1:9","vus":123456789012345678901234567890,"tasks":[{"path":"/"}]}'
expect 400 'overflow|JSON|vus' "an integer beyond 64 bits"
send POST /api/tests/validate $J --data-binary '{"baseUrl":"http://127.0.0.1:9","vus":9223372036854775807,"duration":"1s","tasks":[{"path":"/"}]}'
expect 400 'vus' "INT64_MAX VUs"
send POST /api/tests/validate $J --data-binary '{"baseUrl":"http://127.0.0.1:9","vus":-5,"duration":"1s","tasks":[{"path":"/"}]}'
expect 400 'vus' "negative VUs"
send POST /api/tests/validate $J --data-binary '{"baseUrl":"http://127.0.0.1:9","duration":"-1s","tasks":[{"path":"/"}]}'
expect 400 'duration' "a negative duration"
send POST /api/tests/validate $J --data-binary '{"baseUrl":"http://127.0.0.1:9","duration":"99999999999999h","tasks":[{"path":"/"}]}'
expect 400 'duration' "a duration beyond 292 years"
send POST /api/tests/validate $J --data-binary '{"baseUrl":"http://127.0.0.1:9","duration":"1e3s","tasks":[{"path":"/"}]}'
expect 400 'duration' "a duration in exponent notation"
send POST /api/runs $J --data-binary '{"definition":'"$GOOD"',"duration":"-3s"}'
expect 400 'duration' "a negative duration override"
send POST /api/runs $J --data-binary '{"definition":'"$GOOD"',"vus":1e300}'
expect 400 'vus' "a huge VU override"

# --- unknown ids and routes
send GET /api/tests/999999
expect 404 'no test 999999' "an unknown test id"
send GET /api/runs/999999999999999999
expect 404 'no run' "an unknown run id (18 digits)"
send GET /api/runs/9999999999999999999
expect 404 'no route' "a 19-digit id matches no route"
send GET /api/runs/-1
expect 404 'no route' "a negative id"
send GET /api/tests/abc
expect 404 'no route' "a non-numeric id"
send DELETE /api/tests/0
expect 404 'no test 0' "DELETE of an unknown test"
send PUT /api/tests/424242 $J --data-binary "$GOOD"
expect 404 'no test' "PUT of an unknown test"
send POST /api/runs/31337/stop
expect 404 'no run' "stopping an unknown run"
send GET /api/runs/31337/samples
expect 404 'no run' "samples of an unknown run"
send POST /api/tests/777/runs
expect 404 'no test' "a run of an unknown test"

# --- bad query parameters
send GET '/api/runs?limit=-1'
expect 400 'limit' "limit=-1"
send GET '/api/runs?limit=abc'
expect 400 'limit' "limit=abc"
send GET '/api/runs?limit=99999999999999999999999'
expect 400 'limit' "a limit beyond 64 bits"
send GET '/api/runs?nonsense=1'
expect 400 'nonsense' "an unknown parameter is named"
send GET '/api/runs?limit=%zz'
expect 400 'limit' "a malformed percent-escape in a value"
send GET '/api/runs?limit=%00'
expect 400 'limit' "an escaped NUL in a value"
send GET '/api/runs?limit=1&limit=2'
expect 400 '^limit: given more than once' "a repeated parameter (limit=1&limit=2)"
send GET '/api/runs?cursor=cjEA'
expect 400 '^cursor' "a cursor with a trailing NUL byte (base64url of r1 and a NUL)"

# --- what only another web page sends (docs/operations.md, "Browsers: Host and Origin")
send_bare POST /api/runs -H 'Content-Type: text/plain' --data-binary "{\"definition\":$GOOD}"
expect 415 '^Content-Type' "a text/plain POST (a cross-site simple request)"
send_bare POST /api/runs --data-urlencode "d={\"definition\":$GOOD}"
expect 415 '^Content-Type' "a form-encoded POST"
send_bare POST /api/runs/1/stop
expect 403 'X-Rampage-Client' "a bodiless POST without X-Rampage-Client"
send GET /api/runs -H "Host: attacker.example:$PORT"
expect 421 '^Host' "a DNS-rebinding Host"
send GET /api/runs -H 'Origin: http://localhost:8000'
expect 403 '^Origin' "a same-site page of another origin"
send GET /api/runs -H 'Sec-Fetch-Site: cross-site'
expect 403 '^Sec-Fetch-Site' "Sec-Fetch-Site: cross-site"
send_bare OPTIONS /api/runs -H 'Access-Control-Request-Method: POST'
expect 403 'preflight' "a CORS preflight"

# --- oversized bodies (limits.max_request_body = 65536 here)
head -c 70000 /dev/zero | tr '\0' ' ' >"$SANDBOX/big"
send POST /api/tests $J --data-binary @"$SANDBOX/big"
expect 413 'limits.max_request_body' "a 70 KB body with Content-Length"
send POST /api/tests $J -H 'Transfer-Encoding: chunked' --data-binary @"$SANDBOX/big"
expect 413 'limits.max_request_body' "a 70 KB chunked body"
send POST /api/tests $J -H 'Content-Length: 99999999999999999999' --data-binary '{}'
like "$st" '^(4..|000)$' "an absurd Content-Length is refused (4xx or closed), not 5xx"
is "$(http_status GET "$URL/api/health")" 200 "  and the daemon is up"

# --- non-UTF-8
printf '{"name":"\377\376","baseUrl":"http://127.0.0.1:9","tasks":[{"path":"/"}]}' >"$SANDBOX/latin"
send POST /api/tests/validate $J --data-binary @"$SANDBOX/latin"
expect 400 'UTF-8|JSON' "a string that is not UTF-8"
printf '{"name":"\355\240\200"}' >"$SANDBOX/surrogate"
send POST /api/tests/validate $J --data-binary @"$SANDBOX/surrogate"
expect 400 'UTF-8|JSON' "an encoded UTF-16 surrogate"
send POST /api/tests/validate $J --data-binary '{"name":"\ud800"}'
expect 400 'JSON|surrogate|name' "a lone surrogate escape"
send GET '/api/tests/%ff%fe'
expect 404 'no route' "a path that decodes to non-UTF-8 (the message stays JSON)"
send GET '/%ff.html'
expect 404 '' "a static path that decodes to non-UTF-8"

# --- deep nesting (Jansson stops at JSON_PARSER_MAX_DEPTH, 2048 in 2.14)
python3 -c 'print("[" * 10000 + "]" * 10000)' >"$SANDBOX/deep"
send POST /api/tests/validate $J --data-binary @"$SANDBOX/deep"
expect 400 'depth' "10000 nested arrays: Jansson's depth limit, named"
python3 -c 'print("{\"a\":" * 5000 + "1" + "}" * 5000)' >"$SANDBOX/deep1"
send POST /api/tests $J --data-binary @"$SANDBOX/deep1"
expect 400 'depth' "5000 nested objects"
python3 -c 'print("{\"a\":" * 2000 + "1" + "}" * 2000)' >"$SANDBOX/deep2"
send POST /api/tests/validate $J --data-binary @"$SANDBOX/deep2"
expect 400 'unknown key|a:' "2000 nested objects (under the limit) are parsed, then refused"
python3 -c 'print("{\"baseUrl\":\"http://127.0.0.1:9\",\"tasks\":[{\"path\":\"/\",\"method\":\"POST\",\"json\":" + "[" * 2000 + "]" * 2000 + "}]}")' >"$SANDBOX/deep3"
send POST /api/tests/validate $J --data-binary @"$SANDBOX/deep3"
like "$st" '^(200|400)$' "a 2000-deep JSON request body in a task is handled ($st)"
is "$(http_status GET "$URL/api/health")" 200 "  and the daemon is up"

# --- NUL bytes
send POST /api/tests/validate $J --data-binary '{"name":"a\u0000b","baseUrl":"http://127.0.0.1:9","tasks":[{"path":"/"}]}'
expect 400 'NUL|\\u0000|JSON' "an escaped NUL in a string"
printf '{"name":"a\000b"}' >"$SANDBOX/nul"
send POST /api/tests/validate $J --data-binary @"$SANDBOX/nul"
expect 400 'JSON|control|NUL' "a raw NUL byte in the body"
send GET '/api/tests/1%00'
expect 400 'malformed' "%00 in the path"
send GET '/index.html%00.js'
expect 400 'malformed' "%00 in a static path"

# --- a raw NUL in the request line, and garbage: the connection is closed or refused, never 5xx
printf 'GET /api/he\000alth HTTP/1.1\r\nHost: x\r\n\r\n' >"$SANDBOX/raw"
r=$(/usr/bin/python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(open(sys.argv[2], "rb").read())
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b: break
        out += b
except socket.timeout:
    pass
print(out.split(b"\r\n", 1)[0].decode("latin-1"))' "$PORT" "$SANDBOX/raw")
like "$r" '^(HTTP/1\.[01] 4[0-9][0-9]( .*)?)?$' "a NUL in the request line: 4xx or closed ($r)"
is "$(http_status GET "$URL/api/health")" 200 "  and the daemon is up"

# --- what was saved is still fine
send POST /api/tests $J --data-binary "$GOOD"
is "$st" 201 "a good definition is still accepted afterwards"
is "$fives" 0 "no 5xx anywhere"
stop_daemon
is "$DAEMON_STATUS" 0 "the daemon stops cleanly"
done_testing
