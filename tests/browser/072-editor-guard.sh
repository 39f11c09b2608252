#!/bin/sh
# The editor never throws unsaved work away without asking (leaving the page, "Use example", reload),
# in headless Chromium against a real daemon (see editor-guard.mjs).
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_daemon --web-root "$WEB_ROOT"
BASE=$URL SANDBOX=$SANDBOX node "$TOP_SRCDIR/tests/browser/editor-guard.mjs"
