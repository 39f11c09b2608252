#!/bin/sh
# Daemon runs judged by their thresholds: all held -> passed; one broken -> failed, with each
# threshold's result stored on the run; an abortOnFail threshold stops the run early (failed, not
# stopped). Checks are counted per second on the total row and per name at the end (run_checks).
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo --latency-ms 2
start_daemon

# start THRESHOLDS [DURATION]: an inline run with those thresholds; prints its id
start() {
	curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"judged\", \"baseUrl\": \"$DEMO_URL\",
		\"vus\": 2, \"duration\": \"${2:-2s}\", \"thresholds\": $1,
		\"tasks\": [{\"name\": \"users\", \"path\": \"/api/users/1\",
			\"checks\": [{\"status\": 200}, {\"bodyContains\": \"no such text\", \"name\": \"never\"}]}]}}" | jq .id
}
# finish ID: waits (40 s) for the run to end; prints its final state
finish() {
	for _ in $(seq 400); do
		st=$(curl -s "$URL/api/runs/$1" | jq -r .state)
		case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
	done
	echo "$st"
}

GOOD=$(start '{"http_req_duration": ["p(95)<5000"], "http_req_failed": ["rate<0.5"]}')
is "$(finish "$GOOD")" passed "thresholds that hold: passed"
R=$(curl -s "$URL/api/runs/$GOOD")
is "$(printf '%s' "$R" | jq -c '[.thresholds[] | [.metric, .source, .ok]]')" \
	'[["http_req_duration","p(95)<5000",true],["http_req_failed","rate<0.5",true]]' \
	"each threshold's result is stored with the run"

BAD=$(start '{"http_req_duration": ["p(95)<0.001"], "http_req_failed": ["rate<0.5"]}')
is "$(finish "$BAD")" failed "a threshold broken: failed"
R=$(curl -s "$URL/api/runs/$BAD")
is "$(printf '%s' "$R" | jq -c '[.thresholds[].ok]')" '[false,true]' "the broken one says ok: false"
is "$(printf '%s' "$R" | jq -c '[.error, .summary.metrics.http_req_duration.thresholds["p(95)<0.001"].ok]')" \
	'[null,false]' "no error; the summary marks the threshold too"
is "$(curl -s "$URL/api/runs?state=failed" | jq -c '[.runs[].id]')" "[$BAD]" "?state=failed finds it"

ABORT=$(start '{"http_req_duration": [{"threshold": "p(95)<0.001", "abortOnFail": true}]}' 60s)
is "$(finish "$ABORT")" failed "an abortOnFail threshold ends the run failed"
R=$(curl -s "$URL/api/runs/$ABORT")
ok "$(printf '%s' "$R" | jq -e '(.ended_ms - .started_ms) < 20000' >/dev/null; echo $?)" \
	"long before its 60 s ($(printf '%s' "$R" | jq '(.ended_ms - .started_ms) / 1000') s)"
is "$(printf '%s' "$R" | jq -c '[.thresholds[0].aborted, .stop_requested]')" '[true,null]' \
	"the threshold says it aborted the run; no user asked"

# checks: per second on the total row, per name at the end
S=$(curl -s "$URL/api/runs/$GOOD/samples?step=86400" | jq -c '.samples[0]')
REQ=$(printf '%s' "$S" | jq .requests)
is "$(printf '%s' "$S" | jq -c '[.checks_passed, .checks_failed]')" "[$REQ,$REQ]" \
	"each request passed one check and failed the other, per second on the total row"
is "$(sqlite3 "$SANDBOX/rampage.db" "SELECT name || '=' || passes || '/' || fails FROM run_checks WHERE run_id = $GOOD ORDER BY name")" \
	"$(printf 'never=0/%s\nstatus is 200=%s/0' "$REQ" "$REQ")" "run_checks holds each check's passes and fails"
done_testing
