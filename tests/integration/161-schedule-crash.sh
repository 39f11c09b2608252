#!/bin/sh
# Schedules across crashes and outages. kill -9 the daemon between fires (and at other moments) and
# restart: no due time is handled twice, none is left out, and every run of the schedule has its fire
# record (the fire and its run are one transaction). A long outage (the cursor set 10 minutes back
# while the daemon is down, as if it had been down that long): the missed fires are ONE record per
# outage, and catch-up does what the policy says: `latest` starts one run for the latest, `none`
# starts nothing, a max age older than the latest starts nothing. Overlap `skip` records skipped
# fires while a long run goes on, naming that run.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
start_daemon
J='Content-Type: application/json'
DB="$SANDBOX/rampage.db"
post() { curl -s -H "$J" -X "${3:-POST}" "$URL$1" -d "$2"; }
fires() { sqlite3 "$DB" "SELECT count(*) FROM schedule_fires WHERE schedule_id = $1"; }
# wait_fires ID N: until schedule ID has N records (30 s)
wait_fires() { for _ in $(seq 300); do [ "$(fires "$1")" -ge "$2" ] && return 0; sleep 0.1; done; return 1; }
# covered ID: the due times schedule ID's records stand for, one per line, checked for gaps and
# repeats: prints "ok N" or what is wrong
covered() {
	curl -s "$URL/api/schedules/$1/fires?limit=500" | jq -r '
		[.fires[] | if .last_due_ms then [range(.due_ms; .last_due_ms + 1; 2000)] else [.due_ms] end
		  | . as $r | $r] as $ranges
		| ([.fires[].count] | add) as $counted
		| ([$ranges[][]] | sort) as $d
		| if ($d | length) != $counted then "count mismatch: \($counted) counted, \($d | length) due times"
		  elif ($d | unique | length) != ($d | length) then "a due time twice"
		  elif ([range(1; $d | length) | $d[.] - $d[. - 1]] | unique) != [2000] then "a gap"
		  else "ok \($d | length)" end'
}

TINY=$(post /api/tests "{\"name\": \"tiny\", \"baseUrl\": \"$DEMO_URL\", \"vus\": 1,
	\"tasks\": [{\"path\": \"/api/health\"}]}" | jq .id)
LONG=$(post /api/tests "{\"name\": \"long\", \"baseUrl\": \"$DEMO_URL\", \"vus\": 1, \"duration\": \"5s\",
	\"tasks\": [{\"path\": \"/api/health\"}]}" | jq .id)

# ---- kill -9 at several moments, restart at once
A=$(post /api/schedules "{\"test_id\": $TINY, \"cron\": \"*/2 * * * * *\", \"overlap\": \"queue\"}" | jq .id)
wait_fires "$A" 2 || bail "schedule A does not fire"
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null   # right after a fire
start_daemon
n=$(fires "$A")
wait_fires "$A" $((n + 2)) || bail "schedule A does not fire after the restart"
sleep 0.9                                               # between two fires
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
start_daemon
n=$(fires "$A")
wait_fires "$A" $((n + 1))
sleep 1.7                                               # just before the next
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
start_daemon
n=$(fires "$A")
wait_fires "$A" $((n + 2))
post "/api/schedules/$A" '{"paused": true}' PATCH >/dev/null
is "$(covered "$A" | cut -d' ' -f1)" ok "after three kill -9s: every due time once, none left out ($(covered "$A"))"
is "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT due_ms FROM schedule_fires GROUP BY schedule_id, due_ms HAVING count(*) > 1)")" 0 \
	"no due time recorded twice"
is "$(sqlite3 "$DB" "SELECT count(*) FROM runs r WHERE schedule_id = $A AND NOT EXISTS (SELECT 1 FROM schedule_fires f WHERE f.run_id = r.id)")" 0 \
	"no run of the schedule without its fire"
is "$(sqlite3 "$DB" "SELECT count(*) FROM schedule_fires WHERE schedule_id = $A AND outcome = 'started' AND run_id IS NULL")" 0 \
	"no started fire without its run"
is "$(sqlite3 "$DB" "SELECT count(DISTINCT run_id) = count(*) FROM schedule_fires WHERE schedule_id = $A")" 1 \
	"each fire its own run"

# ---- a long outage: latest, none, and a max age the latest is older than
B=$(post /api/schedules "{\"test_id\": $TINY, \"cron\": \"*/2 * * * * *\", \"paused\": true, \"catchup\": \"latest\"}" | jq .id)
C=$(post /api/schedules "{\"test_id\": $TINY, \"cron\": \"*/2 * * * * *\", \"paused\": true, \"catchup\": \"none\"}" | jq .id)
D=$(post /api/schedules "{\"test_id\": $TINY, \"cron\": \"*/2 * * * * *\", \"paused\": true, \"catchup_max_age\": \"1m\"}" | jq .id)
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
NOW=$(date +%s%3N)
T0=$(( (NOW - 600000) / 2000 * 2000 ))
sqlite3 "$DB" "UPDATE schedules SET enabled = 1, next_fire_ms = $T0 WHERE id IN ($B, $C, $D)"
start_daemon
wait_fires "$B" 3; wait_fires "$C" 3; wait_fires "$D" 3
for s in $B $C $D; do post "/api/schedules/$s" '{"paused": true}' PATCH >/dev/null; done
for s in $B $C $D; do
	is "$(covered "$s" | cut -d' ' -f1)" ok "schedule $s: every due time since the outage began accounted once ($(covered "$s"))"
done
FB=$(curl -s "$URL/api/schedules/$B/fires?limit=500" | jq '.fires | sort_by(.due_ms)')
is "$(printf '%s' "$FB" | jq -c '[.[0].outcome, .[0].due_ms == '"$T0"', .[0].count > 250]')" '["missed",true,true]' \
	"latest: the outage's missed fires are one record from its first due time ($(printf '%s' "$FB" | jq '.[0].count') fires)"
like "$(printf '%s' "$FB" | jq -r '.[0].reason')" 'catch-up started the latest' "which says catch-up started the latest"
is "$(printf '%s' "$FB" | jq -c '[.[1].outcome, .[1].due_ms == .[0].last_due_ms + 2000, .[1].run_id != null]')" \
	'["started",true,true]' "the latest missed fire started one run"
like "$(printf '%s' "$FB" | jq -r '.[1].reason')" '^catch-up: started [0-9]+s after its due time$' "marked as catch-up"
is "$(sqlite3 "$DB" "SELECT count(*) FROM schedule_fires WHERE schedule_id = $B AND outcome = 'missed'")" 1 \
	"one missed record for the outage, not one per fire"
FC=$(curl -s "$URL/api/schedules/$C/fires?limit=500" | jq '.fires | sort_by(.due_ms)')
is "$(printf '%s' "$FC" | jq -c '[.[0].outcome, .[0].count > 250, .[1].reason]')" '["missed",true,null]' \
	"none: the missed fires are recorded and none is caught up"
like "$(printf '%s' "$FC" | jq -r '.[0].reason')" 'catch-up is none' "and the record says so"
FD=$(curl -s "$URL/api/schedules/$D/fires?limit=500" | jq '.fires | sort_by(.due_ms)')
like "$(printf '%s' "$FD" | jq -r '.[0].reason')" 'older than catchup_max_age \(1m0s\)' \
	"latest with a max age of 1m: the latest missed fire is older, so nothing is caught up"
is "$(printf '%s' "$FD" | jq -c '[.[0].outcome, .[1].reason]')" '["missed",null]' "(the next fire is an ordinary one)"

# ---- overlap skip while a long run goes on
E=$(post /api/schedules "{\"test_id\": $LONG, \"cron\": \"*/2 * * * * *\"}" | jq .id)
for _ in $(seq 300); do
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM schedule_fires WHERE schedule_id = $E AND outcome = 'skipped'")" -ge 2 ] && break
	sleep 0.1
done
post "/api/schedules/$E" '{"paused": true}' PATCH >/dev/null
FE=$(curl -s "$URL/api/schedules/$E/fires?limit=500" | jq '.fires | sort_by(.due_ms)')
FIRST=$(printf '%s' "$FE" | jq '.[0].run_id')
is "$(printf '%s' "$FE" | jq -c '[.[0].outcome, .[1].outcome, .[2].outcome]')" '["started","skipped","skipped"]' \
	"overlap skip: the fires while the 5 s run goes on are skipped"
like "$(printf '%s' "$FE" | jq -r '.[1].reason')" "^overlap skip: the previous run $FIRST is still queued or running\$" \
	"naming the run still going on"
ENDED=$(sqlite3 "$DB" "SELECT coalesce(ended_ms, 9e18) FROM runs WHERE id = $FIRST")
ok "$(printf '%s' "$FE" | jq -e "[.[] | select(.outcome == \"skipped\") | .due_ms < $ENDED] | all" >/dev/null; echo $?)" \
	"and that run had indeed not ended at the skipped due times"
is "$(covered "$E" | cut -d' ' -f1)" ok "skipped fires are accounted too ($(covered "$E"))"
done_testing
