#!/bin/sh
# API tokens: with security.api_tokens set, state-changing requests need `Authorization: Bearer`
# (401 JSON + WWW-Authenticate otherwise), reads stay open; with protect_reads, reads and the
# websocket need it too (?token=, Authorization or a bearer.<token> subprotocol), while
# /api/health and the dashboard's static files stay open.
. "$TOP_SRCDIR/tests/integration/lib.sh"

T1=0123456789abcdef0123456789abcdef
T2=tok-2_fedcba9876543210.xyz
DEF='{"name":"t","baseUrl":"http://127.0.0.1:9","vus":1,"duration":"1s","tasks":[{"path":"/"}]}'

# req METHOD PATH [curl args]: status, then the body, in $SANDBOX/h and $SANDBOX/b.
req() {
	local m=$1 p=$2; shift 2
	curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" -w '%{http_code}' -H 'Content-Type: application/json' -X "$m" "$@" "$URL$p"
}
hdr() { grep -i "^$1:" "$SANDBOX/h" | tr -d '\r' | sed 's/^[^:]*: *//'; }

# --- tokens set, reads open
printf '[security]\napi_tokens = %s, %s\n' "$T1" "$T2" >"$SANDBOX/tok.conf"
start_daemon --config "$SANDBOX/tok.conf"

is "$(req POST /api/tests -d "$DEF")" 401 "POST /api/tests without a token is 401"
is "$(jq -r .error.code "$SANDBOX/b")" unauthorized "error.code unauthorized"
like "$(jq -r .error.message "$SANDBOX/b")" 'needs an API token: send Authorization: Bearer' "the message says how"
is "$(hdr WWW-Authenticate)" 'Bearer realm="rampage"' "with WWW-Authenticate: Bearer"
is "$(req POST /api/tests -d "$DEF" -H "Authorization: Bearer wrong-token-0000000000")" 401 "a wrong token is 401"
is "$(hdr WWW-Authenticate)" 'Bearer realm="rampage", error="invalid_token"' "error=invalid_token"
like "$(jq -r .error.message "$SANDBOX/b")" 'not valid' "and says the token is not valid"
is "$(req POST /api/tests -d "$DEF" -H "Authorization: Basic $T1")" 401 "Basic is not Bearer"
is "$(req POST /api/tests -d "$DEF" -H "Authorization: Bearer ${T1}x")" 401 "a token with an extra character"
is "$(req POST /api/tests -d "$DEF" -H "Authorization: Bearer $T1")" 201 "the first token creates a test (201)"
ID=$(jq -r .id "$SANDBOX/b")
is "$(req POST /api/tests -d "$DEF" -H "authorization: bearer $T2")" 201 "the second token too, header and scheme in any case"
is "$(req PUT /api/tests/$ID -d "$DEF")" 401 "PUT without a token is 401"
is "$(req DELETE /api/tests/$ID)" 401 "DELETE without a token is 401"
is "$(curl -s "$URL/api/tests/$ID" | jq -r .id)" "$ID" "so the test is still there"
is "$(req POST /api/tests/validate -d "$DEF")" 401 "even validation (a POST) needs the token"
is "$(req PATCH /api/tests/$ID -d '{}')" 401 "PATCH (no route) is 401 before 405"
is "$(req POST /api/nowhere -d '{}')" 401 "POST to an unknown route is 401, not 404 (routes are not revealed)"
is "$(req OPTIONS /api/tests)" 401 "any method other than GET and HEAD needs it"
is "$(req DELETE /api/tests/$ID -H "Authorization: Bearer $T1")" 204 "DELETE with the token works"
is "$(req GET /api/tests)" 200 "GET /api/tests stays open without protect_reads"
is "$(req GET /api/nowhere)" 404 "an unknown GET route is a plain 404"
is "$(req GET /api/health)" 200 "/api/health is open"
is "$(req POST /api/health)" 405 "POST /api/health is 405, not 401 (health is always open)"
is "$(req GET /)" 200 "the dashboard is open"
like "$(curl -s -o /dev/null -w '%{http_code}' \
	-H 'Upgrade: websocket' -H 'Connection: Upgrade' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	-H 'Sec-WebSocket-Version: 13' --max-time 2 "$URL/api/live")" '^101$' "the websocket is open without protect_reads"
stop_daemon

# --- protect_reads
printf '[security]\napi_tokens = %s\nprotect_reads = true\n' "$T1" >"$SANDBOX/ro.conf"
start_daemon --config "$SANDBOX/ro.conf"
is "$(req GET /api/tests)" 401 "protect_reads: GET /api/tests without a token is 401"
is "$(jq -r .error.code "$SANDBOX/b")" unauthorized "with the JSON error"
is "$(req HEAD /api/tests)" 401 "HEAD too"
is "$(req GET /api/tests -H "Authorization: Bearer $T1")" 200 "with the token it is 200"
is "$(req GET /api/nowhere)" 401 "an unknown /api/ route is 401 too"
is "$(req GET /api/health)" 200 "/api/health stays open"
is "$(req GET /)" 200 "the dashboard's static files stay open"
is "$(req GET /app.js)" 200 "(its script too)"

cat >"$SANDBOX/ws.py" <<'EOF'
import asyncio, json, sys, websockets
port, how, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
url = "ws://127.0.0.1:%d/api/live" % port
kw = {}
if how == "query":
    url += "?token=" + token
elif how == "header":
    kw["extra_headers"] = {"Authorization": "Bearer " + token}
elif how == "protocol":
    kw["subprotocols"] = ["live", "bearer." + token]
async def main():
    try:
        async with websockets.connect(url, **kw) as ws:
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            print("open %s %s" % (m["type"], ws.subprotocol))
    except websockets.exceptions.InvalidStatusCode as e:
        print("refused %d" % e.status_code)
    except Exception as e:
        print("refused %s" % type(e).__name__)
asyncio.run(main())
EOF
ws() { /usr/bin/python3 "$SANDBOX/ws.py" "$PORT" "$@"; }
is "$(ws none x)" "refused 401" "protect_reads: a websocket without a token gets 401"
is "$(ws query wrong-token-000000000000)" "refused 401" "a wrong ?token= gets 401"
is "$(ws query "$T1")" "open hello None" "?token=<token>: hello"
is "$(ws header "$T1")" "open hello None" "Authorization: Bearer <token>: hello"
is "$(ws protocol "$T1")" "open hello live" "Sec-WebSocket-Protocol live, bearer.<token>: hello, subprotocol live"
is "$(ws protocol "wrong-token-000000000000")" "refused 401" "a wrong bearer.<token> subprotocol gets 401"
curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" --max-time 3 -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
	-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H 'Sec-WebSocket-Version: 13' "$URL/api/live"
is "$(jq -r .error.code "$SANDBOX/b")" unauthorized "the websocket's 401 has a JSON error"
is "$(hdr WWW-Authenticate)" 'Bearer realm="rampage"' "and WWW-Authenticate"
is "$(req GET /api/health)" 200 "the daemon is fine afterwards"
stop_daemon
is "$DAEMON_STATUS" 0 "and stops cleanly"
like "$(cat "$DAEMON_LOG")" 'live without token [1-9]' "the front door counted the refusals"
done_testing
