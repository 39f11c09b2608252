#!/bin/sh
# Monitors in the dashboard (issue 14), in headless Chromium (monitors.mjs): a finished run whose
# definition scrapes the demo target's /metrics draws one chart per monitored value under the load
# charts, with a point per scraped second; a run without monitors draws none.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo
start_daemon --web-root "$WEB_ROOT"
# run DEFINITION: starts a run, waits for its end; prints its id
run() {
	local id
	id=$(printf '{"definition": %s}' "$1" |
		curl -s -X POST "$URL/api/runs" -H 'Content-Type: application/json' -d @- | jq -r .id)
	for _ in $(seq 150); do
		case $(curl -s "$URL/api/runs/$id" | jq -r .state) in queued|running|stopping) sleep 0.2 ;; *) break ;; esac
	done
	echo "$id"
}
DEF='{ "name": "monitored", "baseUrl": "'$DEMO_URL'", "vus": 1, "duration": "3s", "thinkTime": "20ms",
  "tasks": [ { "path": "/api/health" } ],
  "monitors": [ { "name": "demo", "url": "'$DEMO_URL'/metrics",
    "prometheus": { "rss": "process_resident_memory_bytes", "reqs": "demo_requests_total" } } ] }'
MON=$(run "$DEF")
PLAIN=$(run "$(echo "$DEF" | jq -c 'del(.monitors)')")
ROWS=$(curl -s "$URL/api/runs/$MON/monitors" | jq '[.monitors.rss.samples[] | select(.scrapes > 0)] | length')
BASE=$URL SANDBOX=$SANDBOX MON=$MON PLAIN=$PLAIN ROWS=$ROWS node "$TOP_SRCDIR/tests/browser/monitors.mjs"
