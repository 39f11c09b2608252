#!/bin/sh
# The database across daemon restarts: the first start creates it with the current schema in WAL mode,
# a clean restart leaves existing data untouched, and a run that was live when the daemon was killed
# (kill -9) is marked aborted at the next start while finished runs stay as they were; a run still
# queued is not aborted but handed to the run queue again (here its empty definition makes it `error`).
. "$TOP_SRCDIR/tests/integration/lib.sh"

command -v sqlite3 >/dev/null 2>&1 || bail "the sqlite3 command is needed (apt-get install sqlite3)"
DB="$SANDBOX/rampage.db"
q() { sqlite3 -batch -cmd '.timeout 5000' "$DB" "$@"; }
TABLES="tests schedules runs endpoints samples sample_histograms run_histograms run_status_codes run_checks baselines"
# Every row of every table of the schema, as SQL text.
dump_data() { for t in $TABLES; do q ".dump $t"; done; }

[ ! -e "$DB" ]; ok $? "no database before the first start"
start_daemon
[ -f "$DB" ]; ok $? "the first start creates the database file"
# the schema version is that of the last migration in sql/
LATEST=$(ls "$TOP_SRCDIR"/sql/ | sed -n 's/^0*\([0-9][0-9]*\)-.*\.sql$/\1/p' | sort -n | tail -1)
is "$(q 'PRAGMA user_version')" "$LATEST" "with user_version $LATEST (the last file of sql/)"
is "$(q 'PRAGMA journal_mode')" wal "in WAL mode"
n=0; for t in $TABLES; do
	[ "$(q "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '$t'")" = 1 ] && n=$((n + 1))
done
is "$n" 10 "and every table of the schema"
stop_daemon
is "$DAEMON_STATUS" 0 "the daemon stops cleanly"

# Existing data of every kind survives a clean restart untouched. (The schedule is paused: an enabled
# one due in 1970 would rightly get its missed fires recorded: 161-schedule-crash.sh.)
q "INSERT INTO tests (id, name, definition, created_ms, updated_ms) VALUES (1, 'smoke', '{\"vus\":1}', 1000, 1000);
   INSERT INTO schedules (test_id, cron, enabled, created_ms, updated_ms, next_fire_ms) VALUES (1, '0 3 * * *', 0, 1000, 1000, 5000);
   INSERT INTO runs (id, test_id, name, definition, state, trigger, queued_ms, started_ms, ended_ms, summary)
     VALUES (1, 1, 'smoke', '{\"vus\":1}', 'finished', 'api', 1000, 2000, 9000, '{}');
   INSERT INTO endpoints VALUES (1, 1, 'GET /health', 'GET');
   INSERT INTO samples (run_id, endpoint, second, requests, lat_p95_us) VALUES (1, 0, 0, 10, 900), (1, 1, 0, 10, 900);
   INSERT INTO sample_histograms VALUES (1, 1, 0, x'0102');
   INSERT INTO run_histograms (run_id, endpoint, hist) VALUES (1, 0, x'0304');
   INSERT INTO run_status_codes VALUES (1, 0, 200, 10);
   INSERT INTO run_checks VALUES (1, 'is 200', 10, 0);
   INSERT INTO baselines VALUES (1, 1, 9500);"
before=$(dump_data)
start_daemon
stop_daemon
is "$(dump_data)" "$before" "a clean restart leaves every row untouched"
is "$(q 'SELECT count(*) FROM samples')" 2 "(the dump did hold the data)"

# A crash while runs are live: rows written behind the running daemon's back (WAL lets the CLI write
# while the daemon holds the database open), then kill -9.
start_daemon
now=$(date +%s000)
q "INSERT INTO runs (id, name, definition, state, trigger, queued_ms, started_ms) VALUES
     (2, 'live', '{}', 'running', 'api', $now, $((now - 60000))),
     (3, 'ending', '{}', 'stopping', 'schedule', $now, $((now - 60000))),
     (4, 'waiting', '{}', 'queued', 'cli', $now, NULL);
   INSERT INTO samples (run_id, endpoint, second, requests) VALUES (2, 0, 0, 1), (2, 0, 1, 1), (2, 0, 2, 1);"
stop_daemon KILL
is "$(q 'SELECT state FROM runs WHERE id = 2')" running "after kill -9 the run is still marked running"
start_daemon
for _ in $(seq 100); do [ "$(q 'SELECT state FROM runs WHERE id = 4')" = queued ] || break; sleep 0.05; done
is "$(q 'SELECT state FROM runs ORDER BY id' | tr '\n' ' ')" "finished aborted aborted error " \
	"the restart marks running and stopping runs aborted, leaves finished ones, requeues queued ones"
like "$(q 'SELECT error FROM runs WHERE id = 2')" 'daemon stopped unexpectedly' "an aborted run says why"
is "$(q 'SELECT ended_ms - started_ms FROM runs WHERE id = 2')" 3000 "and ends after its last recorded second"
is "$(q 'SELECT ended_ms IS NOT NULL FROM runs WHERE id = 3')" 1 "a run without samples gets an end time too"
like "$(q 'SELECT error FROM runs WHERE id = 4')" 'definition' "the requeued run was validated again (its definition is empty)"
is "$(q 'SELECT started_ms IS NULL FROM runs WHERE id = 4')" 1 "and never started"
like "$(cat "$DAEMON_LOG")" '2 runs left running .* marked aborted' "the daemon logs how many runs it aborted"
is "$(q 'SELECT count(*) FROM samples WHERE run_id = 2')" 3 "the crashed run's samples are kept"
stop_daemon
is "$DAEMON_STATUS" 0 "the daemon stops cleanly after recovering"
start_daemon
stop_daemon
! grep -q 'marked aborted' "$DAEMON_LOG"; ok $? "a third start has nothing to recover"
done_testing
