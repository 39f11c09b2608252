#!/bin/sh
# Many clients at once on the one port: 50 websocket clients keep getting heartbeats while 200
# parallel curl transfers (curl --parallel) and 40 keep-alive curl processes (xargs -P) all get
# the right answers.
. "$TOP_SRCDIR/tests/integration/lib.sh"

command -v curl >/dev/null || bail "curl is needed"
curl --help all 2>/dev/null | grep -q -- '--parallel-max' || bail "curl with --parallel is needed"

cat >"$SANDBOX/wsmany.py" <<'EOF'
import asyncio, json, sys, time
import websockets

port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
url = "ws://127.0.0.1:%d/api/live" % port

async def client(i, ready):
    async with websockets.connect(url, open_timeout=10) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        ready.append(i)
        seqs = []
        end = time.monotonic() + secs
        while time.monotonic() < end:
            try:
                m = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, end - time.monotonic())))
            except asyncio.TimeoutError:
                break
            if m["type"] == "heartbeat":
                seqs.append(m["seq"])
        return hello["type"] == "hello", seqs

async def main():
    ready = []
    tasks = [asyncio.create_task(client(i, ready)) for i in range(n)]
    while len(ready) < n and not all(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    print(json.dumps({"event": "connected", "n": len(ready)}), flush=True)
    res = await asyncio.gather(*tasks, return_exceptions=True)
    good = 0
    minbeats = None
    gaps = 0
    errors = []
    for r in res:
        if isinstance(r, BaseException):
            errors.append(repr(r))
            continue
        hello, seqs = r
        increasing = all(b > a for a, b in zip(seqs, seqs[1:]))
        gaps += sum(1 for a, b in zip(seqs, seqs[1:]) if b != a + 1)
        minbeats = len(seqs) if minbeats is None else min(minbeats, len(seqs))
        if hello and increasing and len(seqs) >= 2:
            good += 1
    print(json.dumps({"event": "done", "good": good, "minbeats": minbeats, "gaps": gaps,
                      "errors": errors[:3]}), flush=True)

asyncio.run(main())
EOF

printf '[live]\nheartbeat_ms = 200\n' >"$SANDBOX/r.conf"
start_daemon --config "$SANDBOX/r.conf"

/usr/bin/python3 "$SANDBOX/wsmany.py" "$PORT" 50 4 >"$SANDBOX/ws.out" 2>&1 &
WSPID=$!
wait_for_log "$SANDBOX/ws.out" '"event": "connected"' 20 >/dev/null || { cat "$SANDBOX/ws.out" >&2; bail "ws clients did not connect"; }
is "$(head -1 "$SANDBOX/ws.out" | jq .n)" 50 "50 websocket clients connected and got hello"

# 200 transfers, 50 at a time: 100 health, 50 app.js, 25 /, 25 unknown routes.
set --
for i in $(seq 100); do set -- "$@" -o /dev/null "$URL/api/health"; done
for i in $(seq 50); do set -- "$@" -o /dev/null "$URL/app.js"; done
for i in $(seq 25); do set -- "$@" -o /dev/null "$URL/"; done
for i in $(seq 25); do set -- "$@" -o /dev/null "$URL/api/nope$i"; done
curl -s --parallel --parallel-max 50 --max-time 20 -w '%{http_code} %{url_effective}\n' "$@" \
	>"$SANDBOX/par.out" 2>"$SANDBOX/par.err"
is "$(wc -l <"$SANDBOX/par.out" | tr -d ' ')" 200 "curl --parallel: 200 transfers finished"
is "$(grep -c '^200 .*/api/health$' "$SANDBOX/par.out")" 100 "100 x /api/health: 200"
is "$(grep -c '^200 .*/app.js$' "$SANDBOX/par.out")" 50 "50 x /app.js: 200"
is "$(grep -Ec '^200 http://[^/]+/$' "$SANDBOX/par.out")" 25 "25 x /: 200"
is "$(grep -c '^404 .*/api/nope' "$SANDBOX/par.out")" 25 "25 x unknown: 404"

# 40 processes at once, each two requests on one keep-alive connection.
seq 40 | xargs -P 40 -I{} curl -s --max-time 20 -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
	"$URL/api/health" "$URL/app.css" >"$SANDBOX/xargs.out" 2>&1
is "$(grep -c '^200 ' "$SANDBOX/xargs.out")" 80 "xargs -P 40: 80 requests, all 200"
is "$(awk '{ s += $2 } END { print s }' "$SANDBOX/xargs.out")" 40 "on 40 connections (keep-alive reuse)"

wait "$WSPID"
r=$(tail -1 "$SANDBOX/ws.out")
is "$(printf '%s' "$r" | jq .good)" 50 "all 50 websocket clients got hello and increasing heartbeats ($r)"
ok $([ "$(printf '%s' "$r" | jq .minbeats)" -ge 8 ]; echo $?) "at least 8 heartbeats each in 4 s"
is "$(printf '%s' "$r" | jq .gaps)" 0 "and none was dropped"

stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM: exit 0"
like "$(cat "$DAEMON_LOG")" 'frontdoor: accepted [0-9]+: [0-9]+ to api, 5[0-9] to live' "the front door split them"
done_testing
