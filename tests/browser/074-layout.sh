#!/bin/sh
# The dashboard's layout at 1280, 800 and 390 px in headless Chromium: no page scrolls sideways, a
# table that scrolls in its frame says so, enabled and disabled inputs look like what they are (see
# layout.mjs). A test with a long name and a finished run over four endpoints give the pages content.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo
start_daemon --web-root "$WEB_ROOT"
DEF="{\"name\": \"orders api: checkout under a nightly soak with a long name\", \"baseUrl\": \"$DEMO_URL\",
  \"vus\": 2, \"duration\": \"2s\", \"thresholds\": {\"http_req_duration\": [\"p(95)<5000\"]},
  \"tasks\": [{\"name\": \"list users with a rather long endpoint name\", \"path\": \"/api/users\"},
    {\"name\": \"health\", \"path\": \"/api/health\"}, {\"name\": \"one user\", \"path\": \"/api/users/1\"},
    {\"name\": \"create user\", \"method\": \"POST\", \"path\": \"/api/users\", \"json\": {\"name\": \"x\"}}]}"
TEST_ID=$(curl -s -X POST "$URL/api/tests" -H 'Content-Type: application/json' -d "$DEF" | jq -r .id)
curl -s -X POST "$URL/api/tests" -H 'Content-Type: application/json' -d "{\"name\": \"second\", \"baseUrl\": \"$DEMO_URL\",
  \"vus\": 1, \"duration\": \"1s\", \"tasks\": [{\"path\": \"/api/health\"}]}" >/dev/null
RUN_ID=$(curl -s -X POST "$URL/api/tests/$TEST_ID/runs" -H 'Content-Type: application/json' -d '{}' | jq -r .id)
for _ in $(seq 100); do
	case $(curl -s "$URL/api/runs/$RUN_ID" | jq -r .state) in queued|running|stopping) sleep 0.2 ;; *) break ;; esac
done
BASE=$URL SANDBOX=$SANDBOX TEST_ID=$TEST_ID RUN_ID=$RUN_ID node "$TOP_SRCDIR/tests/browser/layout.mjs"
