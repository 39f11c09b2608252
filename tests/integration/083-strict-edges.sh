#!/bin/sh
# Protocol strictness (issue 10, section 4, second bullet): a websocket handshake with a
# Sec-WebSocket-Version other than 13 gets 426 naming the version we speak (RFC 6455 4.4) and is
# never upgraded; an unmasked client frame closes the websocket with 1002 (RFC 6455 5.1), also
# when it comes in the same segment as the handshake, while masked ones work; a repeated query parameter is a 400 naming it (parameters are strict: which of
# limit=1&limit=2 would count?); a cursor decodes only in the one spelling the API gave, so one
# with trailing NUL bytes ("cjE" + "A" is "r1\0") or stray low bits is a 400 naming it.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_daemon

# --- websocket versions
cat >"$SANDBOX/ws.py" <<'EOF'
import socket, sys
port, version = int(sys.argv[1]), sys.argv[2]
req = ("GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" % port)
if version != "-":
    req += "Sec-WebSocket-Version: %s\r\n" % version
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall((req + "\r\n").encode())
out = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    out += b
    if b"\r\n\r\n" in out and (b" 101 " in out.split(b"\r\n")[0] or b"}}" in out):
        break
head, _, body = out.partition(b"\r\n\r\n")
lines = head.decode().split("\r\n")
print(lines[0])
print("\n".join(l.lower() for l in lines[1:]))
print(body.decode(errors="replace"))
EOF
r=$(python3 "$SANDBOX/ws.py" "$PORT" 99)
like "$(printf '%s' "$r" | head -1)" '^HTTP/1\.[01] 426' "Sec-WebSocket-Version: 99 gets 426"
like "$r" 'sec-websocket-version: 13' "naming the version spoken (13)"
like "$r" '"code":"upgrade_required"' "with a JSON error"
like "$r" 'Sec-WebSocket-Version' "naming the header"
like "$(python3 "$SANDBOX/ws.py" "$PORT" 8 | head -1)" ' 426' "version 8 (a draft): 426"
like "$(python3 "$SANDBOX/ws.py" "$PORT" 130 | head -1)" ' 426' "130 (which would wrap to 2 in a byte): 426"
like "$(python3 "$SANDBOX/ws.py" "$PORT" - | head -1)" ' 426' "no version at all: 426"
like "$(python3 "$SANDBOX/ws.py" "$PORT" 13 | head -1)" ' 101' "version 13: 101"

# --- unmasked client frames
cat >"$SANDBOX/mask.py" <<'EOF'
import json, os, socket, struct, sys, time
port, masked, pipelined = int(sys.argv[1]), sys.argv[2] == "masked", sys.argv[3] == "pipelined"
s = socket.create_connection(("127.0.0.1", port), timeout=5)
head = ("GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" % port).encode()
payload = json.dumps({"type": "subscribe", "topics": ["runs"]}).encode()
if masked:
    key = os.urandom(4)
    frame = bytes([0x81, 0x80 | len(payload)]) + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
else:
    frame = bytes([0x81, len(payload)]) + payload
s.sendall(head + frame if pipelined else head)
data = b""
while b"\r\n\r\n" not in data:
    data += s.recv(4096)
buf = data.split(b"\r\n\r\n", 1)[1]
seen = []
if not pipelined:
    while len(buf) < 2 or len(buf) < 2 + (buf[1] & 0x7f):   # the hello first
        buf += s.recv(4096)
    s.sendall(frame)
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    while len(buf) >= 2 and len(buf) >= 2 + (buf[1] & 0x7f):
        op, n = buf[0] & 0x0f, buf[1] & 0x7f
        body, buf = buf[2:2 + n], buf[2 + n:]
        seen.append("close %d" % struct.unpack(">H", body[:2])[0] if op == 8 else json.loads(body)["type"])
    if "subscribed" in seen:
        break
    b = s.recv(4096)
    if not b:
        seen.append("eof")
        break
    buf += b
print(" ".join(t for t in seen if t != "heartbeat"))
EOF
is "$(python3 "$SANDBOX/mask.py" "$PORT" masked after)" "hello subscribed" "a masked subscribe is answered"
is "$(python3 "$SANDBOX/mask.py" "$PORT" unmasked after)" "hello close 1002 eof" \
	"an unmasked client frame: close 1002, then the connection ends"
is "$(python3 "$SANDBOX/mask.py" "$PORT" unmasked pipelined)" "close 1002 eof" \
	"also sent in one segment with the handshake (before any hello)"
is "$(python3 "$SANDBOX/mask.py" "$PORT" masked pipelined)" "hello subscribed" "a masked one pipelined is fine"

# --- repeated query parameters
# q PATH: status, body in $SANDBOX/b
q() { curl -s -o "$SANDBOX/b" -w '%{http_code}' "$URL$1"; }
is "$(q '/api/runs?limit=1&limit=2')" 400 "limit=1&limit=2: 400"
is "$(jq -r .error.parameter "$SANDBOX/b")" limit "naming the parameter"
like "$(jq -r .error.message "$SANDBOX/b")" '^limit: given more than once' "saying it is repeated"
is "$(q '/api/runs?limit=1&limit=1')" 400 "even with the same value"
is "$(q '/api/runs?state=passed&limit=5&state=failed')" 400 "not only next to each other"
is "$(jq -r .error.parameter "$SANDBOX/b")" state "naming that one"
is "$(q '/api/runs?limit=1&state=passed')" 200 "distinct parameters are fine"

# --- cursors: only the spelling the API gives
TEST=$(curl -s -X POST -H 'Content-Type: application/json' "$URL/api/tests" \
	-d '{"name": "c", "baseUrl": "http://127.0.0.1:9", "vus": 1, "duration": "1s", "tasks": [{"path": "/"}]}' | jq -r .id)
for _ in 1 2; do
	curl -s -X POST -H 'Content-Type: application/json' -d '{"definition": {"name": "c",
		"baseUrl": "http://127.0.0.1:9", "vus": 1, "duration": "1s", "tasks": [{"path": "/"}]}}' \
		"$URL/api/runs" >/dev/null
done
CUR=$(curl -s "$URL/api/runs?limit=1" | jq -r .next_cursor)
ok $(case "$CUR" in ''|null) echo 1;; *) echo 0;; esac) "a first page of one run gives a cursor ($CUR)"
is "$(q "/api/runs?limit=1&cursor=$CUR")" 200 "the cursor as given: 200"
is "$(q "/api/runs?limit=1&cursor=${CUR}A")" 400 "with one trailing NUL byte (+A): 400"
is "$(jq -r .error.parameter "$SANDBOX/b")" cursor "naming the cursor"
is "$(q "/api/runs?limit=1&cursor=${CUR}AAAA")" 400 "with several (+AAAA): 400"
is "$(q "/api/runs?cursor=cjEA")" 400 "r1 and a NUL (cjEA): 400"
is "$(q "/api/runs?cursor=cjF")" 400 "r1 with stray low bits (cjF): 400"
is "$(q "/api/runs?cursor=cjE")" 200 "r1 itself (cjE): 200"
is "$(q "/api/runs?test=$TEST&cursor=cjEA")" 400 "with a test filter too"
RUN=$(curl -s "$URL/api/runs?limit=1" | jq -r '.runs[0].id')
is "$(q "/api/runs/$RUN/samples?step=1&step=2")" 400 "a repeated step on the samples: 400"
is "$(jq -r .error.parameter "$SANDBOX/b")" step "naming it"

is "$(curl -s "$URL/api/health" | jq -r .status)" ok "the daemon is still healthy"
done_testing
