#!/bin/sh
# Misbehaving clients do not stall good ones: with 100 idle sockets, clients stalled inside the
# /api/live prefix, slowloris headers, TLS ClientHellos, binary junk and 20 KB request lines all
# open at once, a good HTTP request and a good websocket handshake stay fast (bound: 2 s). Junk is
# closed at once (too long a line with a JSON 414), idle and stalled clients when their timeouts say
# so (a request head must be complete within pending_timeout_ms). With few file descriptors,
# the pending list evicts its oldest and running out of fds (EMFILE) neither spins nor sticks.
. "$TOP_SRCDIR/tests/integration/lib.sh"

cat >"$SANDBOX/nasty.py" <<'EOF'
import json, os, selectors, socket, sys, time

port = int(sys.argv[1])
TLS_HELLO = bytes.fromhex("16030100a5010000a10303") + os.urandom(32) + bytes.fromhex("000020c02bc02f")
groups = {
    "idle": [b""] * 100,
    "live_prefix": [b"GET /api/li"] * 10,
    "live_head": [b"GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n" % port] * 10,
    "slowloris": [b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-a: " % port] * 10,
    "tls": [TLS_HELLO] * 5,
    "binary": [bytes(range(256))] * 5,
    "long_http": [b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port],
    "long_live": [b"GET /api/live?" + b"a" * 20000 + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port],
}
sel = selectors.DefaultSelector()
t0 = time.monotonic()
socks = []
for g, payloads in groups.items():
    for p in payloads:
        s = socket.create_connection(("127.0.0.1", port))
        if p:
            s.sendall(p)
        s.setblocking(False)
        rec = {"group": g, "sock": s, "eof": None, "data": b""}
        socks.append(rec)
        sel.register(s, selectors.EVENT_READ, rec)
print(json.dumps({"event": "holding"}), flush=True)

def good_http():
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port)
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    s.close()
    return time.monotonic() - t, data.startswith(b"HTTP/1.1 200")

def good_ws():
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" % port)
    data = b""
    while b'"hello"' not in data:
        b = s.recv(4096)
        if not b:
            break
        data += b
    s.close()
    return time.monotonic() - t, data.startswith(b"HTTP/1.1 101") and b'"hello"' in data

http = [good_http() for _ in range(5)]
ws = [good_ws() for _ in range(3)]

# Watch every nasty socket for EOF (or reset) for up to 7 s.
while time.monotonic() - t0 < 7 and any(r["eof"] is None for r in socks):
    for key, _ in sel.select(timeout=0.1):
        r = key.data
        try:
            b = r["sock"].recv(65536)
        except (ConnectionResetError, BlockingIOError) as e:
            b = b"" if isinstance(e, ConnectionResetError) else None
        if b is None:
            continue
        if b:
            r["data"] += b
            continue
        r["eof"] = time.monotonic() - t0
        sel.unregister(r["sock"])

res = {"event": "done",
       "http_max_s": max(t for t, _ in http), "http_ok": all(ok for _, ok in http),
       "ws_max_s": max(t for t, _ in ws), "ws_ok": all(ok for _, ok in ws)}
for g in groups:
    rs = [r for r in socks if r["group"] == g]
    eofs = [r["eof"] for r in rs]
    res[g] = {"n": len(rs), "open": sum(1 for e in eofs if e is None),
              "first": min((e for e in eofs if e is not None), default=None),
              "last": max((e for e in eofs if e is not None), default=None),
              "status": sorted(set(r["data"].split(b" ", 2)[1].decode() if r["data"].startswith(b"HTTP/")
                                   else "-" for r in rs))}
print(json.dumps(res), flush=True)
EOF

# pending_timeout 3 s for idle clients and unfinished request heads; MHD's 2 s for stalled bodies.
printf '[server]\npending_timeout_ms = 3000\nhttp_timeout_s = 2\n' >"$SANDBOX/r.conf"
start_daemon --config "$SANDBOX/r.conf"

/usr/bin/python3 "$SANDBOX/nasty.py" "$PORT" >"$SANDBOX/nasty.out" 2>&1 &
NPID=$!
wait_for_log "$SANDBOX/nasty.out" '"holding"' 20 >/dev/null || { cat "$SANDBOX/nasty.out" >&2; bail "nasty clients did not start"; }
t=$(curl -s -o "$SANDBOX/b" -w '%{time_total}' --max-time 10 "$URL/api/health")
is "$(jq -r .status "$SANDBOX/b")" ok "with ~160 nasty clients open, curl still gets /api/health"
is "$(awk "BEGIN { print ($t < 2) }")" 1 "within 2 s (took $t s)"
wait "$NPID"
r=$(tail -1 "$SANDBOX/nasty.out")
diag "$r"
is "$(printf '%s' "$r" | jq -r '.http_ok and .http_max_s < 2')" true "5 good HTTP requests: all 200, each within 2 s"
is "$(printf '%s' "$r" | jq -r '.ws_ok and .ws_max_s < 2')" true "3 good websocket handshakes: 101 + hello, each within 2 s"
is "$(printf '%s' "$r" | jq -r '[.tls, .binary] | map(.open == 0 and .last < 1) | all')" true \
	"TLS ClientHellos and binary junk are closed at once (< 1 s)"
is "$(printf '%s' "$r" | jq -r '[.tls, .binary] | map(.status == ["-"]) | all')" true "without an answer"
is "$(printf '%s' "$r" | jq -r '.idle | .open == 0 and .first >= 2.5 and .last < 5')" true \
	"100 idle sockets are closed by the front door after pending_timeout_ms (3 s)"
is "$(printf '%s' "$r" | jq -r '[.live_prefix, .live_head] | map(.open == 0 and .first >= 2.5 and .last < 5) | all')" true \
	"clients stalled inside the /api/live prefix or head: closed at 3 s too"
is "$(printf '%s' "$r" | jq -r '.slowloris | .open == 0 and .first >= 2.5 and .last < 5')" true \
	"slowloris headers (never handed to MHD) are closed by the front door at 3 s too"
is "$(printf '%s' "$r" | jq -r '[.long_http, .long_live] | map(.status | join(",")) | join(" ")')" "414 414" \
	"a 20 KB request line gets 414, on /api/live too"
is "$(printf '%s' "$r" | jq -r '.long_live | .open == 0 and .last < 1')" true "a 20 KB /api/live line is closed at once"
is "$(http_status GET "$URL/api/health")" 200 "the daemon is fine afterwards"
stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM: exit 0"
like "$(cat "$DAEMON_LOG")" 'rejected 10, timed out 130,.*bad request head 2,' \
	"the front door counted 10 rejected (TLS, binary), 130 timed out, 2 bad heads (the long lines)"


# ---- few file descriptors: RLIMIT_NOFILE 128 gives 32 pending slots.
cat >"$SANDBOX/fds.py" <<'EOF'
import json, socket, sys, time

port, pid = int(sys.argv[1]), int(sys.argv[2])

def cpu_ticks():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])

def good_http():
    t = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port)
        data = s.recv(4096)
        s.close()
        return time.monotonic() - t, data.startswith(b"HTTP/1.1 200")
    except OSError:
        return time.monotonic() - t, False

res = {}
# 100 idle sockets into 32 pending slots: the oldest are evicted, good requests stay fast.
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
time.sleep(0.3)
res["evict_good"] = good_http()
for s in idle:
    s.close()
time.sleep(0.3)
# 200 stalled uploads (a complete head, no body): MHD holds each one's fd until the process runs
# out (EMFILE).
stalled = []
for _ in range(200):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /api/tests/validate HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n" % port)
    stalled.append(s)
time.sleep(0.5)
for _ in range(20):   # more connection attempts while out of fds
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.close()
    except OSError:
        pass
time.sleep(0.2)
c0 = cpu_ticks()
time.sleep(1.0)
res["cpu_ticks_per_s"] = cpu_ticks() - c0
for s in stalled:
    s.close()
time.sleep(0.5)
res["recovered"] = good_http()
print(json.dumps(res), flush=True)
EOF

( ulimit -n 128 && exec "$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$SANDBOX/fds.db" \
	--web-root "$TOP_SRCDIR/web" --log-level debug ) >"$SANDBOX/fds.log" 2>&1 &
FPID=$!
PIDS="$PIDS $FPID"
FPORT=$(wait_for_log "$SANDBOX/fds.log" 'listening on http://127\.0\.0\.1:[0-9]+' | grep -Eo '[0-9]+$') ||
	{ cat "$SANDBOX/fds.log" >&2; bail "daemon with 128 fds did not start"; }
like "$(cat "$SANDBOX/fds.log")" 'frontdoor: 32 pending slots' "RLIMIT_NOFILE 128: 32 pending slots"
r=$(/usr/bin/python3 "$SANDBOX/fds.py" "$FPORT" "$FPID" 2>&1)
diag "$r"
is "$(printf '%s' "$r" | jq -r '.evict_good[1] and .evict_good[0] < 2')" true "100 idle sockets in 32 slots: a good request is still fast"
ok $([ "$(printf '%s' "$r" | jq .cpu_ticks_per_s)" -lt 30 ]; echo $?) \
	"out of fds, the daemon does not spin ($(printf '%s' "$r" | jq .cpu_ticks_per_s) ticks of CPU in 1 s)"
is "$(printf '%s' "$r" | jq -r '.recovered[1]')" true "once the stalled clients go, requests work again"
kill -TERM "$FPID"; wait "$FPID"
is $? 0 "SIGTERM: exit 0"
like "$(cat "$SANDBOX/fds.log")" 'out of file descriptors' "running out of fds is logged"
like "$(cat "$SANDBOX/fds.log")" 'evicted ([6-9][0-9]|[1-9][0-9][0-9])' "and the idle sockets were evicted oldest first ($(grep -o 'evicted [0-9]*' "$SANDBOX/fds.log"))"
like "$(cat "$SANDBOX/fds.log")" 'shed [1-9]' "and connections were shed with the reserve fd ($(grep -o 'shed [0-9]*' "$SANDBOX/fds.log"))"
done_testing
