#!/bin/sh
# Going over the connection limit never wedges the HTTP API (issue 10, section 1). libmicrohttpd
# 0.9.75 deadlocks when it reaches its own connection limit, so the front door keeps request heads
# until they are complete and counts what it handed over: with server.max_connections = 20, more
# half-sent heads than that, a slowloris, more complete requests at once than that, and 20 slow
# uploads holding every place, the API still answers (503 with Retry-After and a JSON body when
# full), answers /api/health again once each attack ends (the seconds it took are printed), and SIGTERM ends the daemon.
. "$TOP_SRCDIR/tests/integration/lib.sh"

cat >"$SANDBOX/attack.py" <<'EOF'
import json, socket, sys, time

port, shape = int(sys.argv[1]), sys.argv[2]
HOST = b"Host: 127.0.0.1:%d\r\n" % port   # the Host rule (server.allowed_hosts) wants the port
HEALTH = b"GET /api/health HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n"

def request(data=HEALTH, timeout=5):
    """One request on a new connection: (status line, headers, body) or (error, '', '')."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.sendall(data)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        s.close()
    except OSError as e:
        return (type(e).__name__, "", "")
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return (lines[0], "\n".join(lines[1:]), body.decode("latin-1"))

def health_after_release():
    """Seconds until /api/health answers 200 once an attack has ended (polled, 10 s at most)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        st, _, _ = request(timeout=2)
        if st.startswith("HTTP/1.1 200"):
            return round(time.monotonic() - t0, 3)
        time.sleep(0.05)
    return None

res = {"shape": shape}
socks = []
if shape == "half_heads":
    # 30 connections that sent half a request head, more than max_connections (20)
    for _ in range(30):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /api/health HTTP/1.1\r\n" + HOST)
        socks.append(s)
    time.sleep(0.5)
    res["during"] = request()[0]
elif shape == "slowloris":
    # 30 connections that send one header byte every 0.3 s for 2.4 s
    for _ in range(30):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /api/health HTTP/1.1\r\n" + HOST + b"X-Slow: ")
        socks.append(s)
    for _ in range(8):
        for s in socks:
            try:
                s.sendall(b"a")
            except OSError:
                pass
        time.sleep(0.3)
    res["during"] = request()[0]
elif shape == "burst":
    # 40 complete Connection: close requests at once, twice max_connections
    for _ in range(40):
        socks.append(socket.create_connection(("127.0.0.1", port)))
    for s in socks:
        s.sendall(HEALTH)
    got = []
    for s in socks:
        s.settimeout(5)
        out = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        except OSError as e:
            out = type(e).__name__.encode()
        got.append(out)
    res["ok200"] = sum(1 for o in got if o.startswith(b"HTTP/1.1 200"))
    res["busy503"] = sum(1 for o in got if o.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in o
                         and b'"code":"unavailable"' in o)
    res["other"] = [o[:40].decode("latin-1") for o in got
                    if not o.startswith(b"HTTP/1.1 200") and not o.startswith(b"HTTP/1.1 503")]
elif shape == "full":
    # 20 uploads that sent their head and no body hold every place MHD has for us
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /api/tests/validate HTTP/1.1\r\n" + HOST +
                  b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        socks.append(s)
    time.sleep(0.5)
    st, hdrs, body = request()
    res["during"] = st
    res["retry_after"] = "Retry-After: 1" in hdrs
    try:
        res["error_code"] = json.loads(body)["error"]["code"]
    except ValueError:
        res["error_code"] = body[:80]
for s in socks:
    s.close()
res["health_s"] = health_after_release()
print(json.dumps(res), flush=True)
EOF

printf '[server]\nmax_connections = 20\npending_timeout_ms = 3000\nhttp_timeout_s = 5\nstop_timeout_s = 10\n' \
	>"$SANDBOX/c.conf"
start_daemon --config "$SANDBOX/c.conf"

attack() { /usr/bin/python3 "$SANDBOX/attack.py" "$PORT" "$1" 2>&1 | tail -1; }
# recovered RESULT: /api/health answered again once the attack ended (polled for 10 s; before the
# front door counted, it never did). The seconds it took are in the diagnostic line above each check:
# a wall-clock bound would flake on a shared machine.
recovered() { printf '%s' "$1" | jq -r '.health_s != null'; }

r=$(attack half_heads)
diag "$r"
is "$(printf '%s' "$r" | jq -r .during)" "HTTP/1.1 200 OK" "30 half-sent heads (max_connections 20): /api/health still answers"
is "$(recovered "$r")" true "  and answers again once they go"

r=$(attack slowloris)
diag "$r"
is "$(printf '%s' "$r" | jq -r .during)" "HTTP/1.1 200 OK" "a slowloris of 30: /api/health still answers"
is "$(recovered "$r")" true "  and answers again once it ends"

r=$(attack burst)
diag "$r"
is "$(printf '%s' "$r" | jq -r '.ok200 + .busy503')" 40 \
	"40 complete requests at once (max 20): each gets 200, or 503 with Retry-After and a JSON error"
ok $([ "$(printf '%s' "$r" | jq -r .ok200)" -ge 1 ]; echo $?) "  and some are served"
is "$(recovered "$r")" true "  /api/health answers again afterwards"

r=$(attack full)
diag "$r"
is "$(printf '%s' "$r" | jq -r .during)" "HTTP/1.1 503 Service Unavailable" \
	"20 stalled uploads hold every place: the next request gets 503"
is "$(printf '%s' "$r" | jq -r '.retry_after and .error_code == "unavailable"')" true \
	"  with Retry-After: 1 and a JSON error"
is "$(recovered "$r")" true "  and /api/health answers again once the uploads go"

like "$(cat "$DAEMON_LOG")" 'server.max_connections \(20\) HTTP connections are open; answering 503' \
	"the first 503 is logged, naming the setting"
uptime_s() { cut -d' ' -f1 /proc/uptime; }   # monotonic (boot time), unlike date
t0=$(uptime_s)
stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM ends the daemon in order (exit 0)"
is "$(awk "BEGIN { print ($(uptime_s) - $t0 <= 10) }")" 1 "  within server.stop_timeout_s (10 s)"
like "$(cat "$DAEMON_LOG")" 'busy \(503\) [1-9]' "the front door counted its 503s"
done_testing
