#!/bin/sh
# Events, markers of a run (issue 14, "Events"): a timed event of the definition sends its request
# (the demo target's POST /admin/reload, which drops connections for 1.5 s) at 2 s of a daemon run,
# is stored with the response's status, published live, listed, and its finding in the summary
# (rampage.events[].finding) counts the failed requests of its window (and none before it);
# POST /api/runs/{id}/events marks a running run (201), `rampage mark` too; an ended run answers 409;
# bad input names the field (name: empty, too long, control characters, not a string; an unknown
# key; a bad timed event at validation, by JSON path); `rampage run` has the events in its summary.
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v jq >/dev/null || bail "jq is needed"

start_demo demo --reload-ms 1500
start_daemon

api() { # api METHOD PATH [BODY]: sets st and BODY
	if [ $# -ge 3 ]; then
		st=$(curl -s -o "$SANDBOX/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
			--data-binary "$3" "$URL$2")
	else
		st=$(curl -s -o "$SANDBOX/body" -w '%{http_code}' -X "$1" "$URL$2")
	fi
	BODY=$(cat "$SANDBOX/body")
}
wait_until() { # wait_until JQ-FILTER PATH [TIMEOUT_S]
	for _ in $(seq $(( ${3:-30} * 5 ))); do
		curl -s "$URL$2" | jq -e "$1" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

DEF='{ "name": "events", "baseUrl": "'$DEMO_URL'",
  "scenarios": { "load": { "executor": "constant-vus", "vus": 2, "duration": "12s", "gracefulStop": "1s",
    "thinkTime": "20ms", "tasks": [ { "name": "users", "path": "/api/users" } ] } },
  "events": [ { "at": "2s", "name": "reload", "request": { "method": "POST", "url": "'$DEMO_URL'/admin/reload" } },
              { "at": "3s", "name": "dead end", "request": { "url": "http://127.0.0.1:1/hook" } } ] }'

# --- bad timed events are refused at validation, by JSON path
api POST /api/tests/validate "$(echo "$DEF" | jq -c '.events[0].at = "soon"')"
like "$(echo "$BODY" | jq -r '[.errors[]?.path, .error.errors[]?.path] | join(",")')" 'events\[0\]\.at' \
	"a bad time: the error is at events[0].at"
api POST /api/tests/validate "$(echo "$DEF" | jq -c '.events[0].request.url = "http://10.1.2.3:8000/admin/reload"')"
like "$(echo "$BODY" | jq -r '[.errors[]?.path, .error.errors[]?.path] | join(",")')" 'events\[0\]\.request\.url' \
	"a request outside allow_targets: refused at events[0].request.url"
like "$BODY" 'not allowed' "saying the target is not allowed"
api POST /api/tests/validate "$(echo "$DEF" | jq -c '.events[0].name = ""')"
like "$(echo "$BODY" | jq -r '[.errors[]?.path, .error.errors[]?.path] | join(",")')" 'events\[0\]\.name' \
	"an empty name: refused at events[0].name"
api POST /api/tests/validate "$(echo "$DEF" | jq -c '.events[0].at = "1h"')"
like "$BODY" 'after the run' "an event after the run's end is refused"

# --- a daemon run with the timed reload; events posted while it runs
api POST /api/runs "{\"definition\": $DEF}"; RUN=$(echo "$BODY" | jq -r .id)
like "$RUN" '^[0-9]+$' "a run with a timed reload started"
/usr/bin/python3 - "$URL" "$RUN" >"$SANDBOX/live.out" 2>&1 <<'PY' &
import asyncio, json, sys, websockets
async def main():
    url, run = sys.argv[1], sys.argv[2]
    async with websockets.connect(url.replace("http", "ws") + "/api/live") as ws:
        await ws.send(json.dumps({"type": "subscribe", "topics": ["run:" + run]}))
        async def read():
            while True:
                m = json.loads(await ws.recv())
                if m.get("type") == "event":
                    print("EVENT", m["event"]["name"], m["event"]["source"], m["event"].get("status"), flush=True)
        try:
            await asyncio.wait_for(read(), 20)
        except asyncio.TimeoutError:
            pass
asyncio.run(main())
PY
LIVE_PID=$!
wait_until '.state == "running" and .live.second >= 4' "/api/runs/$RUN"
ok $? "it runs, past the timed events at 2 and 3 s"
api POST "/api/runs/$RUN/events" '{"name": "deploy v2"}'
is "$st" 201 "POST events on a running run: 201"
is "$(echo "$BODY" | jq -c '[.name, .source, .trigger, .status]')" '["deploy v2","api","api",null]' \
	"the event: its name, source api, trigger api, no status"
ok $(echo "$BODY" | jq -e '.second == (.at_ms / 1000 | floor)' >/dev/null; echo $?) "at a run second"
OUT=$("$RAMPAGE" mark "$RUN" "cache flush" --server "$URL" 2>&1)
ok $? "rampage mark exits 0"
like "$OUT" "run $RUN: cache flush marked at [0-9.]+ s" "and says so"

# --- bad input names the field
api POST "/api/runs/$RUN/events" '{"name": ""}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:name "an empty name: 400 naming name"
api POST "/api/runs/$RUN/events" "{\"name\": \"$(printf 'x%.0s' $(seq 65))\"}"
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:name "65 characters: 400 naming name"
api POST "/api/runs/$RUN/events" '{"name": "a\u0007b"}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:name "a control character: 400 naming name"
api POST "/api/runs/$RUN/events" '{"name": 5}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:name "not a string: 400 naming name"
api POST "/api/runs/$RUN/events" '{}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:name "no name: 400 naming name"
api POST "/api/runs/$RUN/events" '{"name": "x", "at": "3s"}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:at "an unknown key: 400 naming it"
api POST "/api/runs/999999/events" '{"name": "x"}'
is "$st" 404 "no such run: 404"
OUT=$("$RAMPAGE" mark "$RUN" --server "$URL" 2>&1); rc=$?
is "$rc" 2 "rampage mark without a name: usage (2)"

# --- the end: stored, listed, the finding counts the reload's failures
wait_until '.state == "finished"' "/api/runs/$RUN" 40
ok $? "the run finished"
api POST "/api/runs/$RUN/events" '{"name": "late"}'
is "$st:$(echo "$BODY" | jq -r .error.code)" 409:conflict "POST events on an ended run: 409"
like "$(echo "$BODY" | jq -r .error.message)" 'finished' "saying the run is finished"
OUT=$("$RAMPAGE" mark "$RUN" late --server "$URL" 2>&1); rc=$?
is "$rc" 1 "rampage mark on an ended run exits 1"

api GET "/api/runs/$RUN/events"
is "$(echo "$BODY" | jq -c '[.events[] | [.name, .source]]')" \
	'[["reload","definition"],["dead end","definition"],["deploy v2","api"],["cache flush","api"]]' \
	"GET events: the two timed events and the two marks, in time order"
is "$(echo "$BODY" | jq -c '.events[1] | [.status, (.error | type)]')" '[null,"string"]' \
	"a timed request that got no answer: no status, its error"
diag "its error: $(echo "$BODY" | jq -r '.events[1].error')"
is "$(echo "$BODY" | jq -r '.events[0].status')" 202 "the timed reload's request answered 202"
is "$(echo "$BODY" | jq -r '.events[0].second')" 2 "at second 2"
is "$(echo "$BODY" | jq -r '.events[3].trigger')" cli "rampage mark's event says cli"
is "$(curl -s "$URL/api/runs/$RUN" | jq '.events | length')" 4 "the Run object lists them too"
OUT=$("$RAMPAGE" show "$RUN" --server "$URL" 2>&1)
like "$OUT" 'at 2\.[0-9] s: reload \(timed\) HTTP 202' "rampage show lists the events"
sqlite3 "$SANDBOX/rampage.db" "SELECT name, source, status FROM run_events WHERE run_id = $RUN ORDER BY at_ms" \
	>"$SANDBOX/rows"
is "$(head -1 "$SANDBOX/rows")" "reload|definition|202" "stored in run_events"

api GET "/api/runs/$RUN/summary"
F=$(echo "$BODY" | jq -c '.rampage.events[0].finding')
FAILED=$(echo "$F" | jq -r .failed)
diag "finding: $(echo "$F" | jq -r .text)"
ok $([ "$FAILED" -gt 0 ] 2>/dev/null; echo $?) "the reload's finding counts the failed requests in its window ($FAILED)"
is "$(echo "$F" | jq -c .window)" '[0,7]' "its window is 0-7 s (2 s ± 5, clipped at the start)"
TOTAL_FAILED=$(echo "$BODY" | jq -r '.metrics.http_req_failed.values.passes // .metrics.http_req_failed.passes // empty')
diag "whole run failed requests: $TOTAL_FAILED"
like "$(echo "$F" | jq -r .text)" "^reload at 2(\.[0-9])? s: $FAILED failed requests? in 0–7 s, p99 " "the finding in words"
D=$(echo "$BODY" | jq -c '.rampage.events[2].finding')
is "$(echo "$D" | jq -r '.failed <= '"$FAILED")" true "the deploy mark's window (later) has no more failures than the reload's"

wait "$LIVE_PID" 2>/dev/null
like "$(cat "$SANDBOX/live.out")" 'EVENT reload definition 202' "the timed event was published live"
like "$(cat "$SANDBOX/live.out")" 'EVENT deploy v2 api None' "the posted one too"

# --- rampage run: the timed event in its summary
echo "$DEF" | jq '.scenarios.load.duration = "6s"' >"$SANDBOX/def.json"
"$RAMPAGE" run "$SANDBOX/def.json" --quiet --out summary="$SANDBOX/sum.json" >"$SANDBOX/run.out" 2>&1
is "$(jq -r '.rampage.events[0] | [.name, .source, .status] | join(" ")' "$SANDBOX/sum.json")" \
	"reload definition 202" "rampage run: the timed reload in its summary"
ok $(jq -e '.rampage.events[0].finding.failed > 0' "$SANDBOX/sum.json" >/dev/null; echo $?) \
	"with its failed requests"
like "$(cat "$SANDBOX/run.out")" 'events:' "the text summary lists the events"
like "$(cat "$SANDBOX/run.out")" 'reload at [0-9.]+ s: [0-9]+ failed requests? in .*\[request: HTTP 202\]' \
	"with the finding and the request's status"
done_testing
