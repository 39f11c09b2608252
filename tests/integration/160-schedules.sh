#!/bin/sh
# Schedules against the real daemon, with the seconds field: a `*/2 * * * * *` schedule fires every
# 2 s for ~20 s, every due time once and none left out (asserted on the due times recorded, not on
# the wall clock); each fire is a run with trigger "schedule" and the schedule's id, and shows on the
# live topic `schedules`; pause stops the fires; DELETE keeps the runs it started; bad input is a 400
# naming the field and stores nothing; the preview shows next fire times in the zone asked.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
start_daemon
J='Content-Type: application/json'
post() { curl -s -H "$J" -X POST "$URL$1" -d "$2"; }

TEST=$(post /api/tests "{\"name\": \"tiny\", \"baseUrl\": \"$DEMO_URL\", \"vus\": 1,
	\"tasks\": [{\"path\": \"/api/health\"}]}" | jq .id)
like "$TEST" '^[0-9]+$' "a saved test of one iteration"

# watch the `schedules` topic
cat >"$SANDBOX/watch.py" <<'PY'
import asyncio, json, sys
import websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/api/live" % sys.argv[1]) as ws:
        await ws.send(json.dumps({"type": "subscribe", "topics": ["schedules"]}))
        while True:
            m = json.loads(await ws.recv())
            if m["type"] in ("schedule_fire", "schedule_changed", "subscribed"):
                print(json.dumps(m), flush=True)
asyncio.run(main())
PY
/usr/bin/python3 "$SANDBOX/watch.py" "$PORT" >"$SANDBOX/watch.out" 2>"$SANDBOX/watch.err" &
PIDS="$PIDS $!"
wait_for_log "$SANDBOX/watch.out" '"subscribed"' 5 >/dev/null || bail "websocket watcher did not subscribe"

# ---- bad input: a 400 naming the field, nothing stored
bad() { # bad BODY FIELD MESSAGE-REGEX DESCRIPTION
	local r
	r=$(curl -s -w '\n%{http_code}' -H "$J" -X POST "$URL/api/schedules" -d "$1")
	is "$(printf '%s' "$r" | tail -n 1)" 400 "$4: 400"
	is "$(printf '%s' "$r" | sed '$d' | jq -r '.error.errors[0].path')" "$2" "$4: names $2"
	like "$(printf '%s' "$r" | sed '$d' | jq -r '.error.errors[0].message')" "$3" "$4: says why"
}
bad "{\"test_id\": $TEST, \"cron\": \"0 25 * * *\"}" cron '^hour: 25 is outside 0-23$' "an invalid cron"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * *\"}" cron 'expected 5 fields' "four fields"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"timezone\": \"Mars/Olympus\"}" timezone \
	'unknown time zone "Mars/Olympus"' "an unknown zone"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"timezone\": \"/etc/localtime\"}" timezone \
	'unknown time zone' "a path as zone"
bad '{"test_id": 999, "cron": "0 2 * * *"}' test_id '^no test 999$' "an unknown test"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"overlap\": \"allow\"}" overlap 'skip or queue' \
	"a bad overlap policy"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"catchup\": \"all\"}" catchup 'none or latest' \
	"a bad catch-up policy"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"catchup_max_age\": \"soon\"}" catchup_max_age \
	'duration' "a bad catch-up max age"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"notify\": {\"when\": \"sometimes\", \"webhooks\": [\"http://127.0.0.1:9/x\"]}}" \
	notify.when 'always, failure or change' "a bad notify.when"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"notify\": {\"webhooks\": [\"not a url\"]}}" \
	'notify.webhooks[0]' 'not a URL' "a webhook that is not a URL"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"overrides\": {\"vus\": 0}}" overrides 'vus' \
	"an override out of range"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"overrides\": {\"duration\": \"5s\"}}" overrides \
	'duration' "an override that applies to no scenario"
bad "{\"test_id\": $TEST, \"cron\": \"0 2 * * *\", \"colour\": \"red\"}" colour 'unknown key' "an unknown key"
bad '{"cron": "0 2 * * *"}' test_id 'required' "no test"
is "$(curl -s "$URL/api/schedules" | jq '.schedules | length')" 0 "nothing was stored"
is "$(sqlite3 "$SANDBOX/rampage.db" 'SELECT count(*) FROM schedules')" 0 "(in the database either)"

# ---- the preview
P=$(curl -s "$URL/api/schedules/preview?cron=30+2+*+*+*&tz=Europe/Berlin&count=3&after=1774738800000")
is "$(printf '%s' "$P" | jq -c .next)" \
	'["2026-03-29T03:00:00+02:00","2026-03-30T02:30:00+02:00","2026-03-31T02:30:00+02:00"]' \
	"the preview: 02:30 Berlin on the spring-forward day fires at 03:00, then daily"
is "$(curl -s "$URL/api/schedules/preview?cron=0+0+30+2+*" | jq -c '[.never_fires, .next]')" '[true,[]]' \
	"0 0 30 2 * never fires"
is "$(http_status GET "$URL/api/schedules/preview?cron=61+*+*+*+*")" 400 "a bad preview expression: 400"
is "$(curl -s "$URL/api/schedules/preview?cron=*+*+*+*+*&tz=Nowhere" | jq -r .error.parameter)" tz \
	"a bad preview zone names tz"

# ---- every 2 s: no duplicate, no gap
S=$(post /api/schedules "{\"test_id\": $TEST, \"cron\": \"*/2 * * * * *\", \"timezone\": \"UTC\", \"overlap\": \"queue\"}")
SID=$(printf '%s' "$S" | jq .id)
like "$SID" '^[0-9]+$' "a */2 seconds schedule is created"
is "$(printf '%s' "$S" | jq '.next_fires | length')" 5 "it shows its next 5 fire times"
like "$(printf '%s' "$S" | jq -r '.next_fires[0]')" '^20[0-9-]+T[0-9:]+\+00:00$' "in ISO 8601 with the offset"
for _ in $(seq 300); do
	n=$(sqlite3 "$SANDBOX/rampage.db" "SELECT count(*) FROM schedule_fires WHERE schedule_id = $SID")
	[ "$n" -ge 10 ] && break
	sleep 0.1
done
is "$(curl -s -o /dev/null -w '%{http_code}' -H "$J" -X PATCH "$URL/api/schedules/$SID" -d '{"paused": true}')" 200 \
	"pause it (PATCH paused)"
sleep 0.3
F=$(curl -s "$URL/api/schedules/$SID/fires?limit=500")
N=$(printf '%s' "$F" | jq '.fires | length')
ok "$([ "$N" -ge 10 ]; echo $?)" "it fired $N times"
is "$(printf '%s' "$F" | jq '[.fires[].due_ms] | sort | . as $d | [range(1; length) | $d[.] - $d[. - 1]] | unique')" \
	'[
  2000
]' "the due times are 2 s apart: no duplicate, no gap"
is "$(printf '%s' "$F" | jq -c '[.fires[].outcome] | unique')" '["started"]' "every fire started a run"
is "$(printf '%s' "$F" | jq '[.fires[].run_id] | unique | length')" "$N" "each its own run"
RUN=$(printf '%s' "$F" | jq '.fires[-1].run_id')
is "$(curl -s "$URL/api/runs/$RUN" | jq -c '[.trigger, .schedule_id, .test_id]')" "[\"schedule\",$SID,$TEST]" \
	"a fire's run has trigger schedule, the schedule's id and the test's"
is "$(sqlite3 "$SANDBOX/rampage.db" "SELECT count(*) FROM runs WHERE schedule_id = $SID")" "$N" \
	"as many runs as fires"
for _ in $(seq 100); do
	[ "$(grep -c '"schedule_fire"' "$SANDBOX/watch.out")" -ge "$N" ] && break
	sleep 0.05
done
is "$(grep -c '"schedule_fire"' "$SANDBOX/watch.out")" "$N" "each fire was published on the topic schedules"
like "$(grep -c '"schedule_changed"' "$SANDBOX/watch.out")" '^[2-9]' "and the creation and the pause too"

# ---- paused: no more fires
G=$(curl -s "$URL/api/schedules/$SID")
is "$(printf '%s' "$G" | jq -c '[.paused, .next_fires]')" '[true,[]]' "a paused schedule shows no next fires"
is "$(printf '%s' "$G" | jq -c '[.last_fire.outcome, .last_fire.run_id != null]')" '["started",true]' \
	"and its last fire with its run"
sleep 5
is "$(curl -s "$URL/api/schedules/$SID/fires?limit=500" | jq '.fires | length')" "$N" \
	"no fire while paused (5 s, 2 periods and more)"

# ---- pagination of fires
P1=$(curl -s "$URL/api/schedules/$SID/fires?limit=3")
C=$(printf '%s' "$P1" | jq -r .next_cursor)
P2=$(curl -s "$URL/api/schedules/$SID/fires?limit=3&cursor=$C")
is "$(printf '%s' "$P1$P2" | jq -s '[.[].fires[].id] | (length == 6 and . == (sort | reverse) and (unique | length) == 6)')" \
	true "fires are paged newest first without repeats"

# ---- DELETE keeps the runs
is "$(http_status DELETE "$URL/api/schedules/$SID" -H "$J")" 204 "DELETE the schedule: 204"
is "$(http_status GET "$URL/api/schedules/$SID")" 404 "it is gone"
is "$(http_status GET "$URL/api/schedules/$SID/fires")" 404 "with its fire history"
is "$(sqlite3 "$SANDBOX/rampage.db" "SELECT count(*) FROM runs WHERE trigger = 'schedule'")" "$N" \
	"the runs it started stay"
is "$(curl -s "$URL/api/runs/$RUN" | jq -c '[.trigger, .schedule_id]')" '["schedule",null]' \
	"still saying a schedule started them"

# ---- run now, PUT
S2=$(post /api/schedules "{\"test_id\": $TEST, \"cron\": \"@yearly\", \"timezone\": \"Australia/Lord_Howe\", \"overrides\": {\"note\": \"nightly\"}}")
S2ID=$(printf '%s' "$S2" | jq .id)
like "$(printf '%s' "$S2" | jq -r '.next_fires[0]')" '-01-01T00:00:00\+11:00$' "a yearly schedule in Lord Howe"
R=$(curl -s -H "$J" -X POST "$URL/api/schedules/$S2ID/run")
RID=$(printf '%s' "$R" | jq .run_id)
like "$RID" '^[0-9]+$' "run now starts a run"
is "$(curl -s "$URL/api/runs/$RID" | jq -c '[.schedule_id, .note]')" "[$S2ID,\"nightly\"]" \
	"of the schedule, with its overrides"
is "$(curl -s "$URL/api/schedules/$S2ID/fires" | jq '.fires | length')" 0 "run now is not a fire"
U=$(curl -s -H "$J" -X PUT "$URL/api/schedules/$S2ID" -d "{\"test_id\": $TEST, \"cron\": \"0 0 30 2 *\"}")
is "$(printf '%s' "$U" | jq -c '[.timezone, .never_fires, .next_fires, .overrides]')" '["UTC",true,[],{}]' \
	"PUT replaces it (defaults for what it leaves out); 0 0 30 2 * never fires"
is "$(curl -s -w '%{http_code}' -o /dev/null -H "$J" -X PATCH "$URL/api/schedules/$S2ID" -d '{"cron": "0 0 32 * *"}')" 400 \
	"a bad PATCH is a 400"
is "$(curl -s "$URL/api/schedules/$S2ID" | jq -r .cron)" "0 0 30 2 *" "and changes nothing"
# ---- the CLI
SRV="--server $URL"
out=$("$RAMPAGE" schedule add tiny --cron '0 2 * * *' --tz Europe/Berlin --vus 1 --overlap skip $SRV)
is "$?" 0 "rampage schedule add (the test by name): exit 0"
like "$out" 'tiny +0 2 \* \* \* +Europe/Berlin +on +20[0-9-]+T02:00:00\+0[12]:00' \
	"it prints the schedule with its next fire in Berlin"
CID=$(curl -s "$URL/api/schedules" | jq '[.schedules[] | select(.cron == "0 2 * * *")][0].id')
is "$(curl -s "$URL/api/schedules/$CID" | jq -c '[.overrides, .overlap]')" '[{"vus":1},"skip"]' \
	"with its overrides and policy"
out=$("$RAMPAGE" schedule add tiny --cron '0 25 * * *' $SRV 2>&1)
is "$?" 1 "a bad cron from the CLI: exit 1"
like "$out" 'cron: hour: 25 is outside 0-23' "naming the field and the value"
like "$("$RAMPAGE" schedules $SRV)" "^ *$CID +tiny" "rampage schedules lists it"
like "$("$RAMPAGE" schedule pause "$CID" $SRV)" 'paused' "rampage schedule pause"
is "$(curl -s "$URL/api/schedules/$CID" | jq .paused)" true "pauses it"
"$RAMPAGE" schedule resume "$CID" $SRV >/dev/null
is "$(curl -s "$URL/api/schedules/$CID" | jq .paused)" false "rampage schedule resume resumes it"
like "$("$RAMPAGE" schedule run "$CID" $SRV)" '^run [0-9]+ queued$' "rampage schedule run starts a run"
like "$("$RAMPAGE" schedule rm "$CID" $SRV)" 'deleted' "rampage schedule rm"
is "$(http_status GET "$URL/api/schedules/$CID")" 404 "deletes it"
"$RAMPAGE" schedule frob 1 $SRV 2>/dev/null
is "$?" 2 "an unknown verb: exit 2"
done_testing
