#!/bin/sh
# Events drawn on the run page's charts (issue 14, "Events"): see events.mjs. A constant-vus run
# against the demo target with a timed reload at 2 s (the demo's POST /admin/reload); a mark posted
# over the API while the page is open arrives live.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo --reload-ms 500
start_daemon --web-root "$WEB_ROOT"
DEF="{\"name\": \"events\", \"baseUrl\": \"$DEMO_URL\",
  \"scenarios\": {\"load\": {\"executor\": \"constant-vus\", \"vus\": 2, \"duration\": \"60s\", \"gracefulStop\": \"1s\",
    \"thinkTime\": \"20ms\", \"tasks\": [{\"name\": \"users\", \"path\": \"/api/users\"}]}},
  \"events\": [{\"at\": \"2s\", \"name\": \"reload\", \"request\": {\"method\": \"POST\", \"url\": \"$DEMO_URL/admin/reload\"}}]}"
RUN_ID=$(curl -s -X POST "$URL/api/runs" -H 'Content-Type: application/json' -d "{\"definition\": $DEF}" | jq -r .id)
BASE=$URL SANDBOX=$SANDBOX RUN_ID=$RUN_ID node "$TOP_SRCDIR/tests/browser/events.mjs"
