#!/bin/sh
# A run over agents when an agent misbehaves (engine/fleet.c), on loopback: a relay written here in
# Python stands between the daemon and a real agent and, by its mode, breaks the protocol in one
# way. An agent that skips a second, or sends one whose histogram is garbage, is dropped as lost
# (the run goes on degraded, the second not counted as complete, no half-read share in the totals);
# one whose clock answer is absurd ends the run before any load; one that is busy at first (close
# 1013, as while a probe or another controller holds it) is asked again and the run goes ahead; the
# only agent lost ends the run as error whatever agentLoss says; setup that takes longer than
# agents.connect_timeout_ms does not count against it. Orders and counts only.
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v jq >/dev/null || bail "jq is needed"
/usr/bin/python3 -c 'import websockets' 2>/dev/null || { echo "1..0 # SKIP python3-websockets is missing"; exit 0; }
start_demo demo
J='Content-Type: application/json'

TOKEN=fleet-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$SANDBOX/tokens"
chmod 600 "$SANDBOX/tokens"
printf '[security]\n' >"$SANDBOX/plain.conf"
start_agent 1; A1=$AGENT_PORT
start_agent 2; A2=$AGENT_PORT

cat >"$SANDBOX/relay.py" <<'PY'
# relay MODE LISTEN_PORT_FILE AGENT_PORT TOKEN: a websocket server that relays to the agent, breaking
# the protocol as MODE says; the mode file, read at each connection, may change it
import asyncio, json, sys
import websockets

mode_file, port_file, agent_port, token = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
conns = 0

async def relay(client, path=None):
    global conns
    conns += 1
    mode = open(mode_file).read().strip()
    if mode == "busy-once" and conns == 1:
        await client.close(1013, "busy: another controller is attached")
        return
    async with websockets.connect("ws://127.0.0.1:%d/" % agent_port, max_size=None,
                                  extra_headers={"Authorization": "Bearer " + token}) as agent:
        async def up():
            async for m in client:
                await agent.send(m)
        async def down():
            async for m in agent:
                o = json.loads(m)
                if o.get("type") == "tick" and o.get("second") == 2:
                    if mode == "skip":
                        continue
                    if mode == "garbage":
                        o["endpoints"][0]["duration"] = "bm90IGEgaGlzdG9ncmFt"
                        m = json.dumps(o)
                if o.get("type") == "time" and mode == "clock":
                    o["t1"] = 1
                    m = json.dumps(o)
                await client.send(m)
        tasks = [asyncio.ensure_future(up()), asyncio.ensure_future(down())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in tasks:
            t.cancel()

async def main():
    async with websockets.serve(relay, "127.0.0.1", 0, max_size=None) as srv:
        port = srv.sockets[0].getsockname()[1]
        with open(port_file, "w") as f:
            f.write("%d\n" % port)
        await asyncio.Future()

asyncio.run(main())
PY
echo skip >"$SANDBOX/mode"
/usr/bin/python3 "$SANDBOX/relay.py" "$SANDBOX/mode" "$SANDBOX/relay.port" "$A2" "$TOKEN" 2>"$SANDBOX/relay.log" &
PIDS="$PIDS $!"
for i in $(seq 50); do [ -s "$SANDBOX/relay.port" ] && break; sleep 0.1; done
RP=$(cat "$SANDBOX/relay.port") || bail "the relay did not start"

# agents separated by a space, as the config's check allows: both are agents
cat >"$SANDBOX/d.conf" <<CONF
[agents]
urls = ws://127.0.0.1:$A1/ ws://127.0.0.1:$RP/
token_file = $SANDBOX/tokens
late_ms = 3000
connect_timeout_ms = 1500
CONF
start_daemon --config "$SANDBOX/d.conf"
L=$(curl -s "$URL/api/agents")
is "$(echo "$L" | jq '.agents | length')" 2 "agents separated by a space are two agents"

start() { curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $1}" | jq .id; }
DEF='{ "name": "bad", "baseUrl": "'$DEMO_URL'", "agents": 2,
  "scenarios": { "s": { "executor": "constant-arrival-rate", "rate": 40, "duration": "5s",
    "preAllocatedVUs": 4, "maxVUs": 10, "gracefulStop": "2s",
    "tasks": [ { "name": "health", "path": "/api/health" } ] } } }'
RELAY_URL=$(echo "$L" | jq -r --arg p ":$RP/" '.agents[] | select(.url | endswith($p)) | .url')

# ---- an agent that skips second 2
ID=$(start "$DEF"); R=$(wait_run_end "$ID"); S=$(curl -s "$URL/api/runs/$ID/summary")
is "$(echo "$R" | jq -r .state)" finished "an agent that skips a second: the run goes on (agentLoss continue)"
is "$(echo "$S" | jq -r --arg u "$RELAY_URL" '.rampage.agents.lost[0] | "\(.url == $u) \(.second)"')" "true 2" \
	"the agent is dropped as lost at the second it skipped"
like "$(echo "$S" | jq -r '.rampage.agents.lost[0].why')" 'out of order \(second 2 was due\)' "saying why"
is "$(echo "$S" | jq '[.rampage.agents.agents[].requests] | add')" "$(echo "$S" | jq .metrics.http_reqs.values.count)" \
	"the run's count is exactly the shares that were read"

# ---- an agent whose second 2 carries a garbage histogram
echo garbage >"$SANDBOX/mode"
ID=$(start "$DEF"); R=$(wait_run_end "$ID"); S=$(curl -s "$URL/api/runs/$ID/summary")
is "$(echo "$S" | jq -r '.rampage.agents.lost[0].second')" 2 "a second that cannot be read: the agent is dropped there"
like "$(echo "$S" | jq -r '.rampage.agents.lost[0].why')" 'second 2 unreadable \(endpoints\[0\]\.duration' "naming the field"
ok "$(echo "$S" | jq '.rampage.agents.incomplete_seconds | index(2) != null' | grep -qx true; echo $?)" \
	"and second 2 is incomplete ($(echo "$S" | jq -c .rampage.agents.incomplete_seconds))"
is "$(echo "$S" | jq '[.rampage.agents.agents[].requests] | add')" "$(echo "$S" | jq .metrics.http_reqs.values.count)" \
	"nothing of the unreadable second was half-added"

# ---- an absurd clock answer: the run ends before any load
echo clock >"$SANDBOX/mode"
before=$(curl -s "$DEMO_URL/metrics" | awk '$1 == "demo_requests_total" { print $2 }')
ID=$(start "$DEF"); R=$(wait_run_end "$ID")
after=$(curl -s "$DEMO_URL/metrics" | awk '$1 == "demo_requests_total" { print $2 }')
is "$(echo "$R" | jq -r .state)" error "an agent with an absurd clock answer: error"
like "$(echo "$R" | jq -r .error)" 'clock answer is not believable' "saying so"
is "$((after - before))" 0 "and no request was sent by either agent"

# ---- busy at first (1013): asked again, the run goes ahead
echo busy-once >"$SANDBOX/mode"
pkill -f "relay.py $SANDBOX/mode" 2>/dev/null
rm -f "$SANDBOX/relay.port"
/usr/bin/python3 "$SANDBOX/relay.py" "$SANDBOX/mode" "$SANDBOX/relay.port" "$A2" "$TOKEN" 2>>"$SANDBOX/relay.log" &
PIDS="$PIDS $!"
for i in $(seq 50); do [ -s "$SANDBOX/relay.port" ] && break; sleep 0.1; done
RP2=$(cat "$SANDBOX/relay.port")
stop_daemon
sed -i "s#ws://127.0.0.1:$RP/#ws://127.0.0.1:$RP2/#" "$SANDBOX/d.conf"
start_daemon --config "$SANDBOX/d.conf"
ID=$(start "$DEF"); R=$(wait_run_end "$ID")
is "$(echo "$R" | jq -r .state)" finished "an agent busy at the first try is asked again: the run finishes ($(echo "$R" | jq -r .error))"

# ---- the only agent lost ends the run as error, even under agentLoss continue
stop_daemon
sed "s#^urls = .*#urls = ws://127.0.0.1:$A1/#" "$SANDBOX/d.conf" >"$SANDBOX/d1.conf"
start_daemon --config "$SANDBOX/d1.conf"
ID=$(start "$(echo "$DEF" | jq -c '.agents = 1 | .scenarios.s.duration = "8s"')")
for i in $(seq 100); do [ "$(curl -s "$URL/api/runs/$ID" | jq '.live.second // -1')" -ge 1 ] 2>/dev/null && break; sleep 0.1; done
kill -9 "$AGENT_PID_1"
R=$(wait_run_end "$ID")
is "$(echo "$R" | jq -r .state)" error "the only agent lost: error, not finished"
like "$(echo "$R" | jq -r .error)" 'every agent was lost' "saying every agent was lost"
start_agent 3; A1b=$AGENT_PORT

# ---- setup longer than connect_timeout_ms (1.5 s) does not count against it
stop_daemon
sed -i "s#^urls = .*#urls = ws://127.0.0.1:$A1b/#" "$SANDBOX/d1.conf"
start_daemon --config "$SANDBOX/d1.conf"
SLOW=$(echo "$DEF" | jq -c '.agents = 1 | .setup = [{"name": "slow", "path": "/api/users?delay_ms=2500"}]')
ID=$(start "$SLOW"); R=$(wait_run_end "$ID")
is "$(echo "$R" | jq -r .state)" finished "a 2.5 s setup with a 1.5 s connect timeout: the run finishes ($(echo "$R" | jq -r .error))"
done_testing
