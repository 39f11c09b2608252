#!/bin/sh
# A client that joins a run late loads the history over REST and follows the live stream without a
# gap or a duplicate, both ways docs/api.md describes:
#   A. GET samples, subscribe, and fill the gap before the first tick with one more GET;
#   B. subscribe first, GET samples, drop the ticks the history already holds.
# Also: every tick is already in the database when it arrives (the daemon publishes after commit).
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
start_daemon

cat >"$SANDBOX/join.py" <<'EOF'
import asyncio, json, sys, time, urllib.request
import websockets

port, demo = int(sys.argv[1]), sys.argv[2]
base = "http://127.0.0.1:%d" % port

def http(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 headers={"Content-Type": "application/json"},
                                 data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())

def seconds(run, frm=0, to=None):
    q = "/api/runs/%d/samples?from=%d" % (run, frm) + ("" if to is None else "&to=%d" % to)
    return [s["second"] for s in http("GET", q)["samples"]]

async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 15))

async def subscribe(ws, run, pending):
    await ws.send(json.dumps({"type": "subscribe", "topics": ["run:%d" % run]}))
    while True:
        m = await recv(ws)
        if m["type"] == "subscribed":
            return
        pending.append(m)

async def follow(ws, run, pending, out, unstored):
    """Appends tick seconds until the run ends; checks each tick is already stored."""
    while True:
        m = pending.pop(0) if pending else await recv(ws)
        if m["type"] == "tick":
            out.append(m["second"])
            if seconds(run, m["second"], m["second"]) != [m["second"]]:
                unstored.append(m["second"])
        elif m["type"] == "run_state" and m["state"] not in ("queued", "running", "stopping"):
            return

async def join_a(run, res):
    # GET history, then subscribe; fill the gap up to the first tick with one more GET
    hist = seconds(run)
    async with websockets.connect("ws://127.0.0.1:%d/api/live" % port) as ws:
        await recv(ws)
        pending, live, unstored = [], [], []
        await subscribe(ws, run, pending)
        await follow(ws, run, pending, live, unstored)
    fill = []
    if live and hist and live[0] > hist[-1] + 1:
        fill = seconds(run, hist[-1] + 1, live[0] - 1)
    joined = hist + fill + [s for s in live if not hist or s > hist[-1]]
    res["a"] = {"history": len(hist), "fill": fill, "live": live, "joined": joined, "unstored": unstored}

async def join_b(run, res):
    # subscribe first, then GET history; drop ticks the history already has
    async with websockets.connect("ws://127.0.0.1:%d/api/live" % port) as ws:
        await recv(ws)
        pending, live, unstored = [], [], []
        await subscribe(ws, run, pending)
        hist = seconds(run)
        await follow(ws, run, pending, live, unstored)
    last = hist[-1] if hist else -1
    joined = hist + [s for s in live if s > last]
    res["b"] = {"history": len(hist), "live": live, "joined": joined, "unstored": unstored,
                "overlap": len([s for s in live if s <= last])}

async def main():
    run = http("POST", "/api/runs", {"definition": {"name": "late", "baseUrl": demo, "vus": 1,
               "duration": "6s", "tasks": [{"path": "/api/health"}]}})["id"]
    await asyncio.sleep(2.2)
    res = {"run": run}
    await asyncio.gather(join_a(run, res), join_b(run, res))
    res["stored"] = seconds(run)
    print(json.dumps(res))

asyncio.run(main())
EOF
/usr/bin/python3 "$SANDBOX/join.py" "$PORT" "$DEMO_URL" >"$SANDBOX/join.out" 2>"$SANDBOX/join.err" ||
	{ cat "$SANDBOX/join.err" >&2; bail "websocket client failed"; }
J=$(cat "$SANDBOX/join.out")
diag "$(printf '%s' "$J" | jq -c '{a: (.a | del(.joined)), b: (.b | del(.joined))}')"

ok "$(printf '%s' "$J" | jq -e '.a.history >= 1 and .b.history >= 1' >/dev/null; echo $?)" \
	"after 2 s both clients found history"
is "$(printf '%s' "$J" | jq -c '.a.joined')" "$(printf '%s' "$J" | jq -c '.stored')" \
	"A (GET, subscribe, fill): history and stream join into every stored second once"
is "$(printf '%s' "$J" | jq -c '.a.joined == [range(0; (.a.joined | length))]')" true \
	"A: consecutive seconds from 0, no gap, no duplicate"
is "$(printf '%s' "$J" | jq -c '.b.joined')" "$(printf '%s' "$J" | jq -c '.stored')" \
	"B (subscribe, GET, dedupe): the same"
is "$(printf '%s' "$J" | jq -c '.b.joined == [range(0; (.b.joined | length))]')" true \
	"B: consecutive seconds from 0, no gap, no duplicate"
is "$(printf '%s' "$J" | jq -c '[.a.unstored, .b.unstored]')" '[[],[]]' \
	"every tick was already stored when it arrived"
ok "$(printf '%s' "$J" | jq -e '(.stored | length) >= 6 and (.stored | length) <= 8' >/dev/null; echo $?)" \
	"a 6 s run stored 6 to 8 seconds ($(printf '%s' "$J" | jq '.stored | length'))"
done_testing
