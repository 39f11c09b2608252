#!/bin/sh
# Takes the screenshots of docs/dashboard.md (not a test): a demo target with some latency and
# errors, a daemon, a ramping test run through the dashboard in headless Chromium.
# Usage, from a build folder: RAMPAGE=$PWD/rampage TOP_SRCDIR=.. sh ../tests/browser/screenshots.sh [OUTDIR]
# (OUTDIR defaults to $TOP_SRCDIR/docs/img; the web root to the one make assembled next to $RAMPAGE,
# or WEB_ROOT). Takes about a minute.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
export TOP_SRCDIR
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"
TOP_BUILDDIR=$SANDBOX
browser_prereqs
start_demo demo --latency-ms 15 --jitter-ms 30 --error-rate 0.004
start_daemon --web-root "$WEB_ROOT"
BASE=$URL DEMO=$DEMO_URL SANDBOX=$SANDBOX OUT=${1:-$TOP_SRCDIR/docs/img} \
	node "$TOP_SRCDIR/tests/browser/screenshots.mjs"
