#!/bin/sh
# The command-line client (`rampage tests|runs|start|stop|show`) against a real daemon: tables list
# what the API holds, `start --wait` exits like `rampage run` (0 passed, 99 failed, 1 stopped), HTTP
# errors print the API's message, $RAMPAGE_TOKEN is sent as a bearer token, and an unreachable daemon
# is named.
. "$TOP_SRCDIR/tests/integration/lib.sh"

unset RAMPAGE_TOKEN
start_demo demo
start_daemon

# mktest NAME DURATION THRESHOLD [curl args]: saves a constant-vus test; prints its id.
mktest() {
	local name=$1 dur=$2 th=$3; shift 3
	curl -H 'Content-Type: application/json' -s -X POST "$URL/api/tests" "$@" -d "{\"name\": \"$name\", \"baseUrl\": \"$DEMO_URL\",
		\"vus\": 2, \"duration\": \"$dur\", \"thresholds\": {\"http_req_duration\": [\"$th\"]},
		\"tasks\": [{\"path\": \"/api/health\"}]}" | jq -r .id
}
PASS=$(mktest cli-pass 2s 'p(95)<5000')
FAIL=$(mktest cli-fail 2s 'p(95)<0.001')
LONG=$(mktest cli-long 60s 'p(95)<5000')
like "$PASS$FAIL$LONG" '^[0-9]+$' "three tests created with curl"

out=$("$RAMPAGE" tests --server "$URL")
is "$?" 0 "tests exits 0"
like "$out" "^ +ID +RUNS" "tests prints a header"
like "$out" "^ +$PASS +0 .* cli-pass\$" "tests lists the passing test with 0 runs"
like "$out" "^ +$LONG .* cli-long\$" "and the long one"
is "$("$RAMPAGE" tests --json --server "$URL" | jq -r '.tests | length')" 3 "--json prints the API's JSON"

out=$("$RAMPAGE" start "$PASS" --wait --note "from ci" --server "$URL" 2>"$SANDBOX/err")
is "$?" 0 "start --wait of a passing run exits 0"
like "$out" "state +passed" "and shows it passed"
like "$out" "✓ http_req_duration: p\(95\)<5000" "with its threshold held"
PASS_RUN=$(curl -s "$URL/api/runs?test=$PASS" | jq -r '.runs[0].id')
is "$(curl -s "$URL/api/runs/$PASS_RUN" | jq -r .note)" "from ci" "--note reached the run"

out=$("$RAMPAGE" start "$FAIL" --wait --server "$URL" 2>"$SANDBOX/err")
is "$?" 99 "start --wait of a run failing its threshold exits 99"
like "$out" "✗ http_req_duration: p\(95\)<0.001" "the failed threshold is marked"
like "$(cat "$SANDBOX/err")" "threshold failed" "stderr says a threshold failed"

"$RAMPAGE" start "$PASS" --wait --server "$URL" >/dev/null 2>&1
out=$("$RAMPAGE" runs --test "$PASS" --server "$URL")
is "$(printf '%s\n' "$out" | grep -c " passed ")" 2 "runs --test lists both runs of the test"
like "$out" "# from ci" "with the note"
is "$(printf '%s\n' "$out" | grep -c cli-fail)" 0 "and no run of another test"
is "$("$RAMPAGE" runs --state failed --server "$URL" | grep -c ' failed ')" 1 "runs --state filters"
is "$("$RAMPAGE" runs --limit 1 --server "$URL" | grep -c '^ *[0-9]')" 1 "runs --limit limits"
is "$("$RAMPAGE" runs --server "$URL" | grep -c '^ *[0-9]')" 3 "runs without filters lists every run"

out=$("$RAMPAGE" show "$PASS_RUN" --server "$URL")
is "$?" 0 "show exits 0"
like "$out" "^  state +passed\$" "show: state passed"
like "$out" "^  ended +[0-9]{4}-" "show: the end time"
like "$out" "^  requests +[1-9][0-9]*\$" "show: the number of requests"
is "$("$RAMPAGE" show "$PASS_RUN" --json --server "$URL" | jq -r .state)" passed "show --json is the run's JSON"

# A long run followed by one client and stopped by another.
"$RAMPAGE" start "$LONG" --wait --server "$URL" >"$SANDBOX/wait.out" 2>"$SANDBOX/wait.err" &
WAITER=$!
LONG_RUN=""
for _ in $(seq 100); do
	LONG_RUN=$(curl -s "$URL/api/runs?test=$LONG&state=running" | jq -r '.runs[0].id // empty')
	[ -n "$LONG_RUN" ] && break
	sleep 0.1
done
like "$LONG_RUN" '^[0-9]+$' "the long run is running"
# The answer shows the run as it is then: stopping, or already stopped when nothing was in flight.
like "$("$RAMPAGE" stop "$LONG_RUN" --server "$URL")" "^run $LONG_RUN (stopping|stopped)$" "stop prints the new state"
wait "$WAITER"
is "$?" 1 "start --wait on a run stopped by someone else exits 1"
like "$(cat "$SANDBOX/wait.err")" "run $LONG_RUN ended stopped" "and says it was stopped"
like "$("$RAMPAGE" show "$LONG_RUN" --server "$URL")" "state +stopped" "show: state stopped"
"$RAMPAGE" stop "$LONG_RUN" --server "$URL" 2>"$SANDBOX/err"
is "$?" 1 "stopping a run that ended exits 1"
like "$(cat "$SANDBOX/err")" "already ended.*HTTP 409" "with the API's message"

# Errors: the API's message with each JSON-path error; usage errors exit 2.
"$RAMPAGE" start "$PASS" --rate 5 --server "$URL" 2>"$SANDBOX/err"
is "$?" 1 "an override the API refuses exits 1"
like "$(cat "$SANDBOX/err")" "^  rate: no scenario uses constant-arrival-rate" "the JSON-path error is printed"
"$RAMPAGE" show 99999 --server "$URL" 2>"$SANDBOX/err"
is "$?" 1 "show of an unknown run exits 1"
like "$(cat "$SANDBOX/err")" "no run 99999 \(HTTP 404\)" "with the API's message"
"$RAMPAGE" start --server "$URL" 2>/dev/null
is "$?" 2 "start without a test id is a usage error"
"$RAMPAGE" start "$PASS" --vus zero --server "$URL" 2>/dev/null
is "$?" 2 "--vus zero is a usage error"
stop_daemon

# Unreachable daemon (the port of the daemon just stopped).
"$RAMPAGE" tests --server "$URL" 2>"$SANDBOX/err"
is "$?" 1 "an unreachable daemon exits 1"
like "$(cat "$SANDBOX/err")" "cannot reach the daemon at $URL \(is .rampage serve. running\?\)" "and says so"

# Tokens.
TOKEN=client-token-0123456789abcdef
printf '[security]\napi_tokens = %s\n' "$TOKEN" >"$SANDBOX/tok.conf"
start_daemon --config "$SANDBOX/tok.conf"
"$RAMPAGE" start "$PASS" --server "$URL" 2>"$SANDBOX/err"
is "$?" 1 "start without RAMPAGE_TOKEN exits 1"
like "$(cat "$SANDBOX/err")" "needs an API token.*HTTP 401" "with the 401 message"
RAMPAGE_TOKEN=wrong-token-000000000 "$RAMPAGE" start "$PASS" --server "$URL" 2>/dev/null
is "$?" 1 "a wrong token exits 1"
out=$(RAMPAGE_TOKEN=$TOKEN "$RAMPAGE" start "$PASS" --wait --server "$URL")
is "$?" 0 "with RAMPAGE_TOKEN the run starts and passes"
like "$out" "state +passed" "and shows it passed"

done_testing
