#!/bin/sh
# Relative thresholds (issue 13): "p(95) < baseline * 1.10" judged at the end against the test's
# baseline. Without a baseline the threshold is skipped (the run passes), or fails with
# baselineRequired; against a 5 ms baseline, a run at 50 ms fails with exit 99 through
# `rampage start --wait`; `rampage run FILE --baseline FILE` does the same with no daemon.
. "$TOP_SRCDIR/tests/integration/lib.sh"

unset RAMPAGE_TOKEN
start_demo fast --latency-ms 5
FAST=$DEMO_URL
start_demo slow --latency-ms 50
SLOW=$DEMO_URL
start_daemon

J='Content-Type: application/json'
# def BASEURL [EXTRA THRESHOLD]; $P95X and $RATEX set the factors (1.10 and 0.5)
def() {
	echo "{\"name\": \"relative\", \"baseUrl\": \"$1\", \"vus\": 2, \"duration\": \"2s\",
		\"thresholds\": {\"http_req_duration\": [\"p(95) < baseline * ${P95X:-1.10}\"],
			\"http_reqs\": [\"rate > baseline * ${RATEX:-0.5}\"]${2:+, $2}},
		\"tasks\": [{\"name\": \"users\", \"path\": \"/api/users/1\"}]}"
}
T=$(curl -s -H "$J" -X POST "$URL/api/tests" -d "$(def "$FAST")" | jq .id)
like "$T" '^[0-9]+$' "a test with relative thresholds is saved"
is "$(curl -s -H "$J" -X POST "$URL/api/tests/validate" -d '{"baseUrl": "http://127.0.0.1:9", "tasks": [{"path": "/"}],
	"thresholds": {"http_req_duration": ["p(95) < baseline * 1.1 over 30s"]}}' | jq -r '.error.errors[0].message')" \
	'a relative threshold (baseline) is judged on the whole run, at its end: it takes no window, got "p(95) < baseline * 1.1 over 30s"' \
	"a relative threshold with a window is refused, saying why"

"$RAMPAGE" start "$T" --wait --server "$URL" >/dev/null 2>&1
is "$?" 0 "the first run, without a baseline: exit 0 (its relative thresholds are skipped)"
R1=$(curl -s "$URL/api/runs?test=$T" | jq '.runs[0].id')
R=$(curl -s "$URL/api/runs/$R1")
is "$(printf '%s' "$R" | jq -c '[.state, [.thresholds[] | [.ok, .skipped, .baseline]]]')" \
	'["passed",[[true,true,null],[true,true,null]]]' "passed, each relative threshold skipped, no baseline value"

curl -s -o /dev/null -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d "{\"run\": $R1}"
curl -s -o /dev/null -H "$J" -X PUT "$URL/api/tests/$T" -d "$(def "$SLOW")"
"$RAMPAGE" start "$T" --wait --server "$URL" >/dev/null 2>&1
is "$?" 99 "against the 5 ms baseline, the 50 ms run fails: exit 99"
R2=$(curl -s "$URL/api/runs?test=$T" | jq '.runs[0].id')
R=$(curl -s "$URL/api/runs/$R2")
is "$(printf '%s' "$R" | jq -r .state)" failed "state failed"
ok "$(printf '%s' "$R" | jq -e '.thresholds[0] | .ok == false and .skipped == false and .baseline > 0
	and .limit > .baseline and .value > .limit' >/dev/null; echo $?)" \
	"p(95) failed against its baseline's value times 1.10 ($(printf '%s' "$R" | jq -c '.thresholds[0] | [.value, .baseline, .limit]'))"
is "$(printf '%s' "$R" | jq -c '.summary.metrics.http_req_duration.thresholds["p(95) < baseline * 1.10"].ok')" false \
	"the summary marks it too"

# baselineRequired without a baseline fails
T2=$(curl -s -H "$J" -X POST "$URL/api/tests" -d "$(def "$FAST" '"iteration_duration": [{"threshold": "p(95) < baseline * 2", "baselineRequired": true}]')" | jq .id)
"$RAMPAGE" start "$T2" --wait --server "$URL" >/dev/null 2>&1
is "$?" 99 "baselineRequired without a baseline: exit 99"
R3=$(curl -s "$URL/api/runs?test=$T2" | jq '.runs[0].id')
is "$(curl -s "$URL/api/runs/$R3" | jq -c '[.thresholds[] | select(.metric == "iteration_duration") | [.ok, .baselineRequired]]')" \
	'[[false,true]]' "the required one failed"

# no daemon: rampage run --baseline
def "$FAST" >"$SANDBOX/fast.json"
def "$SLOW" >"$SANDBOX/slow.json"
"$RAMPAGE" run "$SANDBOX/fast.json" --quiet --summary-export "$SANDBOX/fast-summary.json" \
	--out summary="$SANDBOX/fast-full.json" >/dev/null 2>&1
is "$?" 0 "rampage run without --baseline: skipped, exit 0"
out=$("$RAMPAGE" run "$SANDBOX/slow.json" --quiet --baseline "$SANDBOX/fast-summary.json" 2>&1)
is "$?" 99 "rampage run --baseline: slower than the baseline file, exit 99"
like "$out" "p\\(95\\) < baseline \\* 1.10" "the summary names the relative threshold"
out=$("$RAMPAGE" run "$SANDBOX/slow.json" --quiet --baseline "$SANDBOX/fast-full.json" 2>&1)
is "$?" 99 "the full summary (--out summary=) as the baseline: exit 99 too"
# the same target again passes; the factors are wide (p95 within 3x, rate above a tenth) because
# two short runs on a shared machine can differ by more than 10% with nothing changed
P95X=3 RATEX=0.1 def "$FAST" >"$SANDBOX/fast-again.json"
"$RAMPAGE" run "$SANDBOX/fast-again.json" --quiet --baseline "$SANDBOX/fast-summary.json" >/dev/null 2>&1
is "$?" 0 "as fast as the baseline file (k6's shape, values at the top): exit 0"
"$RAMPAGE" run "$SANDBOX/fast.json" --quiet --baseline "$SANDBOX/missing.json" >/dev/null 2>&1
is "$?" 2 "a missing baseline file: exit 2"
done_testing
