#!/bin/sh
# Baselines and comparisons through the API (issue 13): two runs of one saved test against a demo
# target answering in 5 ms, then in 50 ms; the second compared with its baseline, the one before
# it and by id is `regressed` on latency with the right sign and ratio; a baseline is refused for
# another test's run and for one that has not ended, its history is kept; bad input is a clear 4xx.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo fast --latency-ms 5
FAST=$DEMO_URL
start_demo slow --latency-ms 50
SLOW=$DEMO_URL
start_daemon

J='Content-Type: application/json'
# def BASEURL [DURATION]: a definition with one always-holding threshold (so runs end `passed`)
def() {
	echo "{\"name\": \"cmp\", \"baseUrl\": \"$1\", \"vus\": 2, \"duration\": \"${2:-6s}\",
		\"thresholds\": {\"http_req_failed\": [\"rate<=1\"]},
		\"tasks\": [{\"name\": \"users\", \"path\": \"/api/users/1\"}]}"
}
finish() {
	for _ in $(seq 400); do
		st=$(curl -s "$URL/api/runs/$1" | jq -r .state)
		case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
	done
	echo "$st"
}
run_of() { curl -s -H "$J" -X POST "$URL/api/tests/$1/runs" -d "${2:-{\}}" | jq .id; }

T=$(curl -s -H "$J" -X POST "$URL/api/tests" -d "$(def "$FAST")" | jq .id)
R1=$(run_of "$T")
is "$(finish "$R1")" passed "the fast run passed"
curl -s -o /dev/null -H "$J" -X PUT "$URL/api/tests/$T" -d "$(def "$SLOW")"
R2=$(run_of "$T")
is "$(finish "$R2")" passed "the slow run passed"

# pinning
B=$(curl -s -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d "{\"run\": $R1, \"note\": \"fast\"}")
is "$(printf '%s' "$B" | jq -c '[.mode, .current.run_id, .current.note, (.history | length)]')" \
	"[\"pinned\",$R1,\"fast\",1]" "PUT pins the run, with its note, in the history"
is "$(curl -s "$URL/api/tests/$T/baseline" | jq -c '[.current.run_id, .floors.latency]')" \
	"[$R1,0.05]" "GET shows it, and the default latency floor"

C=$(curl -s "$URL/api/runs/$R2/compare?to=baseline")
is "$(printf '%s' "$C" | jq -c '[.base.run_id, .run.run_id, .to, .comparable, .verdict]')" \
	"[$R1,$R2,\"baseline\",true,\"regressed\"]" "compared with its baseline: regressed"
is "$(printf '%s' "$C" | jq -r '.total.metrics.p95_us.verdict')" regressed "p95 regressed"
ok "$(printf '%s' "$C" | jq -e '.total.metrics.p95_us | .diff > 0 and .ratio > 3 and .ratio < 30
	and .ci[0] > 1.05 and .better == "lower"' >/dev/null; echo $?)" \
	"with a positive difference and a ratio near 10 ($(printf '%s' "$C" | jq -c '.total.metrics.p95_us | [.ratio, .ci]'))"
diag "$(printf "%s" "$C" | jq -c "[.base.steady, .run.steady, .total.metrics.p95_us, .total.metrics.rps]")"
ok "$(printf '%s' "$C" | jq -e '.total.metrics.p50_us.ratio > 3 and .total.metrics.p50_us.verdict == null
	and .total.metrics.p50_us.primary == false' >/dev/null; echo $?)" \
	"p50 is shown as description (no verdict outside the primary set)"
is "$(printf '%s' "$C" | jq -c '[.endpoints[] | [.method, .name, .metrics.p95_us.verdict]]')" \
	'[["GET","users","regressed"]]' "the endpoint is matched by method and name, with its verdict"
is "$(printf '%s' "$C" | jq -c '[.only_in_run, .only_in_base, .run.steady.part]')" \
	'[[],[],"constant stages"]' "no endpoint in one run only; the steady part is the constant stage"
ok "$(printf '%s' "$C" | jq -e '(.spectra.base | length) > 2 and (.spectra.run | length) > 2 and
	.spectra.run[-1].p == 100' >/dev/null; echo $?)" "both latency spectra are there"
is "$(printf '%s' "$C" | jq -c '[.thresholds[] | [.source, .base_ok, .run_ok]]')" \
	'[["rate<=1",true,true]]' "the thresholds' outcomes side by side"
is "$(curl -s "$URL/api/runs/$R2/compare?to=previous" | jq -c '[.base.run_id, .verdict]')" \
	"[$R1,\"regressed\"]" "to=previous is the run before"
is "$(curl -s "$URL/api/runs/$R1/compare?to=$R2" | jq -c '[.verdict, .total.metrics.p95_us.verdict]')" \
	'["improved","improved"]' "the other way round: improved"
is "$(curl -s "$URL/api/runs/$R2" | jq -c '.baseline')" \
	"{\"run_id\":$R1,\"mode\":\"pinned\",\"verdict\":\"regressed\",\"comparable\":true}" \
	"the Run object names its baseline and the verdict"
is "$(curl -s "$URL/api/runs/$R1" | jq -c '.baseline | [.run_id, .verdict]')" '[null,null]' \
	"the baseline itself has none"

# a shape that differs is still compared, and says so
R3=$(run_of "$T" '{"vus": 3}')
is "$(finish "$R3")" passed "a run with 3 VUs passed"
C=$(curl -s "$URL/api/runs/$R3/compare?to=$R2")
is "$(printf '%s' "$C" | jq -c '[.comparable, (.reasons[0] | test("2 VUs.*3 VUs"))]')" '[false,true]' \
	"different VUs: comparable false, with the reason"

# refusals
T2=$(curl -s -H "$J" -X POST "$URL/api/tests" -d "$(def "$FAST")" | jq .id)
R4=$(run_of "$T2")
finish "$R4" >/dev/null
E=$(curl -s -w '\n%{http_code}' -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d "{\"run\": $R4}")
is "$(printf '%s' "$E" | tail -1)" 400 "another test's run as baseline: 400"
is "$(printf '%s' "$E" | head -1 | jq -r '.error.errors[0].path')" run "naming the field run"
like "$(printf '%s' "$E" | head -1 | jq -r '.error.message')" "run $R4 is a run of test $T2" \
	"and saying whose run it is"
is "$(http_status PUT "$URL/api/tests/$T/baseline" -H "$J" -d '{"run": 99999}')" 400 "an unknown run: 400"
is "$(http_status PUT "$URL/api/tests/9999/baseline" -H "$J" -d "{\"run\": $R1}")" 404 "an unknown test: 404"
is "$(curl -s -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d '{"run": "x"}' | jq -r '.error.errors[0].path')" \
	run "a run that is not an id names run"
is "$(curl -s -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d '{"baseline": "best"}' | jq -r '.error.errors[0].path')" \
	baseline "an unknown mode names baseline"
is "$(curl -s -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d '{"floors": {"latency": -1}}' | jq -r '.error.errors[0].path')" \
	floors.latency "a negative floor names it"
is "$(curl -s -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d '{"runs": 1}' | jq -r '.error.errors[0].path')" \
	runs "an unknown key is named"

LONG=$(run_of "$T" '{"duration": "60s"}')
for _ in $(seq 100); do [ "$(curl -s "$URL/api/runs/$LONG" | jq -r .state)" = running ] && break; sleep 0.1; done
is "$(curl -s -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d "{\"run\": $LONG}" | jq -r '.error.errors[0].path')" \
	run "a running run cannot be a baseline"
is "$(http_status GET "$URL/api/runs/$LONG/compare?to=$R1")" 409 "comparing a running run: 409"
is "$(curl -s "$URL/api/runs/$R2/compare?to=$LONG" | jq -r '.error.message' | cut -c1-3)" "to:" \
	"comparing with a running run names to"
curl -s -o /dev/null -H "$J" -X POST "$URL/api/runs/$LONG/stop"

is "$(http_status GET "$URL/api/runs/99999/compare?to=$R1")" 404 "an unknown run: 404"
is "$(curl -s "$URL/api/runs/$R2/compare?to=99999" | jq -r .error.parameter)" to \
	"an unknown run to compare with: 404 naming to"
is "$(http_status GET "$URL/api/runs/$R2/compare?to=99999")" 404 "(404)"
is "$(curl -s "$URL/api/runs/$R2/compare?to=$R2" | jq -r '[.error.parameter, .error.message] | join(" ")')" \
	"to to: run $R2 cannot be compared with itself" "a run with itself: 400 naming to"
for bad in abc 1x -3 0 ''; do
	is "$(http_status GET "$URL/api/runs/$R2/compare?to=$bad")" 400 "to=$bad: 400"
done
is "$(curl -s "$URL/api/runs/$R2/compare" | jq -r .error.parameter)" to "no to: 400 naming it"
is "$(http_status GET "$URL/api/runs/$R2/compare?to=$R1&x=1")" 400 "an unknown parameter: 400"

# clearing keeps the history; last-passed follows the runs
is "$(http_status DELETE "$URL/api/tests/$T/baseline" -H "$J")" 204 "DELETE clears the pin"
is "$(curl -s "$URL/api/tests/$T/baseline" | jq -c '[.current, (.history | length), (.history[0].cleared_ms > 0)]')" \
	'[null,1,true]' "the history keeps it, cleared"
is "$(curl -s "$URL/api/runs/$R2/compare?to=baseline" | jq -r .error.code)" no_baseline \
	"to=baseline without one: no_baseline"
is "$(http_status DELETE "$URL/api/tests/$T/baseline" -H "$J")" 404 "clearing again: 404"
is "$(curl -s -H "$J" -X PUT "$URL/api/tests/$T/baseline" -d '{"baseline": "last-passed", "floors": {"latency": 0.2}}' | jq -c '[.mode, .floors.latency]')" \
	'["last-passed",0.2]' "the test follows the last passed run, with a 20% latency floor"
is "$(curl -s "$URL/api/runs/$R2" | jq -c '.baseline | [.run_id, .mode, .verdict]')" \
	"[$R1,\"last-passed\",\"regressed\"]" "run $R2's last passed run before it is $R1"
is "$(curl -s "$URL/api/runs/$R2/compare?to=baseline" | jq -c '.method.floors.latency')" 0.2 \
	"the test's floor is used"
done_testing
