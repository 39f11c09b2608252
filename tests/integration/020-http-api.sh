#!/bin/sh
# The API on the daemon's one port: /api/health, JSON errors (404, 405 + Allow, 400, 413), HEAD,
# keep-alive reuse, IPv6 and listen errors.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# raw PORT [HOST]: send stdin as-is on one connection and print everything the server answers.
cat >"$SANDBOX/raw.py" <<'EOF'
import socket, sys
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
s = socket.create_connection((host, int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
out = b""
while True:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)
EOF
raw() { /usr/bin/python3 "$SANDBOX/raw.py" "$@"; }
# status_line FILE: the final status line of a curl -D header dump (after any 100 Continue).
status_line() { grep '^HTTP/' "$1" | tail -1; }

start_daemon
VERSION=$("$RAMPAGE" version | sed 's/^rampage //')

# --- /api/health
curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" "$URL/api/health"
like "$(status_line "$SANDBOX/h")" '^HTTP/1.1 200' "GET /api/health is 200"
like "$(grep -i '^content-type:' "$SANDBOX/h" | tr -d '\r')" ': application/json$' "as application/json"
is "$(jq -r .status "$SANDBOX/b")" ok "status ok"
is "$(jq -r .version "$SANDBOX/b")" "$VERSION" "version is the binary's ($VERSION)"
is "$(jq -r .db "$SANDBOX/b")" ok "db ok (SELECT 1 on the reader connection)"
is "$(jq -r '.uptime_s | type' "$SANDBOX/b")" number "uptime_s is a number"
is "$(jq -r 'keys | join(",")' "$SANDBOX/b")" "db,status,uptime_s,version" "and nothing else"
sleep 1.2
up=$(curl -s "$URL/api/health" | jq .uptime_s)
ok $([ "$up" -ge 1 ]; echo $?) "uptime_s grows ($up)"

# --- JSON errors
curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" "$URL/api/nope"
like "$(status_line "$SANDBOX/h")" '^HTTP/1.1 404' "unknown route is 404"
is "$(jq -r .error.code "$SANDBOX/b")" not_found "with error.code not_found"
like "$(jq -r .error.message "$SANDBOX/b")" '/api/nope' "and a message naming the path"
is "$(http_status GET "$URL/api")" 404 "/api itself is 404"
is "$(http_status GET "$URL/api/health/")" 404 "a trailing slash does not match"

curl -H 'Content-Type: application/json' -s -D "$SANDBOX/h" -o "$SANDBOX/b" -X POST "$URL/api/health"
like "$(status_line "$SANDBOX/h")" '^HTTP/1.1 405' "POST /api/health is 405"
like "$(grep -i '^allow:' "$SANDBOX/h" | tr -d '\r')" '^[Aa]llow: GET, HEAD$' "Allow lists GET, HEAD"
is "$(jq -r .error.code "$SANDBOX/b")" method_not_allowed "error.code method_not_allowed"
curl -H 'Content-Type: application/json' -s -D "$SANDBOX/h" -o "$SANDBOX/b" -X DELETE "$URL/index.html"
like "$(status_line "$SANDBOX/h")" '^HTTP/1.1 405' "DELETE on a static path is 405"
like "$(grep -i '^allow:' "$SANDBOX/h" | tr -d '\r')" 'GET, HEAD' "with Allow: GET, HEAD"
is "$(jq -r .error.code "$SANDBOX/b")" method_not_allowed "and a JSON body"

r=$(printf 'GET /api/he%%00alth HTTP/1.1\r\nHost: 127.0.0.1:'"$PORT"'\r\nConnection: close\r\n\r\n' | raw "$PORT")
like "$(printf '%s' "$r" | head -1)" '^HTTP/1.1 400' "an encoded NUL in the path is 400"
like "$r" '"code":"bad_request"' "with error.code bad_request"
r=$(printf 'GET /api/%%zz HTTP/1.1\r\nHost: 127.0.0.1:'"$PORT"'\r\nConnection: close\r\n\r\n' | raw "$PORT")
like "$(printf '%s' "$r" | head -1)" '^HTTP/1.1 400' "a malformed escape is 400"
r=$(printf 'GET /api/h%%65alth HTTP/1.1\r\nHost: 127.0.0.1:'"$PORT"'\r\nConnection: close\r\n\r\n' | raw "$PORT")
like "$(printf '%s' "$r" | head -1)" '^HTTP/1.1 200' "an escaped path is decoded before routing (/api/h%65alth)"

# --- HEAD: headers only, the same Content-Length as GET
len=$(curl -s "$URL/api/health" | wc -c)
r=$(printf 'HEAD /api/health HTTP/1.1\r\nHost: 127.0.0.1:'"$PORT"'\r\nConnection: close\r\n\r\n' | raw "$PORT" | od -An -c | tr -d ' \n')
like "$r" '^HTTP/1.1200OK' "HEAD /api/health is 200"
like "$r" "Content-Length:$len" "with the GET body's Content-Length ($len)"
like "$r" '\\r\\n\\r\\n$' "and no body after the headers"

# --- request bodies: 1 MiB allowed, more is 413 (Content-Length or chunked)
head -c 1048576 /dev/zero | tr '\0' 'a' >"$SANDBOX/1m"
head -c 2097152 /dev/zero | tr '\0' 'a' >"$SANDBOX/2m"
is "$(http_status POST "$URL/api/health" -H 'Content-Type: application/json' --data-binary @"$SANDBOX/1m")" 405 "a 1 MiB body is accepted (then 405)"
curl -H 'Content-Type: application/json' -s -D "$SANDBOX/h" -o "$SANDBOX/b" -X POST --data-binary @"$SANDBOX/2m" "$URL/api/health"
like "$(status_line "$SANDBOX/h")" '^HTTP/1.1 413' "a 2 MiB body is 413"
is "$(jq -r .error.code "$SANDBOX/b")" payload_too_large "with error.code payload_too_large"
curl -H 'Content-Type: application/json' -s -D "$SANDBOX/h" -o "$SANDBOX/b" -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$SANDBOX/2m" \
	"$URL/api/nope"
like "$(status_line "$SANDBOX/h")" '^HTTP/1.1 (413|404)' "a chunked 2 MiB body to an unknown route is refused"
curl -H 'Content-Type: application/json' -s -D "$SANDBOX/h" -o "$SANDBOX/b" -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$SANDBOX/2m" \
	"$URL/api/health"
like "$(status_line "$SANDBOX/h")" '^HTTP/1.1 413' "a 2 MiB body sent chunked (no Content-Length) is 413"
is "$(http_status GET "$URL/api/health")" 200 "the daemon is fine afterwards"

# --- keep-alive: several requests, answers of every kind, one connection
n=$(curl -s -o /dev/null -w '%{num_connects}\n' "$URL/api/health" "$URL/api/nope" "$URL/" "$URL/api/health" \
	| awk '{ s += $1 } END { print s }')
is "$n" 1 "four requests (200, 404, static, 200) reuse one connection"
n=$(curl -H 'Content-Type: application/json' -s -o /dev/null -w '%{num_connects}\n' -X POST "$URL/api/health" "$URL/api/health" | awk '{ s += $1 } END { print s }')
is "$n" 1 "a 405 keeps the connection too"

# --- absolute-form and junk request lines go to MHD and get an answer, not a hang
r=$(printf 'GET http://127.0.0.1/api/health HTTP/1.1\r\nHost: 127.0.0.1:'"$PORT"'\r\nConnection: close\r\n\r\n' | raw "$PORT")
like "$(printf '%s' "$r" | head -1)" '^HTTP/1.1 (400|404)' "an absolute-form target is answered 400/404"
r=$(printf 'HELLO THERE\r\n\r\n' | raw "$PORT")
like "$(printf '%s' "$r" | head -1)" '^HTTP/1.1 4[0-9][0-9]' "an upper-case junk line gets a 4xx"

stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM: exit 0"

# --- IPv6 literal, port 0
"$RAMPAGE" serve --config /dev/null --listen '[::1]:0' --db "$SANDBOX/v6.db" --web-root "$TOP_SRCDIR/web" \
	>"$SANDBOX/v6.log" 2>&1 &
V6=$!
PIDS="$PIDS $V6"
p6=$(wait_for_log "$SANDBOX/v6.log" 'listening on http://\[::1\]:[0-9]+' | grep -Eo '[0-9]+$')
ok $([ -n "$p6" ] && [ "$p6" -gt 0 ]; echo $?) "[::1]:0 listens on a real port ($p6)"
is "$(curl -s -g "http://[::1]:$p6/api/health" | jq -r .status)" ok "and serves /api/health over IPv6"
kill -TERM "$V6"; wait "$V6"
is $? 0 "and stops with exit 0"

# --- listen errors name the address
"$RAMPAGE" serve --config /dev/null --listen 'localhost:0' --db "$SANDBOX/x.db" >"$SANDBOX/out" 2>&1
is $? 2 "a host name instead of an address literal exits 2"
like "$(cat "$SANDBOX/out")" 'cannot listen on localhost:0: .*not an IPv4 or IPv6 address' "and says why"
"$RAMPAGE" serve --config /dev/null --listen '192.0.2.1:0' --db "$SANDBOX/y.db" >"$SANDBOX/out" 2>&1
is $? 2 "an address this host does not have exits 2"
like "$(cat "$SANDBOX/out")" 'cannot listen on 192\.0\.2\.1:0: Cannot assign requested address' \
	"with the address and the system's reason"
done_testing
