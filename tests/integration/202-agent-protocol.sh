#!/bin/sh
# rampage agent and its protocol (docs/agent-protocol.md), driven by a controller written here in
# Python: three agents and one with a narrower allow_targets of its own, all on loopback. A missing
# or wrong token and a second controller are closed before any message, with a code and reason;
# hello and time answers carry their fields; the three run the shares 0:1/3, 1/3:2/3, 2/3:1 of one
# sequence from one start instant, each second's tick carries blobs that decode to its counts, the
# shares' requests add up to what the demo target counted itself and to what `rampage merge` makes
# of their done summaries; an arrival rate's shares add up to the asked total; stop and force_stop
# reach every agent (each sends done, interrupted, within a tick or two); setup data the controller
# sends replaces the agent's setup; the connect guard applies the controller's list; the narrower
# agent refuses a target its own policy does not allow, at prepare; --tls-cert/--tls-key serve
# wss://. No wall-clock asserts: orders and counts only.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

TOKEN=agent-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$SANDBOX/tokens"
chmod 600 "$SANDBOX/tokens"
printf '[security]\nallow_targets = 127.0.0.2\n' >"$SANDBOX/narrow.conf"
printf '[security]\n' >"$SANDBOX/plain.conf"

PORTS=""
for n in 1 2 3 4; do
	conf="$SANDBOX/plain.conf"
	[ "$n" = 4 ] && conf="$SANDBOX/narrow.conf"
	"$RAMPAGE" agent --listen 127.0.0.1:0 --token-file "$SANDBOX/tokens" --config "$conf" \
		--workers 1 >"$SANDBOX/agent$n.log" 2>&1 &
	PIDS="$PIDS $!"
	port=$(wait_for_log "$SANDBOX/agent$n.log" 'listening on ws://127\.0\.0\.1:[0-9]+' | grep -Eo '[0-9]+$') ||
		bail "agent $n did not start"
	PORTS="$PORTS $port"
done

cat >"$SANDBOX/ctl.py" <<'EOF'
import asyncio, base64, json, sys, time, urllib.request, zlib
import websockets

demo, token, sandbox = sys.argv[1], sys.argv[2], sys.argv[3]
ports = [int(p) for p in sys.argv[4:]]
SEGS = ["0:1/3", "1/3:2/3", "2/3:1"]
SEQ = "0,1/3,2/3,1"

def check(cond, desc, detail=""):
    print("%d\t%s" % (0 if cond else 1, desc), flush=True)
    if not cond and detail:
        print("#\t%s" % detail, flush=True)

def varint(b, pos):
    r = s = 0
    while True:
        x = b[pos]; pos += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return r, pos

def blob_count(s):
    b = base64.b64decode(s)
    if b[0] != ord('H') or b[1] != 1 or zlib.crc32(b[:-4]) != int.from_bytes(b[-4:], 'little'):
        return -1
    return varint(b, 2)[0]

def demo_count():
    text = urllib.request.urlopen(demo + "/metrics").read().decode()
    return int([l for l in text.splitlines() if l.startswith("demo_requests_total ")][0].split()[1])

def url(i):
    return "ws://127.0.0.1:%d/" % ports[i]

async def connect(i, tok=token):
    hdr = {} if tok is None else {"Authorization": "Bearer " + tok}
    return await websockets.connect(url(i), extra_headers=hdr, max_size=None)

async def recv(ws, timeout=20):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))

async def refused(i, tok):
    """the close code of a connection refused before any message (None: a message came)"""
    ws = await connect(i, tok)
    try:
        await recv(ws)
        await ws.close()
        return None
    except websockets.exceptions.ConnectionClosed as e:
        return (e.code, e.reason)

def definition(sc):
    return {"baseUrl": demo, "scenarios": {"s": dict(sc, tasks=[{"name": "health", "path": "/api/health"}])},
            "thresholds": {"http_req_duration{status:200}": ["p(95)<60000"]}}

async def run_shares(wss, sc, stop=None):
    """prepare + start the three shares; collects every agent's ticks and done."""
    for ws, seg in zip(wss, SEGS):
        await ws.send(json.dumps({"type": "prepare", "definition": definition(sc), "segment": seg,
                                  "sequence": SEQ, "allow_targets": "127.0.0.0/8"}))
    prepared = [await recv(ws) for ws in wss]
    at = time.time_ns() + 700_000_000
    for ws in wss:
        await ws.send(json.dumps({"type": "start", "at_ns": at}))
    res = []
    async def collect(i, ws):
        ticks, done, after_stop, first = [], None, None, await recv(ws)
        assert first["type"] == "starting", first
        while done is None:
            m = await recv(ws, 40)
            if m["type"] == "tick":
                ticks.append(m)
                if after_stop is not None:
                    after_stop += 1
                if stop is not None and after_stop is None and m["second"] >= 1:
                    await ws.send(json.dumps({"type": stop[i]}))
                    after_stop = 0
            elif m["type"] == "done":
                done = m
            else:
                raise AssertionError(m)
        return {"ticks": ticks, "done": done, "after_stop": after_stop}
    res = await asyncio.gather(*[collect(i, ws) for i, ws in enumerate(wss)])
    return prepared, res

async def main():
    # refusals before any message
    r = await refused(0, None)
    check(r is not None and r[0] == 4401 and "unauthorized" in r[1], "no token: closed (4401) before any message", r)
    r = await refused(0, "wrong-token-0123456789")
    check(r is not None and r[0] == 4401, "a wrong token: closed (4401) before any message", r)

    wss = [await connect(i) for i in range(3)]
    hellos = [await recv(ws) for ws in wss]
    h = hellos[0]
    check(all(x["type"] == "hello" for x in hellos), "each agent says hello first")
    check(h.get("protocol") == 1 and isinstance(h.get("version"), str) and h["version"] != "",
          "hello: protocol 1 and the software version", h)
    check(isinstance(h.get("cores"), int) and h["cores"] >= 1, "hello: cores usable", h)
    check(h.get("state") == "idle", "hello: state idle", h)

    r = await refused(0, token)
    check(r is not None and r[0] == 1013 and "another controller" in r[1],
          "a second controller is refused (1013, saying why) while one is attached", r)

    # time sync: t0 echoed, t0 <= t1 <= t2 <= t3 on one host's clock
    ordered = True
    for ws in wss:
        t0 = time.time_ns()
        await ws.send(json.dumps({"type": "time", "t0": t0}))
        m = await recv(ws)
        t3 = time.time_ns()
        ordered = ordered and m["type"] == "time" and m["t0"] == t0 and t0 <= m["t1"] <= m["t2"] <= t3
    check(ordered, "time: t0 echoed, t1 (received) and t2 (sent) between send and receipt")

    # a closed model: 3 VUs striped 1+1+1, 3 seconds
    before = demo_count(); idle = demo_count() - before
    before = demo_count()
    prepared, res = await run_shares(wss, {"executor": "constant-vus", "vus": 3, "duration": "3s"})
    delta = demo_count() - before - idle
    check([p.get("type") for p in prepared] == ["prepared"] * 3 and
          [p.get("segment") for p in prepared] == SEGS and all(p.get("sequence") == SEQ for p in prepared),
          "prepared: each agent names its segment of the sequence", prepared)
    seconds_ok = all([t["second"] for t in r["ticks"]] == list(range(len(r["ticks"]))) and
                     len(r["ticks"]) >= 3 for r in res)
    check(seconds_ok, "ticks arrive for seconds 0, 1, 2, ... on every agent",
          [[t["second"] for t in r["ticks"]] for r in res])
    blobs_ok = all(blob_count(t["total"]["duration"]) == t["total"]["requests"] and
                   blob_count(t["endpoints"][0]["duration"]) == t["endpoints"][0]["requests"]
                   for r in res for t in r["ticks"])
    check(blobs_ok, "every tick's histogram blobs decode to its request counts")
    series_ok = all(len(t["series"]) == 1 and t["series"][0]["requests"] == t["endpoints"][0]["requests"] and
                    blob_count(t["series"][0]["duration"]) == t["series"][0]["requests"]
                    for r in res for t in r["ticks"])
    check(series_ok, "every tick carries the threshold's sub-metric series with its blob")
    tick_sums = [sum(t["total"]["requests"] for t in r["ticks"]) for r in res]
    done_counts = [r["done"]["summary"]["metrics"]["http_reqs"]["values"]["count"] for r in res]
    check(all(c > 0 for c in done_counts), "every share sent requests", done_counts)
    check(tick_sums == done_counts, "each agent's ticks add up to its done summary's http_reqs",
          "%s vs %s" % (tick_sums, done_counts))
    check(sum(done_counts) == delta, "the shares' requests add up to the demo target's own count",
          "%d vs %d" % (sum(done_counts), delta))
    check(all(r["done"]["summary"]["rampage"]["histograms"]["encoding"] == "rampage-hist-v1+base64"
              for r in res), "done carries the summary with its histograms")
    check([r["done"]["summary"]["rampage"]["execution_segment"]["segment"] for r in res] == SEGS,
          "each done summary names its segment")
    for i, r in enumerate(res):
        json.dump(r["done"]["summary"], open("%s/done%d.json" % (sandbox, i + 1), "w"))
    open("%s/closed-sum" % sandbox, "w").write("%d\n" % sum(done_counts))

    # an open model: 90 iterations/s for 2 s = 180 iterations, 60 each
    _, res = await run_shares(wss, {"executor": "constant-arrival-rate", "rate": 90, "duration": "2s",
                                    "preAllocatedVUs": 6, "maxVUs": 30})
    its = [r["done"]["summary"]["rampage"]["iterations"] for r in res]
    shares = [i["completed"] + i["dropped"] + i["interrupted"] for i in its]
    reqs = sum(r["done"]["summary"]["metrics"]["http_reqs"]["values"]["count"] for r in res)
    check(shares == [60, 60, 60], "arrival rate: the shares are 60 + 60 + 60 iterations", shares)
    check(abs(reqs - 180) <= 1.8, "arrival rate: the shares' requests are the asked 180 within 1%", reqs)

    # stop: two graceful, one force; a 60 s run ends at once on every agent
    _, res = await run_shares(wss, {"executor": "constant-vus", "vus": 3, "duration": "60s",
                                    "gracefulStop": "0s"}, stop=["stop", "stop", "force_stop"])
    check(all(r["done"]["interrupted"] and r["done"]["summary"]["rampage"]["interrupted"] for r in res),
          "stop and force_stop: every agent sends done, interrupted")
    check(all(r["after_stop"] is not None and r["after_stop"] <= 2 for r in res),
          "and at most the stopped second and a partial one come after the stop",
          [r["after_stop"] for r in res])
    check(all(len(r["ticks"]) < 10 for r in res), "the 60 s run did not go on",
          [len(r["ticks"]) for r in res])
    for ws in wss:
        await ws.send(json.dumps({"type": "stop"}))
        m = await recv(ws)
    check(m.get("type") == "error" and m.get("code") == "not_running", "stop with no run: an error", m)

    # setup data: the controller ran setup; the agent sends neither setup nor teardown (each would
    # fail here, a 404, and say so in done's error), and its VUs read the variables given
    st = {"baseUrl": demo, "setup": [{"name": "log in", "path": "/no-such-path",
          "extract": {"what": {"json": "/what"}}}],
          "teardown": [{"name": "clean up", "path": "/no-such-teardown"}],
          "scenarios": {"s": {"executor": "per-vu-iterations", "vus": 1, "iterations": 3,
                              "tasks": [{"name": "use", "path": "/api/{{what}}", "checks": [{"status": 200}]}]}}}
    async def run_one(ws, msg):
        await ws.send(json.dumps(msg))
        m = await recv(ws)
        if m["type"] != "prepared":
            return m
        await ws.send(json.dumps({"type": "start", "at_ns": time.time_ns()}))
        while m["type"] != "done":
            m = await recv(ws)
        return m
    ws = wss[0]
    prep = {"type": "prepare", "definition": st, "allow_targets": "127.0.0.0/8"}
    m = await run_one(ws, dict(prep, setup_data={"what": "health"}))
    checks = (m.get("summary") or {}).get("metrics", {}).get("checks", {}).get("values", {})
    check(m["type"] == "done" and m["error"] is None and checks.get("passes") == 3 and checks.get("fails") == 0,
          "setup_data: neither setup nor teardown is sent, and the VUs read its variables (3 checks pass)", m.get("error") or checks)
    m = await run_one(ws, prep)
    check(m["type"] == "done" and "setup" in (m["error"] or ""),
          "without setup_data the agent runs setup itself (here it fails)", m.get("error"))
    m = await run_one(ws, dict(prep, setup_data={"nope": "x"}))
    check(m.get("type") == "error" and m.get("field") == "setup_data.nope",
          "setup_data naming a variable setup does not extract is refused, naming it", m)
    m = await run_one(ws, dict(prep, setup_data={}))
    check(m.get("type") == "error" and m.get("field") == "setup_data.what",
          "setup_data missing a variable setup extracts is refused, naming it", m)

    # the connect guard applies the controller's list too: "localhost" lets the name through at
    # prepare, but the address it resolves to is in none of the list's networks, so every connect
    # is refused (counted as "blocked", never sent)
    before = demo_count(); idle = demo_count() - before; before = demo_count()
    lh = {"baseUrl": demo.replace("127.0.0.1", "localhost"), "scenarios": {"s": {"executor": "per-vu-iterations",
          "vus": 1, "iterations": 3, "tasks": [{"name": "h", "path": "/api/health"}]}}}
    m = await run_one(ws, {"type": "prepare", "definition": lh, "allow_targets": "localhost"})
    total = (m.get("summary") or {}).get("rampage", {}).get("total", {})
    blocked = total.get("errors", {})
    check(m["type"] == "done" and total.get("requests") == 3 and blocked.get("blocked") == 3 and
          demo_count() - before - idle == 0,
          "at connect, an address outside the controller's allow_targets is refused (blocked, nothing sent)", total)

    # the agent's own allow_targets narrows the controller's
    ws = await connect(3)
    await recv(ws)
    await ws.send(json.dumps({"type": "prepare", "definition": definition({"executor": "constant-vus",
        "vus": 1, "duration": "1s"}), "segment": "0:1", "allow_targets": "127.0.0.0/8"}))
    m = await recv(ws)
    check(m.get("type") == "error" and m.get("code") == "invalid" and "allow_targets" in m.get("message", ""),
          "a target outside the agent's own allow_targets is refused at prepare", m)
    check(isinstance(m.get("field"), str) and m["field"] != "", "and the error names the field", m)
    await ws.send(json.dumps({"type": "start", "at_ns": time.time_ns()}))
    m = await recv(ws)
    check(m.get("code") == "not_prepared", "start without a prepared run is refused", m)
    await ws.send(json.dumps({"type": "prepare", "definition": definition({"executor": "constant-vus",
        "vus": 1, "duration": "1s"}), "segment": "0:1"}))
    m = await recv(ws)
    check(m.get("field") == "allow_targets", "prepare without the controller's allow_targets names it", m)
    await ws.close()
    for w in wss:
        await w.close()

asyncio.run(main())
EOF

/usr/bin/python3 "$SANDBOX/ctl.py" "$DEMO_URL" "$TOKEN" "$SANDBOX" $PORTS >"$SANDBOX/ctl.out" 2>"$SANDBOX/ctl.log"
status=$?
while IFS="$(printf '\t')" read -r rc desc; do
	case $rc in
	'#') diag "$desc" ;;
	*) ok "$rc" "$desc" ;;
	esac
done <"$SANDBOX/ctl.out"
is "$status" 0 "the controller ran to its end"
[ "$status" = 0 ] || diag "$(tail -20 "$SANDBOX/ctl.log")"

like "$(cat "$SANDBOX/agent1.log")" 'refused a controller from .*: no Authorization header' "the agent logs a missing token"
like "$(cat "$SANDBOX/agent1.log")" 'refused a controller from .*: wrong token' "and a wrong one"
like "$(cat "$SANDBOX/agent1.log")" 'another controller is attached' "and a second controller"

if [ -f "$SANDBOX/done3.json" ]; then
	"$RAMPAGE" merge "$SANDBOX/done1.json" "$SANDBOX/done2.json" "$SANDBOX/done3.json" -o "$SANDBOX/m.json" \
		2>"$SANDBOX/merge.err"
	is $? 0 "rampage merge takes the three done summaries"
	is "$(jq .metrics.http_reqs.values.count "$SANDBOX/m.json")" "$(cat "$SANDBOX/closed-sum")" \
		"the merged http_reqs is the sum of the shares'"
	is "$(jq -c .rampage.merge.complete "$SANDBOX/m.json")" true "and the segments make up the whole"
fi
# TLS: --tls-cert/--tls-key serve wss://; the hello comes over TLS checked against the certificate,
# and a plain ws:// client gets no hello.
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$SANDBOX/key.pem" -out "$SANDBOX/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
	"$RAMPAGE" agent --listen 127.0.0.1:0 --token-file "$SANDBOX/tokens" --tls-cert "$SANDBOX/cert.pem" \
		--tls-key "$SANDBOX/key.pem" >"$SANDBOX/agent-tls.log" 2>&1 &
	PIDS="$PIDS $!"
	port=$(wait_for_log "$SANDBOX/agent-tls.log" 'listening on wss://127\.0\.0\.1:[0-9]+' | grep -Eo '[0-9]+$') ||
		bail "the TLS agent did not start"
	cat >"$SANDBOX/tls.py" <<'EOF'
import asyncio, json, ssl, sys, websockets
port, token, ca = sys.argv[1:4]
async def main():
    ctx = ssl.create_default_context(cafile=ca)
    ws = await websockets.connect("wss://127.0.0.1:%s/" % port, ssl=ctx,
                                  extra_headers={"Authorization": "Bearer " + token})
    print("tls", json.loads(await asyncio.wait_for(ws.recv(), 10))["type"])
    await ws.close()
    try:
        ws = await websockets.connect("ws://127.0.0.1:%s/" % port, open_timeout=5,
                                      extra_headers={"Authorization": "Bearer " + token})
        print("plain", json.loads(await asyncio.wait_for(ws.recv(), 5))["type"])
    except Exception:
        print("plain refused")
asyncio.run(main())
EOF
	out=$(/usr/bin/python3 "$SANDBOX/tls.py" "$port" "$TOKEN" "$SANDBOX/cert.pem" 2>&1)
	like "$out" '^tls hello' "TLS: wss:// with the agent's certificate gets the hello"
	like "$out" 'plain refused' "and a plain ws:// client does not"
else
	ok 0 "# SKIP openssl cannot make a certificate"
fi
done_testing
