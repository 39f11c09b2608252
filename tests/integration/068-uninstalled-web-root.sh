#!/bin/sh
# A daemon run from the build tree (not installed) without --web-root serves the dashboard the build
# assembled next to the binary, and says so; an explicit --web-root is never second-guessed.
. "$TOP_SRCDIR/tests/integration/lib.sh"

DEFAULT=$("$RAMPAGE" config-defaults | sed -n 's/^;web_root = //p')
if [ -e "$DEFAULT" ]; then
	echo "1..0 # SKIP $DEFAULT exists (rampage is installed here): the fallback does not apply"
	exit 0
fi
BUILT=$(cd "$(dirname "$RAMPAGE")" && pwd)/webroot
[ -f "$BUILT/index.html" ] || bail "the build did not assemble $BUILT"

LOG="$SANDBOX/serve.log"
"$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$SANDBOX/r.db" >"$LOG" 2>&1 &
DAEMON_PID=$!
PIDS="$PIDS $DAEMON_PID"
PORT=$(wait_for_log "$LOG" 'listening on http://127\.0\.0\.1:[0-9]+' | grep -Eo '[0-9]+$') ||
	{ cat "$LOG" >&2; bail "daemon did not start"; }
like "$(cat "$LOG")" "web root $DEFAULT is not installed: serving the build tree's $BUILT" \
    "the log says which web root it serves and why"
is "$(http_status GET "http://127.0.0.1:$PORT/")" 200 "the dashboard is served"
like "$(curl -s "http://127.0.0.1:$PORT/")" "<title>[^<]*Rampage" "and it is the dashboard"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

LOG="$SANDBOX/serve2.log"
"$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$SANDBOX/r.db" \
    --web-root "$SANDBOX/nowhere" >"$LOG" 2>&1 &
DAEMON_PID=$!
PIDS="$PIDS $DAEMON_PID"
PORT=$(wait_for_log "$LOG" 'listening on http://127\.0\.0\.1:[0-9]+' | grep -Eo '[0-9]+$') ||
	{ cat "$LOG" >&2; bail "daemon did not start"; }
is "$(http_status GET "http://127.0.0.1:$PORT/")" 404 "an explicit --web-root that does not exist is kept (404)"
is "$(grep -c 'is not installed' "$LOG")" 0 "and not replaced"

done_testing
