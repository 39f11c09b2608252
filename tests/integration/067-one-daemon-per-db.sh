#!/bin/sh
# One database, one daemon: a second `rampage serve` on a database another daemon has open is
# refused (exit 2, the message names the first one's pid) before it touches the file, so it cannot
# take the first daemon's running run for a crashed one and mark it aborted. The lock goes with
# the process: after kill -9 the file is free again.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
start_daemon
FIRST_PID=$DAEMON_PID
FIRST_URL=$URL
RUN=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"long\", \"baseUrl\": \"$DEMO_URL\",
	\"vus\": 1, \"duration\": \"60s\", \"tasks\": [{\"path\": \"/api/health\"}]}}" | jq .id)
like "$RUN" '^[0-9]+$' "a 60 s run is queued on the first daemon"
for _ in $(seq 100); do
	[ "$(curl -s "$URL/api/runs/$RUN" | jq -r .state)" = running ] && break
	sleep 0.05
done
is "$(curl -s "$URL/api/runs/$RUN" | jq -r .state)" running "and running"

ERR=$(timeout 10 "$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$SANDBOX/rampage.db" \
	--web-root "$TOP_SRCDIR/web" 2>&1)
STATUS=$?
is "$STATUS" 2 "a second daemon on the same database: exit 2"
like "$ERR" "$SANDBOX/rampage.db is in use by another rampage \(pid $FIRST_PID" \
	"the message names the database and the first daemon's pid"
# The same database by another name (a symbolic link to its folder) shares the lock.
ln -s "$SANDBOX" "$SANDBOX/alias"
ERR=$(timeout 10 "$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$SANDBOX/alias/rampage.db" \
	--web-root "$TOP_SRCDIR/web" 2>&1)
is "$?" 2 "the same database through a symbolic link: exit 2 too"
like "$ERR" "in use by another rampage \(pid $FIRST_PID, lock $SANDBOX/rampage.db.lock\)" \
	"the message names the real lock file"
is "$(curl -s "$FIRST_URL/api/runs/$RUN" | jq -r .state)" running "the first daemon's run is still running"
is "$(sqlite3 "$SANDBOX/rampage.db" "SELECT state FROM runs WHERE id = $RUN")" running \
	"and the database says so (not aborted)"
kill -0 "$FIRST_PID" 2>/dev/null; ok $? "the first daemon runs on"

# Another database beside it is not affected.
start_daemon --db "$SANDBOX/other.db"
is "$(curl -s "$URL/api/health" | jq -r .status)" ok "a daemon on another database starts"
stop_daemon

DAEMON_PID=$FIRST_PID
kill -9 "$FIRST_PID"
wait "$FIRST_PID" 2>/dev/null
[ -e "$SANDBOX/rampage.db.lock" ]; ok $? "kill -9 leaves the lock file behind"
start_daemon
is "$(curl -s "$URL/api/runs/$RUN" | jq -r .state)" aborted \
	"the next daemon starts on it anyway (the lock died with the process) and marks the run aborted"
stop_daemon
is "$DAEMON_STATUS" 0 "and stops cleanly"
done_testing
