# lib.sh: shared helpers for integration tests (sourced). Each test gets a private sandbox folder,
# starts its own daemon and demo target on port 0 (the port is read from the log), and cleans up on
# exit. Output is TAP.
set -u

: "${RAMPAGE:?RAMPAGE must point to the rampage binary (make check sets it)}"
: "${TOP_SRCDIR:?TOP_SRCDIR must be set (make check sets it)}"
SANDBOX=$(mktemp -d "${TMPDIR:-/tmp}/rampage-test.XXXXXX")
tap_n=0
tap_failed=0
PIDS=""

cleanup() {
	# A failing test shows the end of each process log it started, for a diagnosis from CI output.
	if [ "$tap_failed" -gt 0 ]; then
		for log in "$SANDBOX"/*.log; do
			[ -f "$log" ] || continue
			echo "# ---- last lines of $(basename "$log")"
			tail -n 25 "$log" | sed 's/^/#   /'
		done
	fi
	for pid in $PIDS; do kill "$pid" 2>/dev/null; done
	for pid in $PIDS; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	rm -rf "$SANDBOX"
}
trap cleanup EXIT

ok() { # ok CONDITION-EXIT-CODE DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_failed=$((tap_failed + 1)); fi
}
is() { # is GOT WANT DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" = "$2" ]; then echo "ok $tap_n - $3"; else
		echo "not ok $tap_n - $3"; echo "#          got: '$1'"; echo "#     expected: '$2'"
		tap_failed=$((tap_failed + 1))
	fi
}
like() { # like GOT EXTENDED-REGEX DESCRIPTION
	tap_n=$((tap_n + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then echo "ok $tap_n - $3"; else
		echo "not ok $tap_n - $3"; printf '%s\n' "$1" | head -20 | sed 's/^/#   got: /'; echo "#   expected to match: $2"
		tap_failed=$((tap_failed + 1))
	fi
}
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; exit $?; }
bail() { echo "Bail out! $*"; exit 1; }
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# wait_for_log FILE REGEX [TIMEOUT_S]: wait until FILE has a line matching REGEX; prints the match.
wait_for_log() {
	local i
	for i in $(seq $(( ${3:-10} * 20 ))); do
		if grep -Eo -- "$2" "$1" 2>/dev/null | head -1 | grep .; then return 0; fi
		sleep 0.05
	done
	return 1
}

# start_agent N [ADDR [TOKEN_FILE [PORT [AGENT FLAGS...]]]]: starts `rampage agent` number N on ADDR
# (127.0.0.1) and PORT (0: a free one) with the tokens of TOKEN_FILE ($SANDBOX/tokens), one worker and
# $SANDBOX/plain.conf (written as an empty [security] when missing), a log of its own per start (so a
# restarted agent's listening line is its own); sets AGENT_PORT, AGENT_LOG and AGENT_PID_N.
agent_starts=0
start_agent() {
	local n=$1 addr=${2:-127.0.0.1} tokens=${3:-$SANDBOX/tokens} port=${4:-0} k
	for k in 1 2 3 4; do [ $# -gt 0 ] && shift; done
	[ -f "$SANDBOX/plain.conf" ] || printf '[security]\n' >"$SANDBOX/plain.conf"
	agent_starts=$((agent_starts + 1))
	AGENT_LOG="$SANDBOX/agent$n.$agent_starts.log"
	"$RAMPAGE" agent --listen "$addr:$port" --token-file "$tokens" --config "$SANDBOX/plain.conf" \
		--workers 1 "$@" >"$AGENT_LOG" 2>&1 &
	eval "AGENT_PID_$n=$!"
	PIDS="$PIDS $!"
	AGENT_PORT=$(wait_for_log "$AGENT_LOG" "listening on wss?://$addr:[0-9]+" | grep -Eo '[0-9]+$') ||
		{ cat "$AGENT_LOG" >&2; bail "agent $n did not start"; }
}

# wait_run_end ID: waits, bounded (60 s), until run ID of the daemon at $URL has ended; prints the
# run (its JSON). Needs jq.
wait_run_end() {
	local i
	for i in $(seq 200); do
		case "$(curl -s "$URL/api/runs/$1" | jq -r .state)" in queued|running|stopping) sleep 0.3 ;; *) break ;; esac
	done
	curl -s "$URL/api/runs/$1"
}

# start_demo NAME [ARGS...]: start a demo target on a free port; sets DEMO_URL and DEMO_PID.
start_demo() {
	local name=$1; shift
	"$RAMPAGE" demo-target --listen 127.0.0.1:0 "$@" >"$SANDBOX/$name.log" 2>&1 &
	DEMO_PID=$!
	PIDS="$PIDS $DEMO_PID"
	local port
	port=$(wait_for_log "$SANDBOX/$name.log" 'listening on http://127\.0\.0\.1:[0-9]+' | grep -Eo '[0-9]+$') ||
		{ cat "$SANDBOX/$name.log" >&2; bail "demo target $name did not start"; }
	DEMO_URL="http://127.0.0.1:$port"
}

# start_daemon [ARGS...]: start `rampage serve` with a db in the sandbox on a free port;
# sets URL, PORT, DAEMON_PID, DAEMON_LOG. Extra args go to serve (they may override --db).
daemon_n=0
start_daemon() {
	daemon_n=$((daemon_n + 1))
	DAEMON_LOG="$SANDBOX/daemon.$daemon_n.log"
	"$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$SANDBOX/rampage.db" \
		--web-root "$TOP_SRCDIR/web" "$@" >"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	PIDS="$PIDS $DAEMON_PID"
	PORT=$(wait_for_log "$DAEMON_LOG" 'listening on http://127\.0\.0\.1:[0-9]+' | grep -Eo '[0-9]+$') ||
		{ cat "$DAEMON_LOG" >&2; bail "daemon did not start"; }
	URL="http://127.0.0.1:$PORT"
}

# stop_daemon [SIGNAL]: stop the daemon and wait; sets DAEMON_STATUS to its exit code.
stop_daemon() {
	kill -"${1:-TERM}" "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_STATUS=$?
}

# http_status METHOD URL [curl args...]: prints the status code only.
http_status() { local m=$1 u=$2; shift 2; curl -s -o /dev/null -w '%{http_code}' -X "$m" "$@" "$u"; }
