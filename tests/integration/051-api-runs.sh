#!/bin/sh
# Runs over REST and the websocket: start a constant-vus run against the demo target, watch its
# ticks arrive once a second with consecutive second numbers, stop it (stopped, with its summary and
# every second stored), state changes on `runs`, overrides, a natural end (finished: no thresholds, so no verdict), delete rules,
# listing with filters and keyset pagination.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
start_daemon

cat >"$SANDBOX/test.json" <<EOF
{ "name": "live run", "baseUrl": "$DEMO_URL",
  "scenarios": { "load": { "executor": "constant-vus", "vus": 2, "duration": "30s", "gracefulStop": "1s",
    "tasks": [ { "name": "health", "path": "/api/health" }, { "name": "users", "path": "/api/users" } ] } } }
EOF
TEST=$(curl -H 'Content-Type: application/json' -s -X POST --data-binary "@$SANDBOX/test.json" "$URL/api/tests" | jq -r .id)
like "$TEST" '^[0-9]+$' "test created"

cat >"$SANDBOX/watch.py" <<'EOF'
import asyncio, json, sys, time, urllib.request
import websockets

port, test = int(sys.argv[1]), int(sys.argv[2])
base = "http://127.0.0.1:%d" % port

def http(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 headers={"Content-Type": "application/json"},
                                 data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

async def recv(ws, timeout=15):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))

pending = []   # messages that arrived while waiting for "subscribed"

async def subscribe(ws, topics):
    await ws.send(json.dumps({"type": "subscribe", "topics": topics}))
    while True:
        m = await recv(ws)
        if m["type"] == "subscribed":
            return
        pending.append(m)

async def next_message(ws):
    return pending.pop(0) if pending else await recv(ws)

async def main():
    async with websockets.connect("ws://127.0.0.1:%d/api/live" % port) as ws:
        await recv(ws)
        await subscribe(ws, ["runs"])
        status, run = http("POST", "/api/tests/%d/runs" % test, {"note": "watched", "tags": {"env": "ci"}})
        rid = run["id"]
        await subscribe(ws, ["run:%d" % rid])
        ticks, states, stop = [], [], None
        while True:
            m = await next_message(ws)
            if m.get("run_id") != rid:
                continue
            if m["type"] == "tick":
                ticks.append({"second": m["second"], "at": time.monotonic(),
                              "requests": m["total"]["requests"], "keys": sorted(m["total"].keys()),
                              "endpoints": [e["name"] for e in m["endpoints"]],
                              "ep_requests": sum(e["requests"] for e in m["endpoints"])})
                if len(ticks) == 3:
                    stop = http("POST", "/api/runs/%d/stop" % rid)
            elif m["type"] == "run_state" and m["topic"] == "runs":
                states.append(m["state"])
                if m["state"] not in ("queued", "running", "stopping"):
                    break
        gaps = [round(b["at"] - a["at"], 3) for a, b in zip(ticks, ticks[1:])]
        print(json.dumps({"run": rid, "start_status": status, "stop_status": stop[0],
                          "stop_state": stop[1]["state"], "states": states, "ticks": ticks,
                          "gaps": gaps}))

asyncio.run(main())
EOF
/usr/bin/python3 "$SANDBOX/watch.py" "$PORT" "$TEST" >"$SANDBOX/watch.out" 2>"$SANDBOX/watch.err" ||
	{ cat "$SANDBOX/watch.err" >&2; bail "websocket client failed"; }
W=$(cat "$SANDBOX/watch.out")
RUN=$(printf '%s' "$W" | jq .run)
is "$(printf '%s' "$W" | jq .start_status)" 202 "POST /api/tests/$TEST/runs: 202"
is "$(printf '%s' "$W" | jq -c .states)" '["queued","running","stopping","stopped"]' \
	"state changes arrive on the websocket: queued, running, stopping, stopped"
# The answer shows the run as it is when written: stopping, or already stopped when the in-flight
# requests were done first (a fast target). The websocket sequence above proves the stopping state.
is "$(printf '%s' "$W" | jq -c '[.stop_status, (.stop_state | IN("stopping", "stopped"))]')" '[202,true]' \
	"POST /api/runs/$RUN/stop: 202 with the run stopping (or already stopped) ($(printf '%s' "$W" | jq -r .stop_state))"
nticks=$(printf '%s' "$W" | jq '.ticks | length')
ok "$([ "$nticks" -ge 3 ] && echo 0 || echo 1)" "at least 3 ticks arrived ($nticks)"
is "$(printf '%s' "$W" | jq -c '[.ticks[].second] == [range(0; (.ticks | length))]')" true \
	"ticks carry consecutive second numbers from 0"
is "$(printf '%s' "$W" | jq '[.gaps[:2][] | select(. < 0.6 or . > 1.4)] | length')" 0 \
	"ticks arrive about once a second (gaps $(printf '%s' "$W" | jq -c '.gaps[:2]'))"
is "$(printf '%s' "$W" | jq -c '.ticks[0].endpoints')" '["health","users"]' "a tick lists the endpoints"
is "$(printf '%s' "$W" | jq '[.ticks[] | select(.requests != .ep_requests)] | length')" 0 \
	"the total of each tick is the sum of its endpoints"

# the run after the stop
R=$(curl -s "$URL/api/runs/$RUN")
is "$(printf '%s' "$R" | jq -c '[.state, .note, .tags.env, .trigger, .test_id]')" \
	"[\"stopped\",\"watched\",\"ci\",\"api\",$TEST]" "GET /api/runs/$RUN: stopped, with note, tags, trigger"
is "$(printf '%s' "$R" | jq -c '[.started_ms > .queued_ms - 1, .ended_ms > .started_ms, .error]')" \
	'[true,true,null]' "timestamps in order, no error"
is "$(printf '%s' "$R" | jq -r '.summary.metrics.http_reqs.type')" counter "the run holds its k6-shaped summary"
is "$(printf '%s' "$R" | jq -r '.summary.rampage.interrupted')" true "which says it was interrupted"
is "$(printf '%s' "$R" | jq -c '.definition.scenarios.load.vus')" 2 "and its definition snapshot"
ok "$(printf '%s' "$R" | jq -e '.stats.requests > 0 and .stats.p95_us > 0' >/dev/null; echo $?)" \
	"and stats (requests, p95) from the summary"

# every second that was published is stored, with the same numbers
S=$(curl -s "$URL/api/runs/$RUN/samples")
is "$(printf '%s' "$S" | jq -c '[.samples[].second][:'"$nticks"']')" \
	"$(printf '%s' "$W" | jq -c '[.ticks[].second]')" "the samples hold every second the stream showed"
is "$(printf '%s' "$S" | jq -c '[.samples[].requests][:'"$nticks"']')" \
	"$(printf '%s' "$W" | jq -c '[.ticks[].requests]')" "with the same request counts"
is "$(printf '%s' "$S" | jq -c '.samples[0] | keys_unsorted - ["second"] | sort')" \
	"$(printf '%s' "$W" | jq -c '.ticks[0].keys')" "a tick's total has the keys of a sample row"
is "$(printf '%s' "$S" | jq '[.samples[].requests] | add')" "$(printf '%s' "$R" | jq '.summary.metrics.http_reqs.values.count')" \
	"the seconds add up to the summary's request count"

# stopping or deleting what has ended
is "$(http_status POST "$URL/api/runs/$RUN/stop" -H 'X-Rampage-Client: test')" 409 "stopping a stopped run: 409"
is "$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs/$RUN/stop" | jq -r .error.code)" conflict "with code conflict"

# overrides, and a natural end
OV=$(curl -H 'Content-Type: application/json' -s -X POST -d '{"vus": 1, "duration": "2s"}' "$URL/api/tests/$TEST/runs")
RUN2=$(printf '%s' "$OV" | jq .id)
is "$(printf '%s' "$OV" | jq -c '.definition.scenarios.load | [.vus, .duration]')" '[1,"2s"]' \
	"overrides vus and duration land in the run's definition snapshot"
is "$(curl -s "$URL/api/tests/$TEST" | jq -c '.definition.scenarios.load | [.vus, .duration]')" '[2,"30s"]' \
	"and not in the saved test"
is "$(http_status DELETE "$URL/api/runs/$RUN2" -H 'X-Rampage-Client: test')" 409 "deleting a run that is not over: 409"
for _ in $(seq 400); do
	st=$(curl -s "$URL/api/runs/$RUN2" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$st" finished "a run without thresholds that ends by itself is finished (not passed)"
is "$(curl -s "$URL/api/runs/$RUN2/samples" | jq '.samples | length >= 2 and length <= 4')" true \
	"a 2 s run stored 2 to 4 seconds"

# inline runs, filters and pages
for i in 1 2 3 4 5; do
	curl -H 'Content-Type: application/json' -s -X POST -d "{\"definition\": {\"name\": \"inline $i\", \"baseUrl\": \"$DEMO_URL\",
		\"tasks\": [{\"path\": \"/api/health\"}]}, \"tags\": {\"i\": \"$i\"}}" "$URL/api/runs" >"$SANDBOX/inline.$i"
done
is "$(jq -c '[.test_id, .name, .tags.i, (.state | IN("queued", "running", "finished"))]' "$SANDBOX/inline.5")" \
	'[null,"inline 5","5",true]' "POST /api/runs queues an inline run"
for _ in $(seq 100); do
	n=$(curl -s "$URL/api/runs?state=queued,running,stopping" | jq '.runs | length')
	[ "$n" -eq 0 ] && break
	sleep 0.1
done
ALL=$(curl -s "$URL/api/runs?limit=500" | jq -c '[.runs[].id]')
is "$(printf '%s' "$ALL" | jq 'length')" 7 "GET /api/runs lists every run"
is "$(printf '%s' "$ALL" | jq -c '. == (sort | reverse)')" true "newest first"
pages="" cursor="" npages=0
while :; do
	P=$(curl -s "$URL/api/runs?limit=3${cursor:+&cursor=$cursor}")
	pages="$pages $(printf '%s' "$P" | jq -r '.runs[].id')"
	npages=$((npages + 1))
	cursor=$(printf '%s' "$P" | jq -r '.next_cursor // empty')
	[ -z "$cursor" ] && break
	[ "$npages" -gt 5 ] && break
done
is "$npages" 3 "limit=3 gives 3 pages of 7 runs"
is "$(printf '%s\n' $pages | jq -s -c .)" "$ALL" "the pages hold every run once, in order"
is "$(curl -s "$URL/api/runs?test=$TEST" | jq -c '[.runs[].id]')" "[$RUN2,$RUN]" "?test= filters by test"
is "$(curl -s "$URL/api/runs?state=stopped" | jq -c '[.runs[].id]')" "[$RUN]" "?state= filters by state"
is "$(curl -s "$URL/api/runs?state=finished&limit=2" | jq -c '[(.runs | length), (.next_cursor | type)]')" \
	'[2,"string"]' "filters and pages combine"
since=$(jq .queued_ms "$SANDBOX/inline.3")
want=$(jq -s -c '[.[].id] | reverse' "$SANDBOX/inline.3" "$SANDBOX/inline.4" "$SANDBOX/inline.5")
is "$(curl -s "$URL/api/runs?since=$since" | jq -c "[.runs[] | select(.queued_ms < $since)] + [.runs[:3][].id]")" \
	"$want" "?since= keeps the runs queued since then"

# delete an ended run
is "$(http_status DELETE "$URL/api/runs/$RUN" -H 'X-Rampage-Client: test')" 204 "DELETE of an ended run: 204"
is "$(http_status GET "$URL/api/runs/$RUN")" 404 "it is gone"
is "$(http_status GET "$URL/api/runs/$RUN/samples")" 404 "with its samples"
is "$(sqlite3 "$SANDBOX/rampage.db" "SELECT count(*) FROM samples WHERE run_id = $RUN")" 0 \
	"no sample row of it is left"

is "$(curl -s "$URL/api/health" | jq -r .status)" ok "the daemon is still healthy"
done_testing
