#!/bin/sh
# Custom metrics and groups in the dashboard (issue 15), in headless Chromium (custom-metrics.mjs):
# a finished run of etc/examples/custom-metrics.json lists each custom metric with its type's
# values, a run of etc/examples/groups.json its group durations, a plain run neither.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo
start_daemon --web-root "$WEB_ROOT"
# run FILE: starts a run of the example FILE against the demo target, waits for its end; prints its id
run() {
	local id
	id=$(jq --arg url "$DEMO_URL" '{definition: (.baseUrl = $url)}' "$1" |
		curl -s -X POST "$URL/api/runs" -H 'Content-Type: application/json' -d @- | jq -r .id)
	for _ in $(seq 150); do
		case $(curl -s "$URL/api/runs/$id" | jq -r .state) in queued|running|stopping) sleep 0.2 ;; *) break ;; esac
	done
	echo "$id"
}
CUSTOM=$(run "$TOP_SRCDIR/etc/examples/custom-metrics.json")
GRP=$(run "$TOP_SRCDIR/etc/examples/groups.json")
jq '.duration = "1s"' "$TOP_SRCDIR/etc/examples/smoke.json" >"$SANDBOX/plain.json"
PLAIN=$(run "$SANDBOX/plain.json")
ITER=$(jq .iterations "$TOP_SRCDIR/etc/examples/custom-metrics.json")
BASE=$URL SANDBOX=$SANDBOX CUSTOM=$CUSTOM GRP=$GRP PLAIN=$PLAIN ITER=$ITER \
	node "$TOP_SRCDIR/tests/browser/custom-metrics.mjs"
