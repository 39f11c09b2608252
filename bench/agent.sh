#!/bin/sh
# bench/agent.sh [BUILD_DIR]: figures of `rampage agent` on this machine, by hand (never in make
# check): three agents on loopback driven by a Python controller; the NTP-style offset and delay
# (best of 10 exchanges), the spread of the agents' first ticks after one start instant, the time
# from stop and force_stop to done, and the bytes of a tick and of done for 1 and 10 endpoints.
set -eu
B=${1:-_build}
RAMPAGE=$(cd "$B" && pwd)/rampage
D=$(mktemp -d)
trap 'kill $PIDS 2>/dev/null; rm -rf "$D"' EXIT
PIDS=""
printf 'bench-agent-token-0123456789\n' >"$D/tok"; chmod 600 "$D/tok"
"$RAMPAGE" demo-target --listen 127.0.0.1:0 >"$D/demo.log" 2>&1 & PIDS="$PIDS $!"
PORTS=""
for n in 1 2 3; do
	"$RAMPAGE" agent --listen 127.0.0.1:0 --token-file "$D/tok" --workers 1 >"$D/a$n.log" 2>&1 & PIDS="$PIDS $!"
done
sleep 1
DEMO=http://127.0.0.1:$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$D/demo.log" | grep -Eo '[0-9]+$')
for n in 1 2 3; do PORTS="$PORTS $(grep -Eo 'ws://127\.0\.0\.1:[0-9]+' "$D/a$n.log" | grep -Eo '[0-9]+$')"; done
/usr/bin/python3 - "$DEMO" $PORTS <<'EOF'
import asyncio, json, statistics, sys, time, websockets
demo, ports = sys.argv[1], sys.argv[2:]
SEGS = ["0:1/3", "1/3:2/3", "2/3:1"]
async def recv(ws): return json.loads(await asyncio.wait_for(ws.recv(), 60))
def definition(n, duration):
    return {"baseUrl": demo, "scenarios": {"s": {"executor": "constant-vus", "vus": 3, "duration": duration,
            "tasks": [{"name": "e%d" % i, "path": "/api/health?e=%d" % i} for i in range(n)]}}}
async def main():
    wss = [await websockets.connect("ws://127.0.0.1:%s/" % p, max_size=None,
           extra_headers={"Authorization": "Bearer bench-agent-token-0123456789"}) for p in ports]
    for ws in wss: await recv(ws)
    for i, ws in enumerate(wss):
        best = None
        for _ in range(10):
            t0 = time.time_ns(); await ws.send(json.dumps({"type": "time", "t0": t0}))
            m = await recv(ws); t3 = time.time_ns()
            off = ((m["t1"] - t0) + (m["t2"] - t3)) / 2; delay = (t3 - t0) - (m["t2"] - m["t1"])
            if best is None or delay < best[1]: best = (off, delay)
        print("agent %d: offset %.1f us, delay %.1f us (best of 10)" % (i + 1, best[0] / 1e3, best[1] / 1e3))
    for n, stop in ((1, "stop"), (10, "force_stop")):
        for ws, seg in zip(wss, SEGS):
            await ws.send(json.dumps({"type": "prepare", "definition": definition(n, "60s"), "segment": seg,
                                      "sequence": "0,1/3,2/3,1", "allow_targets": "127.0.0.1"}))
            assert (await recv(ws))["type"] == "prepared"
        at = time.time_ns() + 500_000_000
        for ws in wss: await ws.send(json.dumps({"type": "start", "at_ns": at}))
        firsts, sizes = [], []
        async def run(ws):
            await recv(ws)
            ticks = 0
            while True:
                raw = await asyncio.wait_for(ws.recv(), 60); m = json.loads(raw)
                if m["type"] == "tick":
                    if ticks == 0: firsts.append(time.time_ns())
                    ticks += 1
                    if m["second"] >= 1 and ticks <= 3: sizes.append(len(raw))
                    if m["second"] == 3:
                        t = time.time_ns(); await ws.send(json.dumps({"type": stop}))
                elif m["type"] == "done":
                    return (time.time_ns() - t) / 1e6, len(raw)
        res = await asyncio.gather(*[run(ws) for ws in wss])
        print("%2d endpoints: first ticks spread %.1f ms; tick %d bytes (median, full seconds); "
              "%s -> done %s ms; done %d bytes" % (n, (max(firsts) - min(firsts)) / 1e6,
              statistics.median(sizes), stop, ", ".join("%.0f" % r[0] for r in res), res[0][1]))
asyncio.run(main())
EOF
