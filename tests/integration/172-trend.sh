#!/bin/sh
# A test's trend (GET /api/tests/{id}/trend): each run that ends with data stores its headline
# figures (run_figures) with its final state (real runs against the demo target at 5 ms, then 50 ms,
# a request); the trend lists one point per run, oldest first; on figures written straight into the
# database (a machine shared with builds makes a real run's p95 too noisy for an exact assertion),
# it finds the change point at the right run with the right sign and sentence for latency (rose),
# throughput (fell) and errors; bad input is a 400 naming the parameter; the baseline is marked;
# the migration's backfill from stored summaries gives the same figures as the runs wrote.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
start_daemon
DB="$SANDBOX/rampage.db"

def() { # def DELAY_MS: a 1-VU, 1-second test whose requests take DELAY_MS at the target
	printf '{"name": "trend", "baseUrl": "%s", "vus": 1, "duration": "1s",
	  "tasks": [{"name": "users", "path": "/api/users?delay_ms=%s"}]}' "$DEMO_URL" "$1"
}
TEST=$(def 5 | curl -s -H 'Content-Type: application/json' -X POST --data-binary @- "$URL/api/tests" | jq -r .id)
like "$TEST" '^[0-9]+$' "test created"

RUNS=""
run_once() { # starts a run of the test and waits for its end
	local id st
	id=$(curl -s -H 'Content-Type: application/json' -X POST -d '{}' "$URL/api/tests/$TEST/runs" | jq -r .id)
	for _ in $(seq 100); do
		st=$(curl -s "$URL/api/runs/$id" | jq -r .state)
		case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
	done
	RUNS="$RUNS $id"
	LAST_STATE=$st
}
for _ in 1 2; do run_once; done
is "$LAST_STATE" finished "a 1 s run at 5 ms a request ends (no thresholds: finished)"
def 50 | curl -s -o /dev/null -H 'Content-Type: application/json' -X PUT --data-binary @- "$URL/api/tests/$TEST"
for _ in 1 2; do run_once; done
is "$LAST_STATE" finished "a 1 s run at 50 ms a request ends (no thresholds: finished)"
set -- $RUNS

# --- the figures are stored with the end, from the whole-run histogram (as the summary's)
is "$(sqlite3 "$DB" "SELECT count(*) FROM run_figures")" 8 "each run stored its total and its endpoint"
SUM=$(curl -s "$URL/api/runs/$3/summary")
is "$(sqlite3 "$DB" "SELECT lat_p95_us || ' ' || requests || ' ' || failures FROM run_figures WHERE run_id = $3 AND endpoint = 0")" \
	"$(printf '%s' "$SUM" | jq -r '"\(.rampage.total.duration["p(95)"] * 1000 | round) \(.rampage.total.requests) \(.rampage.total.failed)"')" \
	"p95, requests and failures equal the summary's"
is "$(sqlite3 "$DB" "SELECT vus FROM run_figures WHERE run_id = $3 AND endpoint = 0")" 1 "the VUs (1)"

# --- the trend of real runs: one point per run, oldest first, the slower target's runs slower
T=$(curl -s "$URL/api/tests/$TEST/trend?metric=p95")
is "$(printf '%s' "$T" | jq -c '[.points[].run]')" "[$1,$2,$3,$4]" "one point per run, oldest first"
is "$(printf '%s' "$T" | jq -c '[.metric, .unit, .endpoint, .baseline_run]')" '["p95","us","total",null]' \
	"p95 in microseconds, every endpoint together, no baseline"
is "$(printf '%s' "$T" | jq -c '[.points[0] | .trigger, .state, .baseline, .vus, (.time_ms > 0), (.duration_us >= 1000000)]')" \
	'["api","finished",false,1,true,true]' "a point says when, how started, how it ended, VUs and length"
is "$(printf '%s' "$T" | jq '.points[0].value')" \
	"$(sqlite3 "$DB" "SELECT lat_p95_us FROM run_figures WHERE run_id = $1 AND endpoint = 0")" "its value is the stored figure"
ok "$(printf '%s' "$T" | jq -e '[.points[].value] | .[2] >= 50000 and .[3] >= 50000 and .[0] < .[2] and .[1] < .[3]' >/dev/null; echo $?)" \
	"the runs at 50 ms a request have the higher p95 ($(printf '%s' "$T" | jq -c '[.points[].value]'))"
is "$(curl -s "$URL/api/tests/$TEST/trend?endpoint=users&metric=p50" | jq -c '[.endpoint, (.points | length)]')" \
	'["users",4]' "one endpoint by name"
is "$(curl -s "$URL/api/tests/$TEST/trend?limit=2" | jq -c '[.points[].run]')" "[$3,$4]" \
	"limit: the most recent runs, oldest first"

# --- change points, on figures written straight into the database (12 runs, one a day at 02:00:
# p95 10 ms, then 18% slower from the 7th; throughput 16% lower; errors from none to 2%)
B=$(def 5 | sed 's/"trend"/"trend b"/' | curl -s -H 'Content-Type: application/json' -X POST --data-binary @- "$URL/api/tests" | jq -r .id)
sqlite3 "$DB" <<SQL
CREATE TEMP TABLE s (i, p95, rps, err);
INSERT INTO s VALUES (1, 10000, 500, 0), (2, 10200, 505, 0), (3, 9900, 495, 0), (4, 10100, 502, 0),
	(5, 9800, 498, 0), (6, 10000, 500, 0), (7, 11600, 420, 0.02), (8, 11800, 425, 0.021),
	(9, 11900, 415, 0.019), (10, 11700, 421, 0.02), (11, 11900, 419, 0.02), (12, 11900, 420, 0.02);
INSERT INTO runs (test_id, name, definition, state, trigger, queued_ms, started_ms, ended_ms, summary)
	SELECT $B, 'trend b', '{}', 'passed', 'schedule', 1796263200000 + (i - 7) * 86400000,
	1796263200000 + (i - 7) * 86400000, 1796263200000 + (i - 7) * 86400000 + 60000, '{}' FROM s ORDER BY i;
CREATE TEMP TABLE r AS SELECT s.*, (SELECT min(id) FROM runs WHERE test_id = $B) + i - 1 AS id FROM s;
INSERT INTO endpoints (run_id, idx, name, method) SELECT id, 1, 'users', 'GET' FROM r;
INSERT INTO run_figures (run_id, endpoint, requests, failures, error_rate, rps, lat_mean_us, lat_p50_us,
	lat_p95_us, lat_p99_us, duration_us, vus)
	SELECT id, e, rps * 60, rps * 60 * err, err, rps, p95 / 2, p95 / 2, p95, p95 * 2, 60000000,
	CASE e WHEN 0 THEN 10 END FROM r, (SELECT 0 AS e UNION ALL SELECT 1);
SQL
B7=$(sqlite3 "$DB" "SELECT min(id) + 6 FROM runs WHERE test_id = $B")
T=$(curl -s "$URL/api/tests/$B/trend")
is "$(printf '%s' "$T" | jq '.points | length')" 12 "twelve points"
is "$(printf '%s' "$T" | jq -c '[.change_points[] | [.run, .index, .direction, .trigger]]')" "[[$B7,6,\"rose\",\"schedule\"]]" \
	"one change point, at the 7th run, rising"
CP=$(printf '%s' "$T" | jq -c '.change_points[0]')
ok "$(printf '%s' "$CP" | jq -e '.mean_before == 10000 and .mean_after == 11800 and (.change - 0.18 | fabs) < 1e-9 and .pvalue < 0.001' >/dev/null; echo $?)" \
	"with the means before and after, the relative change and the p-value ($CP)"
is "$(printf '%s' "$CP" | jq -r .message)" "p95 rose 18% at run $B7 (2026-12-03 02:00, scheduled)" "and a sentence"
is "$(curl -s "$URL/api/tests/$B/trend?metric=rps" | jq -r '.change_points[] | .message')" \
	"requests/s fell 16% at run $B7 (2026-12-03 02:00, scheduled)" "throughput fell at the same run"
is "$(curl -s "$URL/api/tests/$B/trend?metric=error_rate" | jq -r '.change_points[] | .message')" \
	"error rate rose from 0.0% to 2.0% at run $B7 (2026-12-03 02:00, scheduled)" "the error rate, as rates"
is "$(curl -s "$URL/api/tests/$B/trend?endpoint=users&metric=p99" | jq -c '[.change_points[] | .run]')" "[$B7]" \
	"one endpoint's p99"
is "$(curl -s "$URL/api/tests/$B/trend?limit=6" | jq -c '[(.points | length), .change_points]')" '[6,[]]' \
	"the last six runs alone: one level, no change point"
sqlite3 "$DB" "UPDATE runs SET state = 'error' WHERE id = $B7; UPDATE runs SET state = 'running' WHERE id = $B7 + 1"
is "$(curl -s "$URL/api/tests/$B/trend" | jq -c '[(.points | length), (.points | map(.run) | index('"$B7"'))]')" '[10,null]' \
	"runs that did not end with data are not points"
sqlite3 "$DB" "UPDATE runs SET state = 'passed' WHERE id IN ($B7, $B7 + 1)"

# --- the baseline (the baselines table as sql/001 has it)
set -- $RUNS
sqlite3 "$DB" "INSERT INTO baselines (test_id, run_id, set_ms) VALUES ($TEST, $2, 0)"
T=$(curl -s "$URL/api/tests/$TEST/trend")
is "$(printf '%s' "$T" | jq -c '[.baseline_run, [.points[] | select(.baseline) | .run]]')" "[$2,[$2]]" \
	"the baseline run is marked, and only it"

# --- bad input
for q in metric=p90 metric= limit=0 limit=1001 limit=abc endpoint=nope color=red; do
	r=$(curl -s -w '\n%{http_code}' "$URL/api/tests/$TEST/trend?$q")
	p=${q%%=*}
	is "$(printf '%s\n' "$r" | tail -1) $(printf '%s\n' "$r" | sed '$d' | jq -r .error.parameter)" "400 $p" "?$q: 400 naming $p"
done
like "$(curl -s "$URL/api/tests/$TEST/trend?metric=p90" | jq -r .error.message)" 'p50, p95, p99, mean, rps, error_rate' \
	"the message lists the metrics"
is "$(http_status GET "$URL/api/tests/99999/trend")" 404 "an unknown test: 404"
is "$(http_status POST "$URL/api/tests/$TEST/trend" -H 'Content-Type: application/json')" 405 "GET only"

# --- backfill: a database from before sql/007 gets its runs' figures from their summaries
FIGURES="SELECT run_id, endpoint, requests, failures, lat_mean_us, lat_p50_us, lat_p95_us, lat_p99_us,
	duration_us, vus, round(error_rate, 6) FROM run_figures
	WHERE run_id IN (SELECT id FROM runs WHERE test_id = $TEST) ORDER BY 1, 2"
# requests/s is stored with the summary's precision (a float in its JSON): compared apart, within 1e-5
RPS="SELECT run_id, endpoint, rps FROM run_figures WHERE run_id IN (SELECT id FROM runs WHERE test_id = $TEST) ORDER BY 1, 2"
sqlite3 "$DB" "$FIGURES" >"$SANDBOX/written"
sqlite3 "$DB" "$RPS" >"$SANDBOX/rps-written"
stop_daemon
# The backfill is the second half of sql/007-run-figures.sql; later migrations cannot be undone
# generically, so it is applied again, on its own, to a table emptied of the rows the runs wrote.
sqlite3 "$DB" "DELETE FROM run_figures"
is "$(sqlite3 "$DB" "SELECT count(*) FROM run_figures")" 0 "the written figures removed"
sed -n '/^-- Runs that ended before this version/,$p' "$TOP_SRCDIR/sql/007-run-figures.sql" | sqlite3 "$DB"
start_daemon
sqlite3 "$DB" "$FIGURES" >"$SANDBOX/backfilled"
sqlite3 "$DB" "$RPS" >"$SANDBOX/rps-backfilled"
is "$(paste -d'|' "$SANDBOX/rps-written" "$SANDBOX/rps-backfilled" | awk -F'|' '
	$1 != $4 || $2 != $5 || ($3 - $6 > 1e-5 * $3) || ($6 - $3 > 1e-5 * $3) { bad++ } END { print NR ":" bad + 0 }')" "8:0" \
	"and requests/s equal within 1e-5 ($(paste -d' ' "$SANDBOX/rps-written" "$SANDBOX/rps-backfilled" | head -1))"
ok "$(cmp -s "$SANDBOX/written" "$SANDBOX/backfilled"; echo $?)" "the backfilled figures equal the ones the runs wrote"
[ -s "$SANDBOX/written" ] || diag "no figures were read"
cmp -s "$SANDBOX/written" "$SANDBOX/backfilled" || diff "$SANDBOX/written" "$SANDBOX/backfilled" | sed 's/^/# /'
is "$(wc -l <"$SANDBOX/backfilled")" 8 "(the four real runs, total and endpoint)"
is "$(curl -s "$URL/api/tests/$TEST/trend" | jq -c '[.points[].run]')" "[$1,$2,$3,$4]" "and the trend reads them"
is "$(sqlite3 "$DB" "SELECT count(*) FROM run_figures WHERE run_id IN (SELECT id FROM runs WHERE test_id = $B)")" 0 \
	"a summary without rampage.total (the inserted runs' '{}') gives no figures"

done_testing
