#!/bin/sh
# Why requests failed, in the dashboard (issue 11, items 2 and 5), in headless Chromium at 1280 and
# 800 px (see failures.mjs): a live run against a closed port shows the early "every request fails"
# banner and the Failures panel (kind, endpoint, libcurl's words, count, first and last second), the
# endpoint table says "refused N" instead of status 0; a finished run mixing 200s, 404s and refused
# connections lists each distinct failure and shows no banner.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo
start_daemon --web-root "$WEB_ROOT"
CLOSED=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# the finished run: 200s, 404s and refused connections (not every request fails: no banner)
MIXED=$(curl -s -X POST "$URL/api/runs" -H 'Content-Type: application/json' -d "{\"definition\": {\"name\": \"mixed\",
  \"baseUrl\": \"$DEMO_URL\", \"vus\": 1, \"iterations\": 20, \"tasks\": [{\"name\": \"mixed\", \"steps\": [
  {\"name\": \"health\", \"path\": \"/api/health\"}, {\"name\": \"missing\", \"path\": \"/api/nope\"},
  {\"name\": \"closed\", \"url\": \"http://127.0.0.1:$CLOSED/\"}]}]}}" | jq -r .id)
for _ in $(seq 100); do
	case $(curl -s "$URL/api/runs/$MIXED" | jq -r .state) in queued|running|stopping) sleep 0.2 ;; *) break ;; esac
done
BASE=$URL SANDBOX=$SANDBOX MIXED=$MIXED CLOSED=$CLOSED node "$TOP_SRCDIR/tests/browser/failures.mjs"
