#!/bin/sh
# The HTML report of a run (`rampage run --out html=`, GET /api/runs/{id}/report.html) opened as a
# file in headless Chromium with the network cut off: it draws its charts and has no console error
# (see report.mjs); the dashboard's finished view offers the daemon's report as "Download report".
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo
cat >"$SANDBOX/t.json" <<JSON
{ "name": "report in a browser", "baseUrl": "$DEMO_URL", "vus": 2, "duration": "3s",
  "thresholds": { "http_req_failed": ["rate<0.01"], "http_req_duration": ["p(95)<5000"] },
  "tasks": [ { "name": "pair", "steps": [
    { "name": "ok", "path": "/api/health", "checks": [ { "status": 200, "name": "ok is 200" } ] },
    { "name": "broken", "path": "/api/health?status=500" } ] } ] }
JSON
"$RAMPAGE" run "$SANDBOX/t.json" -q --out html="$SANDBOX/report.html" >"$SANDBOX/run.out" 2>&1
[ "$?" = 99 ] || { cat "$SANDBOX/run.out"; bail "the run did not end with its threshold failed (99)"; }
start_daemon --web-root "$WEB_ROOT"
BASE=$URL DEMO_URL=$DEMO_URL REPORT="$SANDBOX/report.html" SANDBOX=$SANDBOX node "$TOP_SRCDIR/tests/browser/report.mjs"
