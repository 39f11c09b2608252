#!/bin/sh
# Schedules in the dashboard, in headless Chromium (a browser in America/New_York) against a real
# daemon and demo target: create a schedule on a test's page (an invalid cron first: its error shows
# under the field), the preview shows the next fire times in the schedule's zone and the browser's, a
# fire appears as a run with its trigger, pause and the fire history work, the tests list marks the
# test as scheduled and the Schedules page lists it (see schedules.mjs).
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo
start_daemon --web-root "$WEB_ROOT"
BASE=$URL DEMO=$DEMO_URL SANDBOX=$SANDBOX TEST_TZ=America/New_York \
	node "$TOP_SRCDIR/tests/browser/schedules.mjs"
