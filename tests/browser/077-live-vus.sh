#!/bin/sh
# Changing a running run's users from the run page (issue 11, item 11), and charting picked
# endpoints (item 8): see live-vus.mjs. A constant-vus run against the demo target, a daemon whose
# limits.max_vus is 10 (so that "over the cap" is quick to reach).
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo
printf '[limits]\nmax_vus = 10\n' >"$SANDBOX/l.conf"
start_daemon --web-root "$WEB_ROOT" --config "$SANDBOX/l.conf"
DEF="{\"name\": \"users live\", \"baseUrl\": \"$DEMO_URL\",
  \"scenarios\": {\"load\": {\"executor\": \"constant-vus\", \"vus\": 2, \"duration\": \"90s\", \"gracefulStop\": \"1s\",
    \"thinkTime\": \"20ms\", \"tasks\": [{\"name\": \"health\", \"path\": \"/api/health\"},
      {\"name\": \"users\", \"path\": \"/api/users\"}]}}}"
TEST_ID=$(curl -s -X POST "$URL/api/tests" -H 'Content-Type: application/json' -d "$DEF" | jq -r .id)
RUN_ID=$(curl -s -X POST "$URL/api/tests/$TEST_ID/runs" -H 'Content-Type: application/json' -d '{}' | jq -r .id)
BASE=$URL SANDBOX=$SANDBOX RUN_ID=$RUN_ID node "$TOP_SRCDIR/tests/browser/live-vus.mjs"
