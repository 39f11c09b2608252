#!/bin/sh
# Other web pages cannot drive the daemon (issue 10, section 2). Without tokens (the default on
# loopback), a cross-site simple POST (text/plain, a form), a DNS-rebinding Host, a foreign Origin
# (same-site http://localhost:8000 included: the rule is same-ORIGIN), a Sec-Fetch-Site other than
# same-origin/none, a bodiless Stop/Delete without X-Rampage-Client and a CORS preflight are all
# refused with JSON naming the header, and nothing is created; the dashboard's own origin, the
# CLI's headers and server.allowed_hosts are accepted; the websocket checks Host like the API.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
printf '[server]\nallowed_hosts = rampage.test, Other.Test:8443\n' >"$SANDBOX/hosts.conf"
start_daemon --config "$SANDBOX/hosts.conf"
J='Content-Type: application/json'
DEF="{\"definition\": {\"name\": \"aimed\", \"baseUrl\": \"$DEMO_URL\", \"vus\": 1, \"duration\": \"30s\",
	\"tasks\": [{\"path\": \"/api/health\"}]}}"
TEST="{\"name\": \"t\", \"baseUrl\": \"$DEMO_URL\", \"vus\": 1, \"duration\": \"1s\", \"tasks\": [{\"path\": \"/\"}]}"

# req METHOD PATH [curl args]: the status; headers in $SANDBOX/h, body in $SANDBOX/b
req() {
	local m=$1 p=$2; shift 2
	curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}
code() { jq -r .error.code "$SANDBOX/b"; }
msg() { jq -r .error.message "$SANDBOX/b"; }
nruns() { curl -s "$URL/api/runs" | jq '.runs | length'; }
ntests() { curl -s "$URL/api/tests" | jq '.tests | length'; }

# --- the issue's cross-site simple POST: text/plain, Origin evil.example, Sec-Fetch-Site cross-site
is "$(req POST /api/runs -H 'Content-Type: text/plain' -H 'Origin: http://evil.example' \
	-H 'Sec-Fetch-Site: cross-site' --data-binary "$DEF")" 403 "a cross-site text/plain POST /api/runs: 403"
like "$(msg)" '^Origin: "http://evil.example"' "naming Origin"
is "$(nruns)" 0 "and no run was created"
# the same without Origin (an older browser, or Origin stripped): the content type alone refuses it
is "$(req POST /api/runs -H 'Content-Type: text/plain' --data-binary "$DEF")" 415 "a text/plain POST /api/runs: 415"
is "$(code)" unsupported_media_type "code unsupported_media_type"
like "$(msg)" '^Content-Type: "text/plain"' "naming Content-Type"
is "$(req POST /api/runs --data-urlencode "x=$DEF")" 415 "a form-encoded POST /api/runs: 415"
like "$(msg)" '^Content-Type: "application/x-www-form-urlencoded"' "naming Content-Type"
is "$(req POST /api/runs -H 'Content-Type: multipart/form-data; boundary=x' --data-binary "$DEF")" 415 \
	"multipart: 415"
# a fetch() of a Blob sends no Content-Type at all (and no preflight)
is "$(req POST /api/runs -H 'Content-Type:' --data-binary "$DEF")" 415 "a body without Content-Type: 415"
like "$(msg)" 'X-Rampage-Client' "saying what to send"
is "$(nruns)" 0 "still no run"

# --- DNS rebinding: a name of the attacker's that resolves to 127.0.0.1
is "$(req POST /api/tests -H "Host: attacker.example:$PORT" -H "$J" --data-binary "$TEST")" 421 \
	"POST /api/tests with Host attacker.example:PORT: 421"
is "$(code)" misdirected_request "code misdirected_request"
like "$(msg)" "^Host: \"attacker.example:$PORT\"" "naming Host"
is "$(req GET /api/runs -H "Host: attacker.example:$PORT")" 421 "GET /api/runs with that Host: 421"
is "$(req GET / -H "Host: attacker.example:$PORT")" 421 "the dashboard too"
is "$(req GET /api/runs -H "Host: localhost.attacker.example:$PORT")" 421 "a name ending like ours is not ours"
is "$(req GET /api/runs -H "Host: 127.0.0.1:1")" 421 "our address on another port is not us"
is "$(req GET /api/runs -H "Host: 127.0.0.1")" 421 "nor without the port (not 80)"
is "$(ntests)" 0 "and no test was created"
is "$(req GET /api/runs -H "Host: localhost:$PORT")" 200 "Host localhost:PORT is us"
is "$(req GET /api/runs -H "Host: LOCALHOST.:$PORT")" 200 "in any case, with the root's trailing dot"
is "$(req GET /api/runs -H "Host: [::1]:$PORT")" 200 "Host [::1]:PORT is us"
is "$(req GET /api/runs -H "Host: rampage.test:$PORT")" 200 "an allowed_hosts name on our port"
is "$(req GET /api/runs -H "Host: rampage.test")" 200 "an allowed_hosts name without a port matches any (a proxy on 80)"
is "$(req GET /api/runs -H "Host: other.test:8443")" 200 "an allowed_hosts name:port"
is "$(req GET /api/runs -H "Host: other.test:$PORT")" 421 "only on that port"

# --- Origin: same-ORIGIN, not same-site
is "$(req POST /api/tests -H 'Origin: http://localhost:8000' -H "$J" --data-binary "$TEST")" 403 \
	"a page on http://localhost:8000 (same site, other origin): 403"
is "$(code)" forbidden "code forbidden"
is "$(req GET /api/runs -H 'Origin: http://localhost:8000')" 403 "its reads too"
is "$(req GET /api/runs -H "Origin: http://127.0.0.1:$PORT" -H "Host: localhost:$PORT")" 403 \
	"127.0.0.1 and localhost are different origins"
is "$(req GET /api/runs -H 'Origin: null')" 403 "Origin null (sandboxed frames, file:): 403"
if grep -qi '^access-control-' "$SANDBOX/h"; then ok 1 "no CORS header is granted"; else ok 0 "no CORS header is granted"; fi
is "$(ntests)" 0 "no test was created"

# --- Sec-Fetch-Site
is "$(req POST /api/tests -H 'Sec-Fetch-Site: cross-site' -H "$J" --data-binary "$TEST")" 403 \
	"Sec-Fetch-Site: cross-site: 403"
like "$(msg)" '^Sec-Fetch-Site: "cross-site"' "naming Sec-Fetch-Site"
is "$(req POST /api/tests -H 'Sec-Fetch-Site: same-site' -H "$J" --data-binary "$TEST")" 403 \
	"Sec-Fetch-Site: same-site: 403"
is "$(req GET /api/runs -H 'Sec-Fetch-Site: same-site')" 403 "for reads too"
is "$(req GET / -H 'Sec-Fetch-Site: cross-site' -H 'Sec-Fetch-Mode: navigate')" 200 \
	"but a link from another site still opens the dashboard (a navigation outside /api/)"
is "$(req GET /api/runs -H 'Sec-Fetch-Site: cross-site' -H 'Sec-Fetch-Mode: navigate')" 403 \
	"not the API"
is "$(req GET /api/runs -H 'Sec-Fetch-Site: none')" 200 "Sec-Fetch-Site: none (typed, bookmarked): 200"
is "$(ntests)" 0 "no test was created"

# --- preflights are refused: no CORS, ever
is "$(req OPTIONS /api/runs -H "Origin: http://127.0.0.1:$PORT" -H 'Access-Control-Request-Method: POST' \
	-H 'Access-Control-Request-Headers: content-type')" 403 "an OPTIONS preflight: 403"
like "$(msg)" 'preflight' "saying it is a preflight"
if grep -qi '^access-control-' "$SANDBOX/h"; then ok 1 "with no Access-Control-Allow-*"; else ok 0 "with no Access-Control-Allow-*"; fi

# --- the dashboard's own origin, as a browser sends it
is "$(req POST /api/tests -H "Origin: http://127.0.0.1:$PORT" -H 'Sec-Fetch-Site: same-origin' \
	-H "$J" -H 'X-Rampage-Client: dashboard' --data-binary "$TEST")" 201 "the dashboard's own origin: 201"
is "$(req POST /api/tests -H "Host: localhost:$PORT" -H "Origin: http://localhost:$PORT" \
	-H 'Sec-Fetch-Site: same-origin' -H "$J" --data-binary "$TEST")" 201 "served as localhost: 201"
is "$(ntests)" 2 "two tests"

# --- bodiless state changes: Stop and Delete need the header (or a JSON Content-Type)
RUN=$(curl -s -X POST -H "$J" --data-binary "$DEF" "$URL/api/runs" | jq -r .id)
ok $(case "$RUN" in ''|null) echo 1;; *) echo 0;; esac) "a run started with a JSON body (id $RUN)"
is "$(req POST "/api/runs/$RUN/stop")" 403 "a bare POST .../stop (an <form> or fetch no-cors could send it): 403"
like "$(msg)" 'POST needs Content-Type: application/json or an X-Rampage-Client header' "saying what is needed"
is "$(req POST "/api/runs/$RUN/stop" -H 'Content-Type: text/plain')" 415 "text/plain: 415"
is "$(curl -s "$URL/api/runs/$RUN" | jq -r .state)" running "the run still runs"
is "$(req DELETE "/api/tests/1")" 403 "a bare DELETE /api/tests/1: 403"
is "$(ntests)" 2 "the test is still there"
is "$(req POST "/api/runs/$RUN/stop?force=true" -H 'X-Rampage-Client: cli')" 202 "with X-Rampage-Client: 202"
for _ in $(seq 200); do
	s=$(curl -s "$URL/api/runs/$RUN" | jq -r .state)
	[ "$s" != running ] && [ "$s" != stopping ] && break
	sleep 0.05
done
is "$(req DELETE "/api/runs/$RUN" -H 'X-Rampage-Client: cli')" 204 "DELETE with X-Rampage-Client: 204"
is "$(req DELETE "/api/tests/1" -H "$J")" 204 "DELETE with a JSON Content-Type: 204"

# --- the CLI sends its header (rampage stop is a bodiless POST)
RUN=$(curl -s -X POST -H "$J" --data-binary "$DEF" "$URL/api/runs" | jq -r .id)
"$RAMPAGE" stop "$RUN" --force --server="$URL" >"$SANDBOX/cli.out" 2>&1
is $? 0 "rampage stop works"

# --- the websocket checks Host and Origin the same way (today's bug: both naming the attacker)
cat >"$SANDBOX/ws.py" <<'EOF'
import socket, sys
port, host, origin = int(sys.argv[1]), sys.argv[2], sys.argv[3]
req = ("GET /api/live HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" % host)
if origin:
    req += "Origin: %s\r\n" % origin
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall((req + "\r\n").encode())
out = b""
while b"\r\n\r\n" not in out:
    b = s.recv(4096)
    if not b:
        break
    out += b
print(out.split(b"\r\n")[0].decode())
EOF
like "$(python3 "$SANDBOX/ws.py" "$PORT" "attacker.example:$PORT" "http://attacker.example:$PORT")" ' 421' \
	"a websocket with Host and Origin attacker.example: 421"
like "$(python3 "$SANDBOX/ws.py" "$PORT" "127.0.0.1:$PORT" "http://localhost:8000")" ' 403' \
	"a websocket from http://localhost:8000: 403"
like "$(python3 "$SANDBOX/ws.py" "$PORT" "127.0.0.1:$PORT" "http://127.0.0.1:$PORT")" ' 101' \
	"a websocket from the dashboard's own origin: 101"
like "$(python3 "$SANDBOX/ws.py" "$PORT" "rampage.test:$PORT" "http://rampage.test:$PORT")" ' 101' \
	"through an allowed_hosts name: 101"

# --- server.allowed_hosts is validated, naming the key
printf '[server]\nlisten = 127.0.0.1:0\nallowed_hosts = ok.test, http://bad.test\n' >"$SANDBOX/bad.conf"
"$RAMPAGE" serve --config "$SANDBOX/bad.conf" --db "$SANDBOX/bad.db" >"$SANDBOX/out" 2>&1
is $? 2 "a bad allowed_hosts entry exits 2"
like "$(cat "$SANDBOX/out")" 'bad.conf:3: server.allowed_hosts: "http://bad.test" is not a host' "naming file:line: key and the entry"

is "$(curl -s "$URL/api/health" | jq -r .status)" ok "the daemon is still healthy"
done_testing
