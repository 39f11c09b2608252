#!/bin/sh
# Demo target command line and lifecycle: bad flags and a busy port exit 2 with a message, start-up
# logs exactly one "listening on" line with the real port, SIGTERM and SIGINT exit 0.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# bad_flag DESCRIPTION REGEX ARGS...: the flags must exit 2 and print REGEX on stderr, nothing on stdout.
bad_flag() {
	local what=$1 re=$2; shift 2
	"$RAMPAGE" demo-target "$@" >"$SANDBOX/out" 2>"$SANDBOX/err"
	is "$?" 2 "$what exits 2"
	like "$(cat "$SANDBOX/err")" "$re" "$what: says why"
	is "$(cat "$SANDBOX/out")" "" "$what: nothing on stdout"
}
bad_flag "an unknown flag" 'unknown option --frobnicate; see rampage demo-target --help' --listen 127.0.0.1:0 --frobnicate
bad_flag "a bad --listen" 'expected ADDR:PORT' --listen 127.0.0.1
bad_flag "a port out of range" 'expected ADDR:PORT' --listen 127.0.0.1:70000
bad_flag "a bad --latency-ms" 'latency-ms: expected an integer from 0 to 60000' --listen 127.0.0.1:0 --latency-ms soon
bad_flag "a negative --jitter-ms" 'jitter-ms: expected an integer' --listen 127.0.0.1:0 --jitter-ms -5
bad_flag "an --error-rate above 1" 'error-rate: expected a number from 0 to 1' --listen 127.0.0.1:0 --error-rate 1.5
bad_flag "a non-numeric --error-rate" 'error-rate: expected a number' --listen 127.0.0.1:0 --error-rate half
bad_flag "an --error-rate of nan" 'error-rate: expected a number' --listen 127.0.0.1:0 --error-rate nan
bad_flag "--threads 0" 'threads: expected an integer from 1' --listen 127.0.0.1:0 --threads 0
bad_flag "--capacity 0" 'capacity: expected an integer from 1' --listen 127.0.0.1:0 --capacity 0
bad_flag "an empty --node-id" 'node-id: expected 1 to 128 printable' --listen 127.0.0.1:0 --node-id ''
bad_flag "a --node-id with a newline" 'node-id' --listen 127.0.0.1:0 --node-id "$(printf 'a\nb')"
bad_flag "a stray argument" 'unexpected argument "extra"' --listen 127.0.0.1:0 extra
bad_flag "a missing flag value" 'option --listen needs a value' --listen
bad_flag "an address not on this machine" 'cannot listen on 192\.0\.2\.1:0' --listen 192.0.2.1:0

out=$("$RAMPAGE" demo-target --help); is "$?" 0 "--help exits 0"
like "$out" '--error-rate' "and lists the flags"
like "$out" 'delay_ms' "and the knobs"

# Start-up: one line, the real port, answering at once; SIGTERM exits 0 and says so.
start_demo a --node-id alpha
port=${DEMO_URL##*:}
ok $([ "$port" -gt 0 ]; echo $?) "port 0 picks a real port ($port)"
is "$(grep -c 'listening on' "$SANDBOX/a.log")" 1 "exactly one 'listening on' line"
like "$(cat "$SANDBOX/a.log")" "^<5>listening on http://127\\.0\\.0\\.1:$port\$" "at notice level, with the real port"
is "$(http_status GET "$DEMO_URL/api/health")" 200 "it answers on that port"

# A busy port: a clear error, exit 2.
"$RAMPAGE" demo-target --listen "127.0.0.1:$port" >"$SANDBOX/busy.out" 2>&1
is "$?" 2 "a busy port exits 2"
like "$(cat "$SANDBOX/busy.out")" "cannot listen on 127\\.0\\.0\\.1:$port: Address already in use" "and says so"
is "$(http_status GET "$DEMO_URL/api/health")" 200 "the first one still answers"

kill -TERM "$DEMO_PID"; wait "$DEMO_PID"
is "$?" 0 "SIGTERM exits 0"
like "$(cat "$SANDBOX/a.log")" 'stopping' "and logs that it stops"
is "$(http_status GET "$DEMO_URL/api/health")" 000 "and the port is closed"

start_demo b
kill -INT "$DEMO_PID"; wait "$DEMO_PID"
is "$?" 0 "SIGINT exits 0"

# Without --node-id the node id is the host name.
start_demo c --threads 2
is "$(curl -s "$DEMO_URL/api/health/worker" | jq -r .node_id)" "$(hostname)" "the default node id is the host name"

# IPv6 loopback, where the machine has it.
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	"$RAMPAGE" demo-target --listen '[::1]:0' >"$SANDBOX/v6.log" 2>&1 &
	PIDS="$PIDS $!"
	p6=$(wait_for_log "$SANDBOX/v6.log" 'listening on http://\[::1\]:[0-9]+' | grep -Eo '[0-9]+$')
	is "$(http_status GET "http://[::1]:$p6/api/health")" 200 "listens on [::1] too"
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP no IPv6 loopback here"
fi

done_testing
