#!/bin/sh
# Custom metrics (issue 15): etc/examples/custom-metrics.json declares a Trend of times, a Trend of
# plain numbers, a Counter, a Rate and a Gauge, feeds them from a timing phase, a variable, the
# body's JSON, a check and a constant, and puts thresholds on them (a tagged sub-metric included).
# The summary has each in k6's shape (handleSummary and the flattened --summary-export), the text
# summary a CUSTOM block; a failing threshold on a custom metric fails the run (exit 99); a value
# that cannot be read is counted, not recorded; validation names the path and suggests; a run
# through the daemon stores the same metrics in its summary and, second by second, in
# GET /api/runs/{id}/custom-metrics; a live run shows them in its ticks and in GET /metrics.
. "$TOP_SRCDIR/tests/integration/lib.sh"

unset RAMPAGE_TOKEN
start_demo demo
EX="$TOP_SRCDIR/etc/examples/custom-metrics.json"
jq --arg url "$DEMO_URL" '.baseUrl = $url' "$EX" >"$SANDBOX/cm.json"
"$RAMPAGE" run "$SANDBOX/cm.json" --out summary="$SANDBOX/s.json" --summary-export "$SANDBOX/k6.json" \
	>"$SANDBOX/out" 2>&1
is $? 0 "the example runs and its thresholds hold: exit 0"
S="$SANDBOX/s.json"
n=$(jq '.iterations' "$EX")
posts=$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["POST /api/tasks"]')
is "$posts" "$n" "the target saw $n task creations"
is "$(jq -c '.metrics.tasks_created | [.type, .contains, .values.count]' "$S")" "[\"counter\",\"default\",$n]" \
	"tasks_created: a counter of one per creation"
is "$(jq -c '.metrics.task_queued | [.type, .values.rate, .values.passes, .values.fails]' "$S")" "[\"rate\",1,$n,0]" \
	"task_queued: a rate fed by the check's outcome"
vus=$(jq '.vus' "$EX")
is "$(jq -c --argjson v "$vus" '.metrics.last_task_id | [.type, .values.value > .values.max - $v, .values.min >= 1,
	.values.max >= '"$n"']' "$S")" \
	'["gauge",true,true,true]' "last_task_id: a gauge whose value is the latest response's id (one of the last $vus: ids grow, $vus VUs overlap)"
is "$(jq -c '.metrics.user_id | [.type, .contains, .values.min, .values.max]' "$S")" '["trend","default",1,3]' \
	"user_id: a trend of a variable's values (VUs 1 to 3 read users 1 to 3)"
is "$(jq -c '.metrics.server_wait | [.type, .contains, (.values | keys)]' "$S")" \
	'["trend","time",["avg","max","med","min","p(90)","p(95)","p(99)"]]' "server_wait: a trend of times, k6's stats"
is "$(jq '.rampage.metrics.server_wait.samples' "$S")" $((2 * n)) "one wait per request"
ok "$(jq -e '.metrics.server_wait.values | .min > 0 and .min <= .med and .med <= .max' "$S" >/dev/null; echo $?)" \
	"the waits are ordered min <= med <= max"
is "$(jq -c '.metrics["server_wait{kind:write}"] | [.type, .thresholds["max<1000"].ok]' "$S")" '["trend",true]' \
	"the tagged sub-metric has its own entry with its threshold"
ok "$(jq -e '.metrics["server_wait{kind:write}"].values.max <= .metrics.server_wait.values.max' "$S" >/dev/null; echo $?)" \
	"the sub-metric holds a subset of the values"
is "$(jq -c '[.rampage.thresholds[] | select(.metric | test("^(server|user|task|last)")) | .ok] | length, all' "$S" | tr '\n' ' ')" \
	"7 true " "seven thresholds on custom metrics, all passed"
K="$SANDBOX/k6.json"
is "$(jq -c '[.metrics.tasks_created.count, .metrics.task_queued.value, .metrics.task_queued.passes, .metrics.user_id.min]' "$K")" \
	"[$n,1,$n,1]" "k6's flattened --summary-export carries them (a rate's rate as value)"
is "$(jq -c '.metrics.task_queued.thresholds' "$K")" '{"rate>0.99":false}' "with k6's threshold flags (false: not failed)"
out=$(cat "$SANDBOX/out")
like "$out" 'CUSTOM' "the text summary has a CUSTOM block"
like "$out" "tasks_created\\.+: $n " "with the counter"
like "$out" 'task_queued\.+: 100\.00% ' "and the rate"
like "$out" "✓ 'rate>0.99' rate=100.00%" "its thresholds are listed with their values"

# A failing threshold on a custom metric fails the run; an unreadable value is counted, not added.
jq '.tasks[0].steps[0].checks[0].equals = "done" | .tasks[0].steps[1].record += [{"metric": "user_id", "json": "/nope"}]' \
	"$SANDBOX/cm.json" >"$SANDBOX/fail.json"
"$RAMPAGE" run "$SANDBOX/fail.json" -q --out summary="$SANDBOX/f.json" >"$SANDBOX/fout" 2>&1
is $? 99 "task_queued rate 0 breaks rate>0.99: exit 99"
is "$(jq -c '[.metrics.task_queued.values.rate, .metrics.task_queued.thresholds["rate>0.99"].ok]' "$SANDBOX/f.json")" \
	'[0,false]' "the summary marks it failed"
is "$(jq -c '.rampage.metrics.user_id' "$SANDBOX/f.json")" "{\"samples\":$n,\"missing\":$n}" \
	"a JSON value that is not there: counted as missing, not recorded"
like "$(cat "$SANDBOX/fout")" "✗ 'rate>0.99' rate=0.00%" "the text shows the failure"

# Validation: the path, and a suggestion.
jq '.tasks[0].steps[0].record[0].metric = "task_created"' "$SANDBOX/cm.json" >"$SANDBOX/bad1.json"
out=$("$RAMPAGE" validate "$SANDBOX/bad1.json" 2>&1)
is "$?" 2 "an undeclared metric is refused (exit 2)"
like "$out" 'tasks\[0\]\.steps\[0\]\.record\[0\]\.metric: "task_created" is not declared in "metrics" \(did you mean "tasks_created"\?\)' \
	"naming the path and the declared metric meant"
jq '.thresholds.tasks_created = ["p(95)<1"]' "$SANDBOX/cm.json" >"$SANDBOX/bad2.json"
like "$("$RAMPAGE" validate "$SANDBOX/bad2.json" 2>&1)" 'thresholds\.tasks_created\[0\]: expected count or rate on tasks_created \(a counter\)' \
	"a percentile on a counter is refused, as k6 does"

# Through the daemon: the run's stored summary has them.
start_daemon
J='Content-Type: application/json'
T=$(curl -s -H "$J" -X POST "$URL/api/tests" -d @"$SANDBOX/cm.json" | jq .id)
like "$T" '^[0-9]+$' "the definition is saved by the API"
"$RAMPAGE" start "$T" --wait --server "$URL" >/dev/null 2>&1
is "$?" 0 "a daemon run passes its custom thresholds"
R=$(curl -s "$URL/api/runs?test=$T" | jq '.runs[0].id')
is "$(curl -s "$URL/api/runs/$R" | jq -c '[.state, .summary.metrics.tasks_created.values.count]')" "[\"passed\",$n]" \
	"the stored summary has the counter"
C=$(curl -s "$URL/api/runs/$R/custom-metrics")
is "$(printf '%s' "$C" | jq -c '[.run_id, (.metrics | keys), .metrics.tasks_created.type]')" \
	"[$R,[\"last_task_id\",\"server_wait\",\"task_queued\",\"tasks_created\",\"user_id\"],\"counter\"]" \
	"GET .../custom-metrics: every custom metric, per second"
is "$(printf '%s' "$C" | jq '[.metrics.tasks_created.samples[].count] | add')" "$n" "the seconds' counts add up to the run's"
is "$(printf '%s' "$C" | jq '[.metrics.server_wait.samples[] | select(.count > 0) | (.p50 != null and .min <= .p95 and .p95 <= .max + 0.05)] | all')" \
	true "a trend's seconds carry their percentiles (within the histogram's precision)"
is "$(curl -s "$URL/api/runs/$R/custom-metrics?metric=user_id" | jq -c '.metrics | keys')" '["user_id"]' "?metric= picks one"
is "$(http_status GET "$URL/api/runs/$R/custom-metrics?metrc=x")" 400 "an unknown parameter is refused"
is "$(http_status GET "$URL/api/runs/999999/custom-metrics")" 404 "an unknown run is 404"

# Live: during a 3 s run, each tick carries the custom metrics (the second's and the run's so far),
# and GET /metrics has them in one family per type, which promtool accepts.
cat >"$SANDBOX/ws.py" <<'PY'
import asyncio, json, sys
import websockets

async def main(port, run):
    async with websockets.connect("ws://127.0.0.1:%d/api/live" % port) as ws:
        await ws.send(json.dumps({"type": "subscribe", "topics": ["run:%d" % run]}))
        ticks = []
        while len(ticks) < 2:
            m = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if m.get("type") == "tick" and "metrics" in m:
                ticks.append({x["name"]: x for x in m["metrics"]})
        print(json.dumps(ticks))

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
PY
jq '.vus = 2 | del(.iterations) | .duration = "3s" | .tasks[0].steps[1].thinkTime = "50ms"' "$SANDBOX/cm.json" >"$SANDBOX/live.json"
ID=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $(cat "$SANDBOX/live.json")}" | jq .id)
like "$ID" '^[0-9]+$' "a 3 s run started ($ID)"
/usr/bin/python3 "$SANDBOX/ws.py" "$PORT" "$ID" >"$SANDBOX/ticks.json" 2>"$SANDBOX/ws.err" &
WS=$!
sleep 1
curl -s "$URL/metrics" >"$SANDBOX/prom.txt"
wait $WS
is "$(jq -c '.[0].tasks_created | [.type, .contains, (.run | keys), (.second | keys)]' "$SANDBOX/ticks.json")" \
	'["counter","default",["count","rate"],["count","rate"]]' "a live tick has each custom metric, for the second and the run"
ok "$(jq -e 'length == 2 and .[1].tasks_created.run.count > .[0].tasks_created.run.count and .[0].tasks_created.second.count > 0' \
	"$SANDBOX/ticks.json" >/dev/null; echo $?)" "the run's count grows from tick to tick ($(jq -c '[.[].tasks_created.run.count]' "$SANDBOX/ticks.json"))"
is "$(jq -c '.[1].server_wait | [.contains, .run.min > 0, .run.max >= .run.min]' "$SANDBOX/ticks.json")" '["time",true,true]' \
	"a trend of times, live"
P="$SANDBOX/prom.txt"
like "$(grep "^rampage_custom_total{run=\"$ID\"" "$P")" "metric=\"tasks_created\"} [1-9][0-9]*$" \
	"/metrics: the counter so far"
like "$(grep "^rampage_custom_rate_total{run=\"$ID\"" "$P" | tr '\n' ' ')" 'metric="task_queued",result="pass"} [1-9][0-9]* .*result="fail"} 0' \
	"/metrics: the rate by result"
is "$(grep -c "^rampage_custom_trend{run=\"$ID\".*metric=\"server_wait\",quantile=" "$P")" 4 "/metrics: a trend's four quantiles"
like "$(grep "^rampage_custom_value{run=\"$ID\"" "$P")" 'metric="last_task_id"} [1-9][0-9]*$' "/metrics: the gauge"
/usr/bin/promtool check metrics <"$P" >"$SANDBOX/promtool.out" 2>&1
ok $? "promtool check metrics accepts the scrape"
sed 's/^/# promtool: /' "$SANDBOX/promtool.out"
for i in $(seq 50); do
	[ "$(curl -s "$URL/api/runs/$ID" | jq -r .state)" = running ] || break
	sleep 0.2
done
is "$(curl -s "$URL/api/runs/$ID" | jq -c '[.state, .summary.metrics.tasks_created.values.count > 0]')" '["passed",true]' \
	"the live run ends passed, its counter in the summary"
done_testing
