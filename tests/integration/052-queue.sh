#!/bin/sh
# The run queue with runs.max_concurrent_runs = 1: a second run waits at position 1 and starts only
# when the first has ended; a queued run can be cancelled (stop) or deleted; the queue is published
# on the websocket; at a restart the running run is aborted and the queued one picked up again.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
printf '[runs]\nmax_concurrent_runs = 1\nworkers = 1\n' >"$SANDBOX/queue.conf"
# a later --config wins over lib.sh's --config /dev/null
start_daemon --config "$SANDBOX/queue.conf"

# run NAME DURATION: queues an inline constant-vus run; prints the reply
run() {
	curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"$1\", \"baseUrl\": \"$DEMO_URL\",
		\"vus\": 1, \"duration\": \"$2\", \"tasks\": [{\"path\": \"/api/health\"}]}}"
}
state() { curl -s "$URL/api/runs/$1" | jq -r .state; }
# wait_state ID STATE...: waits (10 s) until the run is in one of the states
wait_state() {
	local id=$1 s; shift
	for _ in $(seq 200); do
		s=$(state "$id")
		for want in "$@"; do [ "$s" = "$want" ] && return 0; done
		sleep 0.05
	done
	return 1
}

# watch the `runs` topic for the whole test
cat >"$SANDBOX/watch.py" <<'EOF'
import asyncio, json, sys
import websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/api/live" % sys.argv[1]) as ws:
        await ws.send(json.dumps({"type": "subscribe", "topics": ["runs"]}))
        while True:
            m = json.loads(await ws.recv())
            if m["type"] in ("queue", "run_state", "subscribed", "run_deleted"):
                print(json.dumps(m), flush=True)
asyncio.run(main())
EOF
/usr/bin/python3 "$SANDBOX/watch.py" "$PORT" >"$SANDBOX/watch.out" 2>"$SANDBOX/watch.err" &
PIDS="$PIDS $!"
wait_for_log "$SANDBOX/watch.out" '"subscribed"' 5 >/dev/null || bail "websocket watcher did not subscribe"

A=$(run first 3s | jq .id)
B=$(run second 1s | jq .id)
ok "$(wait_state "$A" running; echo $?)" "the first run starts"
RB=$(curl -s "$URL/api/runs/$B")
is "$(printf '%s' "$RB" | jq -c '[.state, .position, .started_ms]')" '["queued",1,null]' \
	"the second waits: queued at position 1, not started"
C=$(run third 1s | jq .id)
is "$(curl -s "$URL/api/runs/$C" | jq .position)" 2 "a third waits at position 2"
D=$(run fourth 1s | jq .id)

# cancel and delete while queued
is "$(curl -H 'Content-Type: application/json' -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/runs/$C/stop")" 202 "stopping a queued run: 202"
is "$(curl -s "$URL/api/runs/$C" | jq -c '[.state, .started_ms, (.ended_ms > 0)]')" '["cancelled",null,true]' \
	"it is cancelled: ended without ever starting"
is "$(curl -s "$URL/api/runs/$D" | jq .position)" 2 "the run behind it moves up"
is "$(http_status DELETE "$URL/api/runs/$D" -H 'X-Rampage-Client: test')" 204 "deleting a queued run: 204"
is "$(http_status GET "$URL/api/runs/$D")" 404 "it is gone"
is "$(curl -s "$URL/api/runs/$B" | jq .position)" 1 "the second is still next"

ok "$(wait_state "$B" finished; echo $?)" "the second runs after the first and finishes (no thresholds)"
RA=$(curl -s "$URL/api/runs/$A")
RB=$(curl -s "$URL/api/runs/$B")
is "$(printf '%s' "$RA" | jq -r .state)" finished "the first finished"
ok "$([ "$(printf '%s' "$RB" | jq .started_ms)" -ge "$(printf '%s' "$RA" | jq .ended_ms)" ]; echo $?)" \
	"the second started only when the first had ended (max_concurrent_runs = 1)"
is "$(curl -s "$URL/api/runs?state=queued" | jq '.runs | length')" 0 "nothing is left in the queue"

sleep 0.3
positions() { # positions ID: the run's position in each published queue it appears in
	jq -c "select(.type == \"queue\") | .queued[] | select(.run_id == $1) | .position" "$SANDBOX/watch.out" |
		jq -s -c .
}
is "$(positions "$D")" '[3,2]' "the queue is published on the runs topic: the fourth run at 3, then 2"
is "$(positions "$B" | jq -c unique)" '[1]' "the second run always at 1"
is "$(jq -c "select(.type == \"run_state\" and .run_id == $C) | .state" "$SANDBOX/watch.out" | jq -s -c .)" \
	'["queued","cancelled"]' "a cancelled run's states are published"
is "$(jq -c "select(.type == \"run_deleted\") | .run_id" "$SANDBOX/watch.out")" "$D" \
	"a deleted run is announced"
is "$(jq -c "select(.type == \"run_state\" and .run_id == $B) | .state" "$SANDBOX/watch.out" | jq -s -c .)" \
	'["queued","running","finished"]' "the second run's states in order"

# restart: the running run is aborted, the queued one runs at the next start
E=$(run long 30s | jq .id)
F=$(run after 1s | jq .id)
ok "$(wait_state "$E" running; echo $?)" "a long run is running"
is "$(state "$F")" queued "another waits"
stop_daemon TERM
is "$DAEMON_STATUS" 0 "the daemon stops cleanly with a run in progress"
start_daemon --config "$SANDBOX/queue.conf"
RE=$(curl -s "$URL/api/runs/$E")
is "$(printf '%s' "$RE" | jq -r .state)" aborted "the run that was running is aborted"
like "$(printf '%s' "$RE" | jq -r .error)" 'daemon stopped' "saying the daemon stopped"
is "$(printf '%s' "$RE" | jq -r '.summary.metrics.http_reqs.type')" counter "its summary was stored on the way out"
like "$(cat "$DAEMON_LOG")" 'queued run picked up again' "the new daemon picks up the queued run"
ok "$(wait_state "$F" finished; echo $?)" "and runs it to the end"

is "$(curl -s "$URL/api/health" | jq -r .status)" ok "the daemon is healthy"
done_testing
