#!/bin/sh
# Agents in the dashboard (issue 17), in headless Chromium against a real daemon that drives two real
# `rampage agent` processes on loopback, plus a third URL where nothing listens: the Agents page
# lists the three (two idle with version and cores, one unreachable; Refresh, dark mode, 390 px); a
# saved test started from its page with the Agents field set to 2 runs over the two agents, and the
# finished run's Agents panel shows one row per agent whose requests add up to the run's count (see
# agents.mjs).
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo

TOKEN=browser-agents-token-0123456789
printf '%s\n' "$TOKEN" >"$SANDBOX/tokens"
chmod 600 "$SANDBOX/tokens"
printf '[security]\n' >"$SANDBOX/plain.conf"

URLS=""
for n in 1 2; do
	start_agent $n
	URLS="$URLS${URLS:+, }ws://127.0.0.1:$AGENT_PORT/"
done
# nothing listens there; on 127.0.0.2 so that it sorts last (a run takes the first N of the sorted
# list, so `agents: 2` gets the two real ones)
DEAD_URL="ws://127.0.0.2:1/"

cat >"$SANDBOX/d.conf" <<CONF
[agents]
urls = $URLS, $DEAD_URL
token_file = $SANDBOX/tokens
CONF
start_daemon --web-root "$WEB_ROOT" --config "$SANDBOX/d.conf"
BASE=$URL DEMO=$DEMO_URL SANDBOX=$SANDBOX DEAD_URL=$DEAD_URL \
	node "$TOP_SRCDIR/tests/browser/agents.mjs"
