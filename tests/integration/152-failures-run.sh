#!/bin/sh
# 152: `rampage run` says why requests failed (issue 11, items 2 and 5). Against a closed loopback
# port every request is refused: the text summary lists the failures by endpoint and kind with
# libcurl's words, the summary JSON has them under rampage.endpoints[].failures (coherent with
# errors.connect) and the alarm under rampage.failure_alarm, and the early warning that every
# request fails is printed on stderr exactly once, while the run goes on to its end. A run against a
# target that answers is not warned about; a failRequest check names itself.
. "$TOP_SRCDIR/tests/integration/lib.sh"

CLOSED=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$SANDBOX/closed.json" <<JSON
{ "name": "closed", "vus": 2, "duration": "3s",
  "tasks": [ { "name": "home", "url": "http://127.0.0.1:$CLOSED/" } ] }
JSON
"$RAMPAGE" run "$SANDBOX/closed.json" --out summary="$SANDBOX/s.json" >"$SANDBOX/out.txt" 2>"$SANDBOX/err.txt"
is "$?" 0 "the run ends normally (no thresholds): the warning does not stop it"
diag "$(cat "$SANDBOX/err.txt")"
is "$(grep -c 'every request fails' "$SANDBOX/err.txt")" 1 "the early warning is printed exactly once"
like "$(grep 'every request fails' "$SANDBOX/err.txt")" \
	"^rampage: WARNING: every request fails: connection refused: Failed to connect to 127\.0\.0\.1 port $CLOSED: [^(]+\(home; [0-9]+ of [0-9]+ requests failed in the first [23] s\)$" \
	"it names the kind, libcurl's words (without their timings), the endpoint and the figures"
is "$(grep -c 'every request fails' "$SANDBOX/out.txt")" 0 "not repeated in the summary on stdout"
REQ=$(jq '.rampage.endpoints[0].requests' "$SANDBOX/s.json")
ok "$([ "$REQ" -ge 10 ]; echo $?)" "many requests ($REQ)"
# the text summary
like "$(grep -A3 '^  FAILURES' "$SANDBOX/out.txt" | tr '\n' '|')" \
	"^  FAILURES \($REQ of $REQ requests\)\|  home: refused $REQ\|    refused +$REQ  s 0-[0-9]+ +Failed to connect to 127\.0\.0\.1 port $CLOSED" \
	"the text summary lists the failures by endpoint, kind and message"
# the JSON
is "$(jq -c '.rampage.endpoints[0] | [.failed, .errors.connect, (.failures | length), .failures[0].kind, .failures[0].count]' "$SANDBOX/s.json")" \
	"[$REQ,$REQ,1,\"refused\",$REQ]" "the summary JSON: one message, kind refused, its count that of errors.connect"
like "$(jq -r '.rampage.endpoints[0].failures[0].message' "$SANDBOX/s.json")" "^Failed to connect to 127\.0\.0\.1 port $CLOSED: " \
	"with libcurl's words"
is "$(jq -c '.rampage.failure_alarm | [.kind, .endpoint, .failures == .requests]' "$SANDBOX/s.json")" \
	'["refused","home",true]' "the summary JSON keeps the alarm"

# a target that answers: no warning, no FAILURES section
start_demo demo
cat >"$SANDBOX/fine.json" <<JSON
{ "name": "fine", "baseUrl": "$DEMO_URL", "vus": 2, "duration": "3s",
  "tasks": [ { "name": "health", "path": "/api/health" } ] }
JSON
"$RAMPAGE" run "$SANDBOX/fine.json" --out summary="$SANDBOX/f.json" >"$SANDBOX/fout.txt" 2>"$SANDBOX/ferr.txt"
is "$?" 0 "a healthy run exits 0"
is "$(grep -c 'every request fails' "$SANDBOX/ferr.txt")" 0 "no warning when requests succeed"
is "$(grep -c '^  FAILURES' "$SANDBOX/fout.txt")" 0 "no FAILURES section without failures"
is "$(jq -c '[.rampage.endpoints[0].failures, .rampage.failure_alarm]' "$SANDBOX/f.json")" '[[],null]' \
	"the JSON: no failures, no alarm"

# a failRequest check that fails a good response: kind check, named by the check
cat >"$SANDBOX/check.json" <<JSON
{ "name": "checked", "baseUrl": "$DEMO_URL", "vus": 1, "iterations": 5,
  "tasks": [ { "name": "health", "path": "/api/health",
    "checks": [ { "name": "is 201", "status": 201, "failRequest": true } ] } ] }
JSON
"$RAMPAGE" run "$SANDBOX/check.json" --quiet --out summary="$SANDBOX/c.json" >"$SANDBOX/cout.txt" 2>&1
is "$(jq -c '.rampage.endpoints[0] | [.failed, .errors, [.failures[] | [.kind, .message, .count]]]' "$SANDBOX/c.json")" \
	'[5,{},[["check","check \"is 201\" failed",5]]]' "a failRequest check: kind check, the check's name, no transport kind"
done_testing
