#!/bin/sh
# Websocket clients that never read do not stop the others' heartbeats, and SIGTERM closes every
# websocket client with 1001 (going away) and exits 0 promptly, even with a client that never
# reads, an idle socket and a stalled HTTP request still open.
. "$TOP_SRCDIR/tests/integration/lib.sh"

cat >"$SANDBOX/live.py" <<'EOF'
import asyncio, json, socket, sys, time
import websockets

port = int(sys.argv[1])
url = "ws://127.0.0.1:%d/api/live" % port

def deaf_client():
    # Handshake, then never read again (tiny receive buffer so the server's writes back up).
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" % port)
    s.recv(200)
    return s

async def slow():
    deaf = [deaf_client() for _ in range(10)]
    async with websockets.connect(url) as ws:
        seqs = []
        end = time.monotonic() + 3
        while time.monotonic() < end:
            m = json.loads(await asyncio.wait_for(ws.recv(), 3))
            if m["type"] == "heartbeat":
                seqs.append(m["seq"])
    print(json.dumps({"seqs": seqs}), flush=True)
    for s in deaf:
        s.close()

async def watch(ws):
    t = None
    try:
        while True:
            await ws.recv()
    except websockets.exceptions.ConnectionClosed:
        t = time.monotonic()
    return ws.close_code, ws.close_reason, t

async def stop():
    clients = [await websockets.connect(url) for _ in range(3)]
    for c in clients:
        await asyncio.wait_for(c.recv(), 3)
    deaf = deaf_client()
    idle = socket.create_connection(("127.0.0.1", port))
    stalled = socket.create_connection(("127.0.0.1", port))
    stalled.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port)
    tasks = [asyncio.create_task(watch(c)) for c in clients]
    print(json.dumps({"event": "ready"}), flush=True)
    t0 = time.monotonic()
    res = await asyncio.wait_for(asyncio.gather(*tasks), 15)
    print(json.dumps({"event": "done", "closes": [[c, r] for c, r, _ in res]}), flush=True)

asyncio.run(globals()[sys.argv[2]]())
EOF
live() { /usr/bin/python3 "$SANDBOX/live.py" "$PORT" "$@"; }

printf '[live]\nheartbeat_ms = 100\n' >"$SANDBOX/r.conf"
start_daemon --config "$SANDBOX/r.conf"

r=$(live slow 2>&1)
n=$(printf '%s' "$r" | jq '.seqs | length')
ok $([ "${n:-0}" -ge 20 ]; echo $?) "with 10 clients that never read, another still gets heartbeats ($n in 3 s at 100 ms)"
is "$(printf '%s' "$r" | jq -r '.seqs as $s | [range(1; $s | length) | $s[.] - $s[. - 1]] | unique | join(",")')" 1 \
	"with consecutive seq numbers"
is "$(http_status GET "$URL/api/health")" 200 "and the API is unaffected"

# SIGTERM with clients of every kind connected.
live stop >"$SANDBOX/stop.out" 2>&1 &
SPID=$!
wait_for_log "$SANDBOX/stop.out" '"ready"' 10 >/dev/null || { cat "$SANDBOX/stop.out" >&2; bail "clients did not connect"; }
t0=$(date +%s%N)
stop_daemon TERM
t1=$(date +%s%N)
is "$DAEMON_STATUS" 0 "SIGTERM with live clients: exit 0"
ms=$(( (t1 - t0) / 1000000 ))
ok $([ "$ms" -lt 5000 ]; echo $?) "promptly ($ms ms), despite a client that never reads"
wait "$SPID"
r=$(tail -1 "$SANDBOX/stop.out")
is "$(printf '%s' "$r" | jq -c .closes)" '[[1001,"server stopping"],[1001,"server stopping"],[1001,"server stopping"]]' \
	"every websocket client got a close frame 1001 \"server stopping\""
like "$(cat "$DAEMON_LOG")" 'stopped' "the daemon logged that it stopped"
done_testing
