#!/bin/sh
# The run states of docs/api.md (issue 11, items 1 and 7), end to end against the demo target:
#  - a run without thresholds that ends by itself is `finished` with verdict null (never `passed`),
#    however many of its requests failed; `rampage start --wait` exits 0 for it, as k6 does;
#  - thresholds that hold: `passed`; a threshold that fails: `failed`, and `start --wait` exits 99;
#  - a run stopped while a threshold fails: `stopped`, verdict "failed";
#  - a queued run stopped: `cancelled`, never the test's last run, and its summary is a 404 that
#    says why;
#  - the trigger says who started it: `cli` (rampage start), `dashboard`, `api`;
#  - a database of schema version 3 (made by hand from sql/001-003 with sqlite3) is converted when
#    the daemon opens it: passed without thresholds -> finished, stopped before the start ->
#    cancelled, every child row kept, no id given twice.
# Runs are 1 s each at 1 VU, one at a time (max_concurrent_runs = 1), plus one stopped after about
# 2 s; all against 127.0.0.1.
. "$TOP_SRCDIR/tests/integration/lib.sh"

unset RAMPAGE_TOKEN
printf '[runs]\nmax_concurrent_runs = 1\nworkers = 1\n' >"$SANDBOX/states.conf"
start_demo demo
start_daemon --config "$SANDBOX/states.conf"

# mktest NAME DURATION THRESHOLDS-JSON: a saved test of 1 VU whose requests half fail (HTTP 500).
mktest() {
	curl -s -H 'Content-Type: application/json' -X POST "$URL/api/tests" -d "{\"name\": \"$1\",
		\"baseUrl\": \"$DEMO_URL\", \"vus\": 1, \"duration\": \"$2\", \"thresholds\": $3,
		\"tasks\": [{\"path\": \"/api/health\"}, {\"path\": \"/api/health?status=500\"}]}" | jq -r .id
}
# wait_end ID: waits (60 s) until run ID has ended; prints its state.
wait_end() {
	local st=""
	for _ in $(seq 600); do
		st=$(curl -s "$URL/api/runs/$1" | jq -r .state)
		case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
	done
	printf '%s' "$st"
}
NONE=$(mktest no-thresholds 1s '{}')
HOLD=$(mktest holds 1s '{"http_req_duration": ["p(95)<5000"]}')
FAIL=$(mktest fails 1s '{"http_req_failed": ["rate<0.01"]}')
LONG=$(mktest long-failing 30s '{"http_req_failed": ["rate<0.01"]}')
like "$NONE $HOLD $FAIL $LONG" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "four tests saved"

# ---- no thresholds: finished, no verdict, exit 0; started by the CLI
out=$("$RAMPAGE" start "$NONE" --wait --server "$URL" 2>"$SANDBOX/none.err")
is "$?" 0 "start --wait of a run without thresholds exits 0 (k6: the exit code is about thresholds)"
like "$out" "^  state +finished \(no thresholds: no verdict\)\$" "show prints finished, and that no verdict is claimed"
R1=$(curl -s "$URL/api/runs?test=$NONE" | jq '.runs[0]')
RUN1=$(printf '%s' "$R1" | jq .id)
is "$(printf '%s' "$R1" | jq -c '[.state, .verdict, .trigger]')" '["finished",null,"cli"]' \
	"GET /api/runs: finished, verdict null, trigger cli"
ok "$(printf '%s' "$R1" | jq -e '.stats.error_rate > 0.3' >/dev/null; echo $?)" \
	"although its error rate is $(printf '%s' "$R1" | jq .stats.error_rate): no threshold, no verdict"

# ---- thresholds that hold: passed; started from the dashboard
R2=$(curl -s -X POST -H 'X-Rampage-Client: dashboard' "$URL/api/tests/$HOLD/runs")
RUN2=$(printf '%s' "$R2" | jq .id)
is "$(printf '%s' "$R2" | jq -c '[.trigger, .verdict]')" '["dashboard",null]' \
	"a run started with X-Rampage-Client: dashboard is recorded as such; no verdict before its end"
is "$(wait_end "$RUN2")" passed "thresholds that hold: passed"
is "$(curl -s "$URL/api/runs/$RUN2" | jq -r .verdict)" passed "with verdict passed"

# ---- a failing threshold: failed, exit 99
"$RAMPAGE" start "$FAIL" --wait --server "$URL" >"$SANDBOX/fail.out" 2>"$SANDBOX/fail.err"
is "$?" 99 "start --wait of a run failing its threshold exits 99"
R3=$(curl -s "$URL/api/runs?test=$FAIL" | jq '.runs[0]')
is "$(printf '%s' "$R3" | jq -c '[.state, .verdict, .trigger]')" '["failed","failed","cli"]' "failed, verdict failed, trigger cli"

# ---- stopped while a threshold fails; a queued run behind it is cancelled
R4=$(curl -s -X POST -H 'Content-Type: application/json' "$URL/api/tests/$LONG/runs")
RUN4=$(printf '%s' "$R4" | jq .id)
is "$(printf '%s' "$R4" | jq -r .trigger)" api "a run started by another client (curl) is recorded as api"
for _ in $(seq 200); do
	[ "$(curl -s "$URL/api/runs/$RUN4" | jq '.live.total_requests // 0')" -ge 10 ] && break
	sleep 0.1
done
R5=$(curl -s -X POST -H 'X-Rampage-Client: dashboard' "$URL/api/tests/$HOLD/runs")
RUN5=$(printf '%s' "$R5" | jq .id)
is "$(printf '%s' "$R5" | jq -c '[.state, .position]')" '["queued",1]' "a second run waits in the queue"
is "$(curl -s -X POST -H 'X-Rampage-Client: test' "$URL/api/runs/$RUN5/stop" | jq -r .state)" cancelled \
	"stopping the queued run cancels it: state cancelled"
is "$(curl -s -X POST -H 'X-Rampage-Client: test' "$URL/api/runs/$RUN4/stop" | jq -r .state | grep -Ec '^(stopping|stopped)$')" 1 \
	"the running one is stopping"
is "$(wait_end "$RUN4")" stopped "and ends stopped"
R4=$(curl -s "$URL/api/runs/$RUN4")
is "$(printf '%s' "$R4" | jq -c '[.verdict, (.thresholds | map(.ok))]')" '["failed",[false]]' \
	"a stopped run says how its thresholds stood: verdict failed"
like "$("$RAMPAGE" show "$RUN4" --server "$URL")" "state +stopped \(thresholds failed\)" "show: stopped (thresholds failed)"

R5=$(curl -s "$URL/api/runs/$RUN5")
is "$(printf '%s' "$R5" | jq -c '[.state, .verdict, .started_ms, .stats, .summary]')" '["cancelled",null,null,null,null]' \
	"the cancelled run never started: no verdict, no stats, no summary"
is "$(http_status GET "$URL/api/runs/$RUN5/summary")" 404 "its summary: 404"
like "$(curl -s "$URL/api/runs/$RUN5/summary" | jq -r .error.message)" "cancelled before it started" "saying why"
is "$(curl -s "$URL/api/runs/$RUN5/samples" | jq '.samples | length')" 0 "it has no samples"
T=$(curl -s "$URL/api/tests" | jq ".tests[] | select(.id == $HOLD)")
is "$(printf '%s' "$T" | jq -c '[.runs, .last_run.id, .last_run.state, .last_run.verdict, [.recent[].id]]')" \
	"[2,$RUN2,\"passed\",\"passed\",[$RUN2]]" \
	"the tests list: the cancelled run is counted but is not the last run (the passed one is) nor a recent one"
like "$("$RAMPAGE" tests --server "$URL" | grep " holds\$")" "^ +$HOLD +2 +$RUN2 .* passed +holds\$" "rampage tests agrees"

# ---- the words in filters, the CLI table and the metrics page
is "$(curl -s "$URL/api/runs?state=finished,cancelled" | jq -c '[.runs[].id]')" "[$RUN5,$RUN1]" "?state= takes the new words"
B=$(curl -s "$URL/api/runs?state=done")
is "$(printf '%s' "$B" | jq -r .error.code)" bad_request "?state=done is refused"
like "$(printf '%s' "$B" | jq -r .error.message)" "finished, stopped, cancelled, aborted, error\), got \"done\"" \
	"naming every state"
out=$("$RAMPAGE" runs --server "$URL")
like "$(printf '%s\n' "$out" | head -1)" "STATE +VERDICT" "rampage runs has a verdict column"
like "$(printf '%s\n' "$out" | grep "^ *$RUN4 ")" " stopped +failed " "a stopped run with its thresholds failed"
like "$(printf '%s\n' "$out" | grep "^ *$RUN1 ")" " finished +- " "a finished run: no verdict"
curl -s "$URL/metrics" >"$SANDBOX/m.txt"
for s in finished cancelled passed failed; do
	like "$(grep "^rampage_runs{state=\"$s\"}" "$SANDBOX/m.txt")" ' [1-9][0-9]*$' "rampage_runs{state=\"$s\"} counts its runs"
done
stop_daemon

# ---- a database of schema version 3, made by hand, converted at open
OLD=$SANDBOX/old.db
for f in 001-init 002-failure-kinds 003-incomplete; do
	sqlite3 "$OLD" <"$TOP_SRCDIR/sql/$f.sql" || bail "sqlite3 cannot apply sql/$f.sql"
done
sqlite3 "$OLD" "PRAGMA user_version = 3;
INSERT INTO tests (id, name, definition, created_ms, updated_ms) VALUES (1, 'old', '{}', 1, 1);
INSERT INTO runs (id, test_id, name, definition, state, trigger, queued_ms, started_ms, ended_ms, summary, thresholds) VALUES
 (1, 1, 'old', '{}', 'passed', 'api', 1000, 2000, 9000, '{}', NULL),
 (2, 1, 'old', '{}', 'passed', 'api', 1000, 2000, 9000, '{}', '[{\"metric\":\"http_req_duration\",\"ok\":true}]'),
 (3, 1, 'old', '{}', 'stopped', 'api', 1000, NULL, 1500, NULL, NULL),
 (4, 1, 'old', '{}', 'stopped', 'api', 1000, 2000, 9000, '{}', '[{\"metric\":\"http_req_failed\",\"ok\":false}]'),
 (5, 1, 'old', '{}', 'queued', 'api', 1000, NULL, NULL, NULL, NULL);
DELETE FROM runs WHERE id = 5;
INSERT INTO endpoints VALUES (1, 1, 'GET /', 'GET');
INSERT INTO samples (run_id, endpoint, second, requests) VALUES (1, 0, 0, 7), (1, 1, 0, 7), (4, 0, 0, 3);
INSERT INTO run_checks VALUES (1, 'ok', 7, 0);
INSERT INTO baselines VALUES (1, 2, 5);" || bail "sqlite3 cannot fill the old database"
start_daemon --config "$SANDBOX/states.conf" --db "$OLD"
like "$(cat "$DAEMON_LOG")" "applied migration [0-9]+-run-states" "the daemon migrates the old database"
is "$(curl -s "$URL/api/runs" | jq -c '[.runs[] | [.id, .state, .verdict]]')" \
	'[[4,"stopped","failed"],[3,"cancelled",null],[2,"passed","passed"],[1,"finished",null]]' \
	"passed without thresholds -> finished, stopped before its start -> cancelled, the rest kept, verdicts computed"
is "$(curl -s "$URL/api/runs/1/samples" | jq -c '[.samples[].requests]')" '[7]' "the old run's samples are kept"
is "$(sqlite3 "file:$OLD?mode=ro" "SELECT (SELECT count(*) FROM samples) || ' ' || (SELECT count(*) FROM endpoints) || ' '
	|| (SELECT count(*) FROM run_checks) || ' ' || (SELECT run_id FROM baselines) || ' '
	|| (SELECT count(*) FROM pragma_foreign_key_check)")" "3 1 1 2 0" \
	"every child row survives the rebuild, none dangling"
N=$(curl -s -X POST -H 'Content-Type: application/json' "$URL/api/runs" -d "{\"definition\": {\"baseUrl\": \"$DEMO_URL\",
	\"vus\": 1, \"duration\": \"1s\", \"tasks\": [{\"path\": \"/api/health\"}]}}" | jq .id)
is "$N" 6 "a new run gets id 6: the deleted run 5's id is not given again"
is "$(wait_end "$N")" finished "and runs to its end on the converted database"
done_testing
