#!/bin/sh
# Monitors (issue 14, "Monitors"): a definition's `monitors` are scraped during the run: the demo
# target's own Prometheus /metrics (RSS as a gauge, its request counter as a per-second rate, the
# task queue depth) and its JSON /api/stats by JSON Pointer; a monitor on a closed port counts gaps
# and the run still ends passed. Through the daemon the values appear second by second in
# GET /api/runs/{id}/monitors and in the live ticks, and in the stored summary; a monitor outside
# allow_targets is refused at validation (400, naming monitors[0].url); a monitor: threshold passes
# or fails the run (`rampage run` exits 99).
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v jq >/dev/null || bail "jq is needed"

start_demo demo
start_daemon
J='Content-Type: application/json'

DEF='{ "name": "monitors", "baseUrl": "'$DEMO_URL'",
  "scenarios": { "load": { "executor": "constant-vus", "vus": 2, "duration": "5s", "gracefulStop": "1s",
    "thinkTime": "20ms", "tasks": [ { "name": "users", "path": "/api/users" } ] } },
  "monitors": [
    { "name": "demo", "url": "'$DEMO_URL'/metrics", "prometheus": {
        "rss": "process_resident_memory_bytes", "reqs": "demo_requests_total",
        "queue": "demo_task_queue_depth" } },
    { "name": "stats", "url": "'$DEMO_URL'/api/stats", "json": { "seen": "/requests/total" } },
    { "name": "dead", "url": "http://127.0.0.1:1/metrics", "timeout": "500ms",
      "prometheus": { "dead_rss": "process_resident_memory_bytes" } } ],
  "thresholds": { "monitor:rss": ["max<100000000000", "p(90)>1000"], "monitor:reqs": ["avg>0"] } }'

# --- validation: a monitor outside allow_targets is refused, naming the field
BAD=$(echo "$DEF" | jq -c '.monitors[0].url = "http://10.1.2.3:9100/metrics"')
st=$(curl -s -o "$SANDBOX/bad" -w '%{http_code}' -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $BAD}")
is "$st" 400 "a monitor outside allow_targets: the run is refused (400)"
like "$(jq -r '[.errors[]?.path, .error.errors[]?.path, .error.field?] | map(select(. != null)) | join(",")' "$SANDBOX/bad")" \
	'monitors\[0\]\.url' "naming monitors[0].url"
like "$(cat "$SANDBOX/bad")" 'not allowed' "saying the target is not allowed"
st=$(curl -s -o "$SANDBOX/bad2" -w '%{http_code}' -H "$J" -X POST "$URL/api/tests/validate" \
	-d "$(echo "$DEF" | jq -c '.monitors[0].prometheus.rss = "x{y=}"')")
like "$(cat "$SANDBOX/bad2")" 'monitors\[0\]\.prometheus\.rss' "a bad selector: refused at its path"

# --- a daemon run: live ticks carry the monitors
ID=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEF}" | jq .id)
like "$ID" '^[0-9]+$' "a 5 s run with three monitors started ($ID)"
cat >"$SANDBOX/ws.py" <<'PY'
import asyncio, json, sys
import websockets

async def main(port, run):
    async with websockets.connect("ws://127.0.0.1:%d/api/live" % port) as ws:
        await ws.send(json.dumps({"type": "subscribe", "topics": ["run:%d" % run]}))
        ticks = []
        while len(ticks) < 3:
            m = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if m.get("type") == "tick" and "monitors" in m:
                ticks.append({"second": m["second"], "m": {x["name"]: x for x in m["monitors"]}})
        print(json.dumps(ticks))

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
PY
/usr/bin/python3 "$SANDBOX/ws.py" "$PORT" "$ID" >"$SANDBOX/ticks.json" 2>"$SANDBOX/ws.err"
ok $? "three live ticks with monitors were read"
T="$SANDBOX/ticks.json"
is "$(jq -c '.[0].m | keys' "$T")" '["dead_rss","queue","reqs","rss","seen"]' "a live tick lists every monitored value"
is "$(jq -c '[.[] | .m.rss | (.kind == "gauge" and .value > 1000000)] | all' "$T")" true \
	"RSS, a gauge, has a value in every live second"
is "$(jq -c '[.[1:][] | .m.reqs | .kind == "rate" and .value > 0] | all' "$T")" true \
	"the request counter arrives as a per-second rate once it has two scrapes"
is "$(jq -c '[.[] | .m.dead_rss | .value == null and .gaps == .scrapes and .gaps >= 1] | all' "$T")" true \
	"the closed port: no value, every scrape a gap"

for i in $(seq 75); do
	[ "$(curl -s "$URL/api/runs/$ID" | jq -r .state)" = running ] || break
	sleep 0.2
done
R=$(curl -s "$URL/api/runs/$ID")
is "$(echo "$R" | jq -r .state)" passed "the run ends passed: failed scrapes never fail a run, its monitor thresholds hold"
M=$(curl -s "$URL/api/runs/$ID/monitors")
echo "$M" >"$SANDBOX/monitors.json"
is "$(echo "$M" | jq -c '[.run_id, (.monitors | keys)]')" "[$ID,[\"dead_rss\",\"queue\",\"reqs\",\"rss\",\"seen\"]]" \
	"GET .../monitors: every monitored value"
n=$(echo "$M" | jq '.monitors.rss.samples | length')
ok "$([ "$n" -ge 5 ]; echo $?)" "one row per second: $n seconds of rss"
is "$(echo "$M" | jq -c '[.monitors.rss.samples[].second] == ([.monitors.rss.samples | length] | .[0] as $n | [range(0; $n)])')" true \
	"seconds 0, 1, 2, ... without a hole"
is "$(echo "$M" | jq '[.monitors.rss.samples[] | select(.scrapes > 0) | .value != null and .gaps == 0] | all')" true \
	"rss: a value in each second it was scraped in, no gap"
is "$(echo "$M" | jq '([.monitors.rss.samples[] | select(.scrapes > 0)] | length) >= (.monitors.rss.samples | length) - 1')" true \
	"scraped every second (the run's last, partial one may end before its scrape)"
is "$(echo "$M" | jq -r '.monitors.reqs.kind')" rate "reqs is stored as a rate"
is "$(echo "$M" | jq '.monitors.seen.samples | map(.value // empty) | (. == (sort)) and (.[-1] > .[0])')" true \
	"the JSON pointer's count grows second by second"
is "$(echo "$M" | jq '.monitors.dead_rss | (.gaps > 0) and ([.samples[].value] | all(. == null))')" true \
	"the dead monitor: gaps counted per second, no value"
# the target's own count of requests, as a rate, against ours: the same traffic (ratio, not time)
ratio=$(jq -n --argjson m "$M" --argjson r "$R" '($m.monitors.reqs.samples | map(.value // empty) | add / length) /
	($r.summary.metrics.http_reqs.values.rate)')
ok "$(jq -n --argjson x "$ratio" '$x > 0.6 and $x < 1.6' | grep -q true; echo $?)" \
	"the target's request rate matches ours (ratio $ratio)"
is "$(echo "$R" | jq -c '[.summary.monitors.rss.seconds > 0, .summary.monitors.dead_rss.gaps > 0,
	.summary.metrics["monitor:rss"].thresholds["max<100000000000"].ok]')" '[true,true,true]' \
	"the stored summary has the monitors and the threshold's verdict"
is "$(curl -s "$URL/api/runs/$ID/monitors?name=rss" | jq -c '.monitors | keys')" '["rss"]' "?name= picks one"
curl -s "$URL/api/runs/$ID/monitors.csv" | tr -d '\r' >"$SANDBOX/m.csv"
is "$(head -1 "$SANDBOX/m.csv")" "second,name,monitor,kind,value,scrapes,gaps" "the CSV export's header"
is "$(grep -c ',rss,demo,gauge,' "$SANDBOX/m.csv")" "$n" "a CSV row per second of rss"
is "$(grep ',dead_rss,dead,gauge,,' "$SANDBOX/m.csv" | awk -F, '$7 > 0' | wc -l | tr -d ' ')" \
	"$(echo "$M" | jq '[.monitors.dead_rss.samples[] | select(.gaps > 0)] | length')" "the dead monitor's gaps, an empty value"
is "$(http_status GET "$URL/api/runs/$ID/monitors?nme=x")" 400 "an unknown parameter is refused"
is "$(http_status GET "$URL/api/runs/999999/monitors")" 404 "an unknown run is 404"

# --- rampage run: a monitor: threshold passes, or fails the run with exit 99
echo "$DEF" | jq '.scenarios.load.duration = "3s" | .monitors |= .[0:1]' >"$SANDBOX/ok.json"
"$RAMPAGE" run "$SANDBOX/ok.json" -q --out summary="$SANDBOX/ok-s.json" >"$SANDBOX/ok.out" 2>&1
is $? 0 "rampage run: monitor thresholds hold, exit 0"
like "$(cat "$SANDBOX/ok.out")" 'MONITORS' "the text summary has a MONITORS block"
like "$(cat "$SANDBOX/ok.out")" 'reqs\.+: avg=[0-9.]+ min=.* \(per second\)' "a counter's line says it is per second"
echo "$DEF" | jq '.scenarios.load.duration = "3s" | .monitors |= .[0:1] | .thresholds["monitor:rss"] = ["max<1000"]' \
	>"$SANDBOX/fail.json"
"$RAMPAGE" run "$SANDBOX/fail.json" -q --out summary="$SANDBOX/fail-s.json" >"$SANDBOX/fail.out" 2>&1
is $? 99 "rampage run: RSS above max<1000 fails the threshold, exit 99"
is "$(jq -c '[.rampage.thresholds[] | select(.metric == "monitor:rss") | .ok, (.value > 1000)]' "$SANDBOX/fail-s.json")" \
	'[false,true]' "the summary gives the observed max"
is "$(jq -c '[.rampage.thresholds[] | select(.source == "p(90)>1000") | .ok, (.value > 1000000)]' "$SANDBOX/ok-s.json")" \
	'[true,true]' "a p(90) threshold over the seconds' RSS is judged at the end"
done_testing
