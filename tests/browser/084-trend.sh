#!/bin/sh
# A test's page in a real browser: the trend charts (p95, throughput, error rate) of its runs with
# the change point drawn and its sentence listed, the baseline named; the history's VUs column; ticking
# two runs gives the compare link (#/runs/NEWER/compare?to=OLDER), a third tick drops the first, a
# run that did not end with data cannot be ticked. The runs' figures are written straight into the
# database (12 runs a day apart, p95 18% higher from the 7th; one more run ended in error).
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo
start_daemon --web-root "$WEB_ROOT"
DB="$SANDBOX/rampage.db"

TEST=$(printf '{"name": "trend page", "baseUrl": "%s", "vus": 1, "duration": "1s", "tasks": [{"name": "users", "path": "/api/users"}]}' "$DEMO_URL" |
	curl -s -H 'Content-Type: application/json' -X POST --data-binary @- "$URL/api/tests" | jq -r .id)
[ -n "$TEST" ] && [ "$TEST" != null ] || bail "cannot create the test"
sqlite3 "$DB" <<SQL || bail "cannot write the figures"
CREATE TEMP TABLE s (i, p95, rps, err);
INSERT INTO s VALUES (1, 10000, 500, 0), (2, 10200, 505, 0), (3, 9900, 495, 0), (4, 10100, 502, 0),
	(5, 9800, 498, 0), (6, 10000, 500, 0), (7, 11600, 420, 0.02), (8, 11800, 425, 0.021),
	(9, 11900, 415, 0.019), (10, 11700, 421, 0.02), (11, 11900, 419, 0.02), (12, 11900, 420, 0.02);
INSERT INTO runs (test_id, name, definition, state, trigger, queued_ms, started_ms, ended_ms, summary)
	SELECT $TEST, 'trend page', '{}', 'passed', 'schedule', 1796263200000 + (i - 7) * 86400000,
	1796263200000 + (i - 7) * 86400000, 1796263200000 + (i - 7) * 86400000 + 60000, '{}' FROM s ORDER BY i;
CREATE TEMP TABLE r AS SELECT s.*, (SELECT min(id) FROM runs WHERE test_id = $TEST) + i - 1 AS id FROM s;
INSERT INTO run_figures (run_id, endpoint, requests, failures, error_rate, rps, lat_mean_us, lat_p50_us,
	lat_p95_us, lat_p99_us, duration_us, vus)
	SELECT id, 0, rps * 60, rps * 60 * err, err, rps, p95 / 2, p95 / 2, p95, p95 * 2, 60000000, 10 FROM r;
INSERT INTO baselines (test_id, run_id, set_ms) SELECT $TEST, id, 0 FROM r WHERE i = 3;
INSERT INTO runs (test_id, name, definition, state, trigger, queued_ms, error)
	VALUES ($TEST, 'trend page', '{}', 'error', 'api', 1796263200000 + 6 * 86400000, 'could not run');
SQL
FIRST=$(sqlite3 "$DB" "SELECT min(id) FROM runs WHERE test_id = $TEST")

BASE=$URL SANDBOX=$SANDBOX TEST=$TEST FIRST=$FIRST node "$TOP_SRCDIR/tests/browser/trend.mjs"
