#!/bin/sh
# Baselines and the compare view in headless Chromium (see compare.mjs): a run set as its test's
# baseline from its page, a later, slower run shows the verdict against it, and the compare view
# draws both runs overlaid, the difference table and both latency spectra.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo fast --latency-ms 5
FAST=$DEMO_URL
start_demo slow --latency-ms 50
SLOW=$DEMO_URL
start_daemon --web-root "$WEB_ROOT"

J='Content-Type: application/json'
def() {
	echo "{\"name\": \"compared\", \"baseUrl\": \"$1\", \"vus\": 2, \"duration\": \"6s\",
		\"tasks\": [{\"name\": \"users\", \"path\": \"/api/users/1\"}]}"
}
finish() {
	for _ in $(seq 400); do
		st=$(curl -s "$URL/api/runs/$1" | jq -r .state)
		case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
	done
}
T=$(curl -s -H "$J" -X POST "$URL/api/tests" -d "$(def "$FAST")" | jq .id)
R1=$(curl -s -H "$J" -X POST "$URL/api/tests/$T/runs" -d '{}' | jq .id)
finish "$R1"
curl -s -o /dev/null -H "$J" -X PUT "$URL/api/tests/$T" -d "$(def "$SLOW")"
R2=$(curl -s -H "$J" -X POST "$URL/api/tests/$T/runs" -d '{}' | jq .id)
finish "$R2"
BASE=$URL SANDBOX=$SANDBOX T=$T R1=$R1 R2=$R2 node "$TOP_SRCDIR/tests/browser/compare.mjs"
