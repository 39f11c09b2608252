#!/bin/sh
# The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
# playwright-core from tests/node) walks through writing a test in the editor, starting it, watching
# it live, reloading mid-run, stopping it and reading its history, against a real daemon and demo
# target; then a second daemon that wants an API token, and a third that serves web/ as it is,
# without the chart library (see dashboard.mjs). Screenshots go to tests/browser/artifacts/ in the
# build folder. Missing Chromium or node_modules is a failure, not a skip: ./bootstrap installs both.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo --latency-ms 2 --jitter-ms 4
start_daemon --web-root "$WEB_ROOT"
BASE=$URL

TOKEN=0123456789abcdef0123456789abcdef
printf '[security]\napi_tokens = %s\nprotect_reads = true\n' "$TOKEN" >"$SANDBOX/tok.conf"
start_daemon --web-root "$WEB_ROOT" --config "$SANDBOX/tok.conf" --db "$SANDBOX/tok.db"

TOKEN_BASE=$URL

# web/ of the source tree served as it is: no chart library (make copies it into the web root)
start_daemon --web-root "$TOP_SRCDIR/web" --db "$SANDBOX/plain.db"

BASE=$BASE DEMO=$DEMO_URL TOKEN_BASE=$TOKEN_BASE TOKEN=$TOKEN NO_CHARTS_BASE=$URL SANDBOX=$SANDBOX \
	node "$TOP_SRCDIR/tests/browser/dashboard.mjs"
