#!/bin/sh
# The run badges (issue 11, items 1 and 7) in headless Chromium at 1280 and 800 px, see
# run-states.mjs: a run without thresholds whose requests half fail shows a neutral FINISHED and its
# error rate, never a green PASSED; a run stopped while its threshold failed shows STOPPED and
# "thresholds failed"; a cancelled queued run is not the test's last run, and its page says it was
# cancelled before it started, with no charts and no k6 summary button.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
printf '[runs]\nmax_concurrent_runs = 1\nworkers = 1\n' >"$SANDBOX/states.conf"
start_demo demo
start_daemon --config "$SANDBOX/states.conf" --web-root "$WEB_ROOT"

# mktest NAME DURATION THRESHOLDS-JSON: a saved test of 1 VU whose requests half fail (HTTP 500).
mktest() {
	curl -s -H 'Content-Type: application/json' -X POST "$URL/api/tests" -d "{\"name\": \"$1\",
		\"baseUrl\": \"$DEMO_URL\", \"vus\": 1, \"duration\": \"$2\", \"thresholds\": $3,
		\"tasks\": [{\"path\": \"/api/health\"}, {\"path\": \"/api/health?status=500\"}]}" | jq -r .id
}
start_run() { curl -s -X POST -H 'X-Rampage-Client: test' "$URL/api/tests/$1/runs" | jq -r .id; }
wait_end() {
	for _ in $(seq 600); do
		case $(curl -s "$URL/api/runs/$1" | jq -r .state) in queued|running|stopping) sleep 0.1 ;; *) return 0 ;; esac
	done
	bail "run $1 did not end"
}
NONE=$(mktest "no thresholds, half failing" 1s '{}')
LONG=$(mktest "stopped while failing" 30s '{"http_req_failed": ["rate<0.01"]}')
FINISHED_RUN=$(start_run "$NONE")
wait_end "$FINISHED_RUN"
STOPPED_RUN=$(start_run "$LONG")
for _ in $(seq 200); do
	[ "$(curl -s "$URL/api/runs/$STOPPED_RUN" | jq '.live.total_requests // 0')" -ge 10 ] && break
	sleep 0.1
done
CANCELLED_RUN=$(start_run "$NONE")   # waits behind the long run
curl -s -o /dev/null -X POST -H 'X-Rampage-Client: test' "$URL/api/runs/$CANCELLED_RUN/stop"
curl -s -o /dev/null -X POST -H 'X-Rampage-Client: test' "$URL/api/runs/$STOPPED_RUN/stop"
wait_end "$STOPPED_RUN"
diag "$(curl -s "$URL/api/runs?limit=3" | jq -c '[.runs[] | {id, state, verdict, e: .stats.error_rate}]')"
BASE=$URL SANDBOX=$SANDBOX NONE=$NONE LONG=$LONG FINISHED_RUN=$FINISHED_RUN STOPPED_RUN=$STOPPED_RUN \
	CANCELLED_RUN=$CANCELLED_RUN node "$TOP_SRCDIR/tests/browser/run-states.mjs"
