#!/bin/sh
# Think time end to end. Each iteration is one fast request plus a think, so iteration_duration minus
# http_req_duration is the think time the VUs really waited: its mean must match the distribution's
# (-5%..+15%: see near() below). Pacing makes iterations last their
# period; and thinking VUs are timers, not blocked threads: 200 VUs thinking 1 s each on ONE worker
# still complete about 200 iterations a second.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

# run NAME VUS ITERATIONS THINK-JSON [scenario think]: per-vu-iterations with the think on the step
# (or, with a 5th argument, on the scenario)
run() {
	step=$4; scen=null
	if [ $# -ge 5 ]; then step=null; scen=$4; fi
	jq -n --arg url "$DEMO_URL/api/health" --argjson vus "$2" --argjson it "$3" --argjson step "$step" \
		--argjson scen "$scen" '{scenarios: {s: ({executor: "per-vu-iterations", vus: $vus, iterations: $it,
		tasks: [({url: $url} + (if $step == null then {} else {thinkTime: $step} end))]}
		+ (if $scen == null then {} else {thinkTime: $scen} end))}}' >"$SANDBOX/$1.json"
	"$RAMPAGE" run "$SANDBOX/$1.json" -q --out summary="$SANDBOX/$1.s.json" >"$SANDBOX/$1.out" 2>&1
}
# mean think in µs: iteration_duration avg - http_req_duration avg (both ms in the export)
think_us() { jq '(.metrics.iteration_duration.values.avg - .metrics.http_req_duration.values.avg) * 1000 | floor' "$SANDBOX/$1.s.json"; }
# -5% .. +15%: sampling moves the mean either way by well under 5%; a busy machine only wakes a
# thinking VU late, never early, so the upper side also allows for that (a wrong distribution is off
# by far more: a rate taken for a mean is 2x or 0.5x).
near() { [ "$1" -ge $(($2 * 95 / 100)) ] && [ "$1" -le $(($2 * 115 / 100)) ]; }

run exp 100 80 '{"exponential": "50ms"}'
is "$(jq .metrics.iterations.values.count "$SANDBOX/exp.s.json")" 8000 "exponential: 8,000 iterations"
t=$(think_us exp)
ok $(near "$t" 50000; echo $?) "exponential, mean 50 ms: the VUs waited $t µs on average (50,000 -5%..+15%)"
# an exponential's spread: the slowest iterations wait several means, the fastest almost nothing
ok $(jq '.metrics.iteration_duration.values.max > 200 and .metrics.iteration_duration.values.min < 5' \
	"$SANDBOX/exp.s.json" | grep -q true; echo $?) "exponential: waits from ~0 to several means"

run between 20 40 '{"between": ["25ms", "75ms"]}'
t=$(think_us between)
ok $(near "$t" 50000; echo $?) "between 25 ms and 75 ms: mean $t µs (50,000 -5%..+15%)"
v=$(jq -c '.metrics.iteration_duration.values | [.min, .["p(90)"]]' "$SANDBOX/between.s.json")
ok $(printf '%s' "$v" | jq -e '.[0] >= 25 and .[1] < 80' >/dev/null; echo $?) \
	"between: no iteration under 25 ms, 90% under 80 ms ([min, p90] = $v)"

run constant 10 10 '"40ms"'
t=$(think_us constant)
ok $(near "$t" 40000; echo $?) "constant 40 ms: mean $t µs"

# Pacing on the scenario: every iteration lasts 100 ms, except each VU's last, which does not wait
# for a next one (so the run is not held up): 9 of 10 iterations paced.
run pacing 5 10 '{"pacing": "100ms"}' scenario
# (Upper bounds are loose: a busy machine makes a paced iteration late, never early; a pacing that
# waited twice would last 200 ms.)
is "$(jq '.metrics.iteration_duration.values.med | . >= 99 and . < 190' "$SANDBOX/pacing.s.json")" true \
	"pacing 100 ms: the median iteration lasts 100 ms"
# Each VU's last iteration does not wait: it lasts one request (a few ms), not 100 ms.
is "$(jq '.metrics.iteration_duration.values.min < 50' "$SANDBOX/pacing.s.json")" \
	true "a VU's last iteration does not wait"

# 200 VUs thinking 1 s, one worker, 2 s: ~400 iterations if thinking VUs are timers, ~2 if they
# blocked the worker's thread.
jq -n --arg url "$DEMO_URL/api/health" '{vus: 200, duration: "2s", thinkTime: "1s", tasks: [{url: $url}]}' \
	>"$SANDBOX/many.json"
"$RAMPAGE" run "$SANDBOX/many.json" -q --workers 1 --out summary="$SANDBOX/many.s.json" >"$SANDBOX/many.out" 2>&1
n=$(jq .metrics.iterations.values.count "$SANDBOX/many.s.json")
ok $([ "$n" -ge 380 ] && [ "$n" -le 420 ]; echo $?) "200 VUs thinking 1 s on one worker for 2 s: $n iterations (~400)"
done_testing
