#!/bin/sh
# The websocket /api/live on the same port as the API: hello, heartbeats with increasing seq,
# subscriptions, a plain GET gets 426, other upgrades and foreign Origins are refused, a handshake
# sent a byte at a time still works, and live.max_clients is enforced with close code 1013.
. "$TOP_SRCDIR/tests/integration/lib.sh"

cat >"$SANDBOX/ws.py" <<'EOF'
import asyncio, json, socket, sys, time
import websockets

port = int(sys.argv[1])
url = "ws://127.0.0.1:%d/api/live" % port

def out(**kw):
    print(json.dumps(kw), flush=True)

async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))

async def basic():
    async with websockets.connect(url) as ws:
        hello = await recv_json(ws)
        beats = []
        while len(beats) < 3:
            m = await recv_json(ws)
            if m.get("type") == "heartbeat":
                beats.append(m)
        out(hello=hello, seqs=[b["seq"] for b in beats], times=[b["server_time"] for b in beats],
            keys=sorted(beats[0].keys()), now=int(time.time() * 1000))

async def subscribe():
    async with websockets.connect(url) as ws:
        await recv_json(ws)
        async def reply(msg):
            await ws.send(msg)
            while True:
                m = await recv_json(ws)
                if m["type"] != "heartbeat":
                    return m
        r1 = await reply(json.dumps({"type": "subscribe", "topics": ["runs", "run:12"]}))
        r2 = await reply(json.dumps({"type": "subscribe", "topics": ["runs", "*"]}))
        r3 = await reply(json.dumps({"type": "unsubscribe", "topics": ["run:12", "nope"]}))
        r4 = await reply("not json")
        r5 = await reply(json.dumps({"type": "subscribe", "topics": "runs"}))
        r6 = await reply(json.dumps({"type": "subscribe", "topics": ["x" * 64]}))
        out(r1=r1, r2=r2, r3=r3, r4=r4, r5=r5, r6=r6)

async def origin(o):
    try:
        async with websockets.connect(url, origin=o) as ws:
            m = await recv_json(ws)
            out(result="open", type=m["type"])
    except websockets.exceptions.InvalidStatusCode as e:
        out(result="refused", status=e.status_code)
    except Exception as e:
        out(result="refused", error=type(e).__name__)

async def cap(n):
    # n clients in turn; each one reports hello or its close code and reason.
    conns, res = [], []
    for i in range(n):
        ws = await websockets.connect(url)
        try:
            m = await recv_json(ws, 3)
            res.append(m["type"])
            conns.append(ws)
        except websockets.exceptions.ConnectionClosed:
            res.append("closed %s %s" % (ws.close_code, ws.close_reason))
    # one leaves: a newcomer is accepted again
    await conns[0].close()
    await asyncio.sleep(0.3)
    ws = await websockets.connect(url)
    try:
        res.append((await recv_json(ws, 3))["type"])
    except websockets.exceptions.ConnectionClosed:
        res.append("closed %s %s" % (ws.close_code, ws.close_reason))
    await ws.close()
    for c in conns[1:]:
        await c.close()
    out(res=res)

async def bad_frames():
    res = []
    async with websockets.connect(url) as ws:
        await recv_json(ws)
        await ws.send(b"\x01\x02")
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        except websockets.exceptions.ConnectionClosed:
            res.append(ws.close_code)
    async with websockets.connect(url, max_size=None) as ws:
        await recv_json(ws)
        await ws.send("x" * 5000)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        except websockets.exceptions.ConnectionClosed:
            res.append(ws.close_code)
    out(codes=res)

def slow_handshake():
    # The whole handshake, one byte every 5 ms: the front door must wait for each new segment.
    req = (b"GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n" % port +
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(len(req)):
        s.send(req[i:i + 1])
        time.sleep(0.005)
    data = b""
    while b"hello" not in data:
        b = s.recv(4096)
        if not b:
            break
        data += b
    head = data.split(b"\r\n", 1)[0].decode()
    out(status=head, hello=b'"type":"hello"' in data, accept=b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in data)

cmd = sys.argv[2]
if cmd == "slow":
    slow_handshake()
elif cmd == "origin":
    asyncio.run(origin(sys.argv[3]))
elif cmd == "cap":
    asyncio.run(cap(int(sys.argv[3])))
else:
    asyncio.run(globals()[cmd]())
EOF
ws() { /usr/bin/python3 "$SANDBOX/ws.py" "$PORT" "$@"; }

printf '[live]\nheartbeat_ms = 200\nmax_clients = 3\n' >"$SANDBOX/r.conf"
start_daemon --config "$SANDBOX/r.conf"

# hello, then heartbeats, on the API's port
is "$(http_status GET "$URL/api/health")" 200 "the API answers on port $PORT"
r=$(ws basic 2>&1)
is "$(printf '%s' "$r" | jq -r '.hello | [.type, .version, .heartbeat_ms] | join(" ")')" "hello 0.1.0 200" \
	"hello first, with the version and heartbeat_ms from the config"
is "$(printf '%s' "$r" | jq -r '.hello | keys | join(",")')" "heartbeat_ms,server_time,type,version" "hello has exactly those fields"
is "$(printf '%s' "$r" | jq -r '.keys | join(",")')" "seq,server_time,type" "heartbeats carry seq and server_time"
is "$(printf '%s' "$r" | jq -r '.seqs as $s | [range(1; $s | length) | $s[.] - $s[. - 1]] | join(",")')" "1,1" \
	"three heartbeats with increasing seq, none missing ($(printf '%s' "$r" | jq -c .seqs))"
is "$(printf '%s' "$r" | jq -r '(.hello.server_time - .now | fabs) < 5000')" true "server_time is wall-clock ms"
is "$(printf '%s' "$r" | jq -r '.times[2] - .times[0] >= 300 and .times[2] - .times[0] <= 1500')" true \
	"heartbeats come every ~200 ms"
is "$(http_status GET "$URL/api/health")" 200 "the API still answers on the same port"

# subscriptions
r=$(ws subscribe 2>&1)
is "$(printf '%s' "$r" | jq -c .r1)" '{"type":"subscribed","topics":["runs","run:12"]}' "subscribe answers with the topics"
is "$(printf '%s' "$r" | jq -c .r2.topics)" '["runs","run:12","*"]' "subscribing again adds only new topics"
is "$(printf '%s' "$r" | jq -c .r3.topics)" '["runs","*"]' "unsubscribe removes (unknown topics ignored)"
is "$(printf '%s' "$r" | jq -r .r4.type)" error "a message that is not JSON gets an error"
like "$(printf '%s' "$r" | jq -r .r5.message)" 'array' "topics must be an array"
like "$(printf '%s' "$r" | jq -r .r6.message)" '63 bytes' "topics are at most 63 bytes"

# plain GET, other upgrades, bad handshakes
curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" "$URL/api/live"
like "$(head -1 "$SANDBOX/h")" '^HTTP/1.1 426' "a plain GET /api/live is 426"
is "$(jq -r .error.code "$SANDBOX/b")" upgrade_required "with a JSON error"
like "$(grep -i '^upgrade:' "$SANDBOX/h" | tr -d '\r')" '[Ww]ebsocket' "and Upgrade: websocket"
is "$(http_status GET "$URL/api/live?x=1")" 426 "with a query too"
curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" -H 'Connection: Upgrade, HTTP2-Settings' -H 'Upgrade: h2c' \
	-H 'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA' "$URL/api/live"
like "$(head -1 "$SANDBOX/h")" '^HTTP/1.1 400' "Upgrade: h2c on /api/live is refused with 400"
is "$(jq -r .error.code "$SANDBOX/b")" bad_upgrade "error.code bad_upgrade"
like "$(http_status GET "$URL/api/live" -H 'Connection: Upgrade' -H 'Upgrade: websocket')" '^(000|4[0-9][0-9])$' \
	"a websocket upgrade without a key is refused by lws (closed or 4xx)"
is "$(http_status GET "$URL/api/health" -H 'Connection: Upgrade' -H 'Upgrade: websocket')" 200 \
	"an upgrade on another path goes to the API, which ignores it"
is "$(http_status POST "$URL/api/live" -H 'X-Rampage-Client: test')" 404 "POST /api/live is the API's (404)"

r=$(ws slow 2>&1)
is "$(printf '%s' "$r" | jq -r .status)" "HTTP/1.1 101 Switching Protocols" "a handshake sent a byte at a time gets 101"
is "$(printf '%s' "$r" | jq -r '.accept and .hello')" true "with the right accept key, then hello"

# Origin: only pages served by us may listen
is "$(ws origin "http://127.0.0.1:$PORT" | jq -r .result)" open "Origin of this server: accepted"
is "$(ws origin "http://evil.example" | jq -r .result)" refused "a foreign Origin: refused"
is "$(ws origin "http://127.0.0.1:1" | jq -r .result)" refused "another port: refused"

# binary frames and oversized messages close the connection
is "$(ws bad_frames | jq -c .codes)" '[1003,1009]' "a binary frame closes with 1003, a 5 KB message with 1009"

# max_clients = 3: the 4th is closed with 1013; after one leaves, a newcomer is welcome
r=$(ws cap 4 2>&1)
is "$(printf '%s' "$r" | jq -r '.res | join("|")')" "hello|hello|hello|closed 1013 too many clients|hello" \
	"the 4th client of 3 is closed with 1013 too many clients; later ones get in again"

stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM: exit 0"
like "$(cat "$DAEMON_LOG")" 'live: adopted [0-9]+ \(0 failed\), refused 1 over the limit' "the refusal is counted"
done_testing
