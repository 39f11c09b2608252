#!/bin/sh
# A run over agents (issue 17): the daemon drives three `rampage agent` processes on loopback
# (engine/fleet.c). GET /api/agents lists them with version, cores and clock offset; a run asking for
# `agents: 3` is split into the segments of 0,1/3,2/3,1 and its seconds are added up: the agents'
# requests add up to the run's count and to the demo target's own count, an arrival rate's shares to
# the asked total, a threshold on a count only the three together reach passes (judged on merged
# numbers) and an abortOnFail threshold ends the run when the merged count crosses it; a groupBy's
# per-value counts come through the agents' ticks and add up to the run's requests; stop reaches
# every agent; setup runs once, on the daemon, and its data reaches every agent's VUs; so do the
# definition's monitors and timed events (scraped and fired once, on the daemon's clock, their values
# in the merged seconds, the event once, with its finding); an agent killed with SIGKILL mid-run
# leaves the run degraded (agentLoss continue) or ends it as error (agentLoss fail), the loss
# recorded; an agent with another token is refused, naming it. Orders and
# counts only: no wall-clock asserts.
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v jq >/dev/null || bail "jq is needed"
start_demo demo
BASE_DEMO_URL=$DEMO_URL
J='Content-Type: application/json'

TOKEN=fleet-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$SANDBOX/tokens"
printf 'other-token-0123456789abcdef\n' >"$SANDBOX/other"
chmod 600 "$SANDBOX/tokens" "$SANDBOX/other"
printf '[security]\n' >"$SANDBOX/plain.conf"

URLS=""
for n in 1 2 3; do
	start_agent $n 127.0.0.1 "$SANDBOX/tokens"
	eval "PORT_$n=$AGENT_PORT"
	URLS="$URLS${URLS:+, }ws://127.0.0.1:$AGENT_PORT/"
done
# the fourth, with a token the daemon does not have, on 127.0.0.2 so that it sorts last
start_agent 4 127.0.0.2 "$SANDBOX/other"
BAD_URL="ws://127.0.0.2:$AGENT_PORT/"

cat >"$SANDBOX/d.conf" <<CONF
[agents]
urls = $URLS, $BAD_URL
token_file = $SANDBOX/tokens
late_ms = 3000
CONF
start_daemon --config "$SANDBOX/d.conf"

# ---- the agent list
L=$(curl -s "$URL/api/agents")
is "$(echo "$L" | jq '.agents | length')" 4 "GET /api/agents lists the four configured agents"
is "$(echo "$L" | jq -c '[.agents[:3][] | .state == "idle" and (.cores >= 1) and (.version | length > 0)
	and (.clock_offset_ms | type == "number") and (.protocol == 1)] | all')" true \
	"each reachable one idle, with its version, cores, protocol and measured clock offset"
is "$(echo "$L" | jq -r '.agents[3] | .url + " " + .state')" "$BAD_URL unauthorized" \
	"the agent with another token: unauthorized"

demo_count() { curl -s "$DEMO_URL/metrics" | awk '$1 == "demo_requests_total" { print $2 }'; }

# ---- one run over three agents: counts add up, an arrival rate holds, thresholds on merged numbers
DEF='{ "name": "fleet", "baseUrl": "'$DEMO_URL'", "agents": 3,
  "scenarios": { "s": { "executor": "constant-arrival-rate", "rate": 150, "duration": "4s",
    "preAllocatedVUs": 6, "maxVUs": 30, "gracefulStop": "2s",
    "tasks": [ { "name": "health", "path": "/api/health", "checks": [ { "status": 200 } ] } ] } },
  "thresholds": { "http_reqs": ["count>=550"], "checks": ["rate==1"] } }'
before=$(demo_count)
ID=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEF}" | jq .id)
like "$ID" '^[0-9]+$' "a run asking for agents: 3 is accepted ($ID)"
R=$(wait_run_end "$ID")
after=$(demo_count)
S=$(curl -s "$URL/api/runs/$ID/summary")
is "$(echo "$R" | jq -r .state)" passed "it ends passed: count>=550 holds only for the three shares together (150/s x 4 s)"
is "$(echo "$S" | jq -c '[.rampage.agents.agents[].segment]')" '["0:1/3","1/3:2/3","2/3:1"]' \
	"the three agents ran the segments of 0,1/3,2/3,1"
is "$(echo "$S" | jq -r .rampage.agents.sequence)" "0,1/3,2/3,1" "of one sequence"
REQS=$(echo "$S" | jq .metrics.http_reqs.values.count)
is "$(echo "$S" | jq '[.rampage.agents.agents[].requests] | add')" "$REQS" "the agents' requests add up to the run's ($REQS)"
ok "$(echo "$S" | jq '[.rampage.agents.agents[].requests] | all(. > 0)' | grep -qx true; echo $?)" "every agent sent some"
# the demo counts its own requests (the agents' probes do not reach it); nothing else loads it now
is "$((after - before))" "$REQS" "and to what the demo target counted itself"
ok "$([ "$REQS" -ge 594 ] && [ "$REQS" -le 606 ]; echo $?)" "the arrival rate's shares add up to the asked 600 within 1% ($REQS)"
ITER=$(echo "$S" | jq '.metrics.iterations.values.count + (.metrics.dropped_iterations.values.count // 0)')
is "$ITER" 600 "iterations started or dropped: exactly the 600 the schedule asks for"
SEC=$(curl -s "$URL/api/runs/$ID/samples?endpoint=total" | jq '[.samples[]?.requests // empty] | add // 0')
[ "$SEC" = 0 ] && SEC=$(curl -s "$URL/api/runs/$ID/samples" | jq '[.. | objects | select(has("requests")) | .requests] | add // 0')
diag "stored per-second requests: $SEC"
is "$(echo "$S" | jq -r '.rampage.agents | "\(.incomplete_count) \(.degraded) \(.lost | length)"')" "0 false 0" \
	"no second was incomplete, no agent lost"
P50=$(echo "$S" | jq '.metrics.http_req_duration.values.med'); P99=$(echo "$S" | jq '.metrics.http_req_duration.values["p(99)"]')
ok "$(echo "$P50 $P99" | awk '{ exit !($1 > 0 && $2 >= $1) }'; echo $?)" "merged percentiles are ordered (p50 $P50 <= p99 $P99 ms)"

# ---- groupBy over three agents: each agent's per-value counts reach the daemon in its ticks and add up
# (two demo targets stand in for two backends: X-Served-By is each one's --node-id)
start_demo demo-b --node-id node-b; B_URL=$DEMO_URL; DEMO_URL=$BASE_DEMO_URL
DEFG='{ "name": "fleet-groupby", "baseUrl": "'$DEMO_URL'", "agents": 3,
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 3, "iterations": 90, "maxDuration": "20s",
    "tasks": [
      { "name": "node", "url": "'$DEMO_URL'/api/health", "groupBy": { "header": "X-Served-By" } },
      { "name": "node", "url": "'$B_URL'/api/health", "groupBy": { "header": "X-Served-By" } } ] } } }'
IDG=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEFG}" | jq .id)
RG=$(wait_run_end "$IDG")
SG=$(curl -s "$URL/api/runs/$IDG/summary")
G=$(echo "$SG" | jq -c .rampage.groupBy.node)
diag "groupBy: $G"
REQSG=$(echo "$SG" | jq .metrics.http_reqs.values.count)
is "$(echo "$RG" | jq -r .state)" finished "a run with a groupBy over three agents finishes"
ok "$(echo "$SG" | jq '[.rampage.agents.agents[].requests] | length == 3 and all(. > 0)' | grep -qx true; echo $?)" \
	"every agent sent some"
is "$(echo "$G" | jq '[.values[]] | add')" "$REQSG" "the groupBy's values add up to the run's requests ($REQSG)"
is "$(echo "$G" | jq -c '[.total, .other, .missing]')" "[$REQSG,0,0]" "its total is the run's; nothing other or missing"
is "$(echo "$G" | jq '.values["node-b"] > 0 and (.values | length) == 2')" true "both backends' values, node-b's among them"

# ---- abortOnFail on the merged count: 150/s together crosses 200 in the 2nd second, one share would not for 4 s
DEF2=$(echo "$DEF" | jq -c '.scenarios.s.duration = "20s" | .thresholds = {"http_reqs": [{"threshold": "count<200", "abortOnFail": true}]}')
ID2=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEF2}" | jq .id)
R2=$(wait_run_end "$ID2")
S2=$(curl -s "$URL/api/runs/$ID2/summary")
is "$(echo "$R2" | jq -r .state)" failed "abortOnFail on the merged count ends the run failed"
ok "$([ "$(echo "$S2" | jq .metrics.http_reqs.values.count)" -lt 1500 ]; echo $?)" \
	"long before its 20 s (3000 requests): $(echo "$S2" | jq .metrics.http_reqs.values.count) requests"
is "$(echo "$S2" | jq -c '[.rampage.agents.agents[].state] | unique')" '["done"]' "every agent was stopped and said done"

# ---- stop reaches every agent
DEF3=$(echo "$DEF" | jq -c '.scenarios.s.duration = "60s" | del(.thresholds)')
ID3=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEF3}" | jq .id)
for i in $(seq 100); do
	[ "$(curl -s "$URL/api/runs/$ID3" | jq '.live.second // .seconds // 0')" -ge 1 ] 2>/dev/null && break
	sleep 0.2
done
curl -s -H "$J" -X POST "$URL/api/runs/$ID3/stop" -d '{}' >"$SANDBOX/stop.out"
diag "stop: $(cat "$SANDBOX/stop.out")"
R3=$(wait_run_end "$ID3")
S3=$(curl -s "$URL/api/runs/$ID3/summary")
is "$(echo "$R3" | jq -r .state)" stopped "Stop: the run ends stopped"
is "$(echo "$S3" | jq -c '[.rampage.agents.agents[] | .state == "done" and .interrupted] | all')" true \
	"every agent was told and ended interrupted"
ok "$([ "$(echo "$S3" | jq .metrics.http_reqs.values.count)" -lt 6000 ]; echo $?)" "well before its 60 s"

# ---- setup once, on the daemon: its data reaches every agent's VUs
DEF4='{ "name": "fleet-setup", "baseUrl": "'$DEMO_URL'", "agents": 3,
  "setup": [ { "name": "who", "path": "/api/health", "extract": { "status_text": { "json": "/status" } } } ],
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 3, "iterations": 30, "maxDuration": "20s",
    "tasks": [ { "name": "echo", "method": "POST", "path": "/api/echo", "json": { "v": "{{status_text}}" },
      "checks": [ { "json": "/v", "equals": "ok", "name": "setup data" } ] } ] } } }'
before=$(demo_count)
ID4=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEF4}" | jq .id)
R4=$(wait_run_end "$ID4")
after=$(demo_count)
S4=$(curl -s "$URL/api/runs/$ID4/summary")
is "$(echo "$R4" | jq -r .state)" finished "a run with setup over three agents finishes ($(echo "$R4" | jq -r .error))"
is "$(echo "$S4" | jq -r .rampage.agents.setup)" daemon "setup ran on the daemon"
is "$((after - before))" 31 "once: the 30 iterations plus one setup request reached the demo target"
is "$(echo "$S4" | jq -c '[.metrics.checks.values.passes, .metrics.checks.values.fails]')" "[30,0]" \
	"every agent's VUs sent setup's value (\"ok\", echoed back): 30 checks passed, none failed"

# ---- monitors and timed events run once, on the daemon (not on each agent): the agents get the
# definition without them. The monitor on /api/stats is counted by the demo per route, the timed
# event's request is the only one to GET /api/users/{id}: both counts would triple if every agent ran them.
routes() { # the demo's own counts of the three routes (one read of /api/stats, counted itself)
	curl -s "$DEMO_URL/api/stats" | jq -r '.requests.by_route | "\(.["GET /api/health"]) \(.["GET /api/users/{id}"]) \(.["GET /api/stats"])"'
}
DEFM='{ "name": "fleet-once", "baseUrl": "'$DEMO_URL'", "agents": 3,
  "scenarios": { "s": { "executor": "constant-arrival-rate", "rate": 60, "duration": "5s",
    "preAllocatedVUs": 6, "maxVUs": 30, "gracefulStop": "2s",
    "tasks": [ { "name": "health", "path": "/api/health" } ] } },
  "monitors": [
    { "name": "demo", "url": "'$DEMO_URL'/metrics", "prometheus": { "reqs": "demo_requests_total" } },
    { "name": "stats", "url": "'$DEMO_URL'/api/stats", "json": { "seen": "/requests/total" } } ],
  "events": [ { "at": "1s", "name": "poke", "request": { "method": "GET", "url": "'$DEMO_URL'/api/users/4242" } } ],
  "thresholds": { "monitor:reqs": ["avg>0"] } }'
read -r h0 u0 s0 <<EOF
$(routes)
EOF
IDM=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEFM}" | jq .id)
like "$IDM" '^[0-9]+$' "a run over 3 agents with monitors and a timed event is accepted ($IDM)"
for i in $(seq 100); do
	[ "$(curl -s "$URL/api/runs/$IDM" | jq '.live.second // -1')" -ge 2 ] 2>/dev/null && break
	sleep 0.1
done
MK=$(curl -s -H "$J" -X POST "$URL/api/runs/$IDM/events" -d '{"name": "deploy"}')
RM=$(wait_run_end "$IDM")
read -r h1 u1 s1 <<EOF
$(routes)
EOF
SM=$(curl -s "$URL/api/runs/$IDM/summary")
is "$(echo "$RM" | jq -r .state)" passed "it ends passed, its monitor:reqs threshold judged on the daemon ($(echo "$RM" | jq -r .error))"
REQM=$(echo "$SM" | jq .metrics.http_reqs.values.count)
is "$(echo "$SM" | jq '[.rampage.agents.agents[].requests] | add')" "$REQM" "the agents' requests add up to the run's ($REQM)"
is "$((h1 - h0))" "$REQM" "and are all the load the demo saw: no agent sent anything else to /api/health"
is "$(echo "$RM" | jq -c '[.summary.monitors.reqs.seconds > 0, .summary.monitors.seen.seconds > 0]')" '[true,true]' \
	"the stored summary has the monitors' values"
MM=$(curl -s "$URL/api/runs/$IDM/monitors")
SECS=$(echo "$MM" | jq '.monitors.reqs.samples | length')
ok "$([ "$SECS" -ge 4 ]; echo $?)" "GET .../monitors: one row per merged second ($SECS)"
is "$(echo "$MM" | jq '[.monitors.reqs.samples[1:-1][] | .value != null and .value > 0] | all')" true \
	"the target's request rate has a value in every full second: $(echo "$MM" | jq -c '[.monitors.reqs.samples[].value]')"
is "$(echo "$MM" | jq '[.monitors.seen.samples[] | .scrapes] | all(. <= 1)')" true \
	"scraped once a second, not once per agent: $(echo "$MM" | jq -c '[.monitors.seen.samples[].scrapes]')"
SCR=$(echo "$MM" | jq '[.monitors.seen.samples[].scrapes] | add')
# the demo counts our own second read of /api/stats too; a scrape after the last second is not shown
ok "$(d=$((s1 - s0 - 1)); [ "$d" -ge "$SCR" ] && [ "$d" -le $((SCR + 1)) ]; echo $?)" \
	"the demo saw the monitor's $SCR scrapes of /api/stats once each ($((s1 - s0 - 1)) requests), not three times"
is "$((u1 - u0))" 1 "the timed event's request reached the demo target once"
EV=$(curl -s "$URL/api/runs/$IDM/events")
diag "events: $(echo "$EV" | jq -c '[.events[] | [.name, .source, .at_ms, .status, .error]]'); routes $u0 -> $u1"
is "$(echo "$EV" | jq -c '[.events[] | select(.source == "definition") | [.name, .status]]')" '[["poke",404]]' \
	"GET .../events: the timed event once, with its request's status"
is "$(echo "$MK" | jq -r .source)" api "a mark posted while it ran is accepted"
is "$(echo "$SM" | jq -c '[.rampage.events[] | [.name, (.finding.requests > 0)]]')" '[["poke",true],["deploy",true]]' \
	"the summary's events have their findings from the merged seconds"

# ---- an agent killed mid-run: agentLoss continue (the default) and fail
kill_mid_run() { # kill_mid_run DEF: starts it, kills agent 3 in its 2nd second, restarts it; prints the id
	id=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $1}" | jq .id)
	for i in $(seq 100); do
		[ "$(curl -s "$URL/api/runs/$id" | jq -r .state)" = running ] && break
		sleep 0.1
	done
	sleep 2
	kill -9 "$AGENT_PID_3"
	wait "$AGENT_PID_3" 2>/dev/null
	echo "$id"
}
DEF5=$(echo "$DEF" | jq -c '.scenarios.s.duration = "6s" | del(.thresholds)')
ID5=$(kill_mid_run "$DEF5")
R5=$(wait_run_end "$ID5")
S5=$(curl -s "$URL/api/runs/$ID5/summary")
is "$(echo "$R5" | jq -r .state)" finished "agentLoss continue: the run goes on to its end"
is "$(echo "$S5" | jq -r '.rampage.agents | "\(.degraded) \(.lost | length) \(.lost[0].url)"')" "true 1 ws://127.0.0.1:$PORT_3/" \
	"marked degraded, the lost agent named"
ok "$(echo "$S5" | jq '.rampage.agents.incomplete_count > 0' | grep -qx true; echo $?)" \
	"the seconds after the loss are marked incomplete ($(echo "$S5" | jq -c .rampage.agents.incomplete_seconds))"
start_agent 3 127.0.0.1 "$SANDBOX/tokens" "$PORT_3"
ID6=$(kill_mid_run "$(echo "$DEF5" | jq -c '.agentLoss = "fail"')")
R6=$(wait_run_end "$ID6")
is "$(echo "$R6" | jq -r .state)" error "agentLoss fail: the run ends as error"
like "$(echo "$R6" | jq -r .error)" "agent ws://127.0.0.1:$PORT_3/ was lost at second [0-9]+" "naming the agent and the second"
start_agent 3 127.0.0.1 "$SANDBOX/tokens" "$PORT_3"

# ---- a late agent: SIGSTOP for 5 s (late_ms is 3 s): its seconds go out without it, marked
# incomplete; its shares, once it resumes, still count in the run's totals
IDL=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $(echo "$DEF5" | jq -c '.scenarios.s.duration = "10s"')}" | jq .id)
for i in $(seq 100); do
	[ "$(curl -s "$URL/api/runs/$IDL" | jq '.live.second // -1')" -ge 1 ] 2>/dev/null && break
	sleep 0.1
done
kill -STOP "$AGENT_PID_1"
sleep 5
kill -CONT "$AGENT_PID_1"
RL=$(wait_run_end "$IDL")
SL=$(curl -s "$URL/api/runs/$IDL/summary")
is "$(echo "$RL" | jq -r .state)" finished "a run with an agent stopped for 5 s finishes"
is "$(echo "$SL" | jq -r '.rampage.agents | "\(.degraded) \(.lost | length)"')" "false 0" "the late agent is not lost"
ok "$(echo "$SL" | jq '.rampage.agents.incomplete_count > 0 and .rampage.agents.late_shares > 0' | grep -qx true; echo $?)" \
	"seconds went out without its share ($(echo "$SL" | jq -c .rampage.agents.incomplete_seconds)), its late shares came after ($(echo "$SL" | jq .rampage.agents.late_shares))"
is "$(echo "$SL" | jq '[.rampage.agents.agents[].requests] | add')" "$(echo "$SL" | jq .metrics.http_reqs.values.count)" \
	"the late shares count in the whole run: the agents' requests still add up to the run's"

# ---- an agent with another token is refused; asking for more agents than there are is an error
ID7=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $(echo "$DEF5" | jq -c '.agents = "all"')}" | jq .id)
R7=$(wait_run_end "$ID7")
is "$(echo "$R7" | jq -r .state)" error "agents: all includes the agent with another token: the run ends as error"
like "$(echo "$R7" | jq -r .error)" "agent ws://127\.0\.0\.2:[0-9]+/: closed by the agent \(4401 unauthorized" "naming it and its refusal"
ID8=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $(echo "$DEF5" | jq -c '.agents = 9')}" | jq .id)
like "$(wait_run_end "$ID8" | jq -r .error)" "agents: 9 asked, 4 configured" "asking for 9 of 4 agents: an error saying so"
st=$(curl -s -o "$SANDBOX/bad" -w '%{http_code}' -H "$J" -X POST "$URL/api/tests/validate" -d "$(echo "$DEF" | jq -c '.agents = "some"')")
like "$(cat "$SANDBOX/bad")" '"agents"' "agents: \"some\" is refused at validation, naming the field"
echo "$DEF" | jq '.scenarios.s.duration = "1s"' >"$SANDBOX/local.json"
"$RAMPAGE" run "$SANDBOX/local.json" --quiet >/dev/null 2>"$SANDBOX/local.err"
like "$(cat "$SANDBOX/local.err")" 'asks for agents \(3\): rampage run runs the whole test here' \
	"rampage run of a definition with agents says it runs the whole test here (even with --quiet)"

# the agents are free again for the next controller
L=$(curl -s "$URL/api/agents")
is "$(echo "$L" | jq -c '[.agents[:3][].state] | unique')" '["idle"]' "afterwards every agent is idle again"
done_testing
