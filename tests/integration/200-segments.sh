#!/bin/sh
# Execution segments (k6's --execution-segment and --execution-segment-sequence): three processes,
# each given one third of the sequence 0,1/3,2/3,1, run shares that add up to the whole test, for
# every executor: the open model's iterations (each share starts the whole schedule's iterations
# whose index is striped to it), shared iterations, and VU counts; the summary says which share ran.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo
SEQ=0,1/3,2/3,1

# def NAME SCENARIO-JSON: a definition against the demo target
def() {
	cat >"$SANDBOX/$1.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": $2 } }
JSON
}
# share NAME SEGMENT: runs one share (once); prints the path of its summary
share() {
	out="$SANDBOX/$1.$(printf '%s' "$2" | tr '/:' '-_').json"
	[ -f "$out" ] || "$RAMPAGE" run "$SANDBOX/$1.json" -q --execution-segment "$2" \
		--execution-segment-sequence "$SEQ" --out summary="$out" >>"$SANDBOX/run.log" 2>&1
	echo "$out"
}
# sum NAME JQ: the sum over the three shares of JQ
sum() {
	s=0
	for seg in 0:1/3 1/3:2/3 2/3:1; do
		v=$(jq "$2" "$(share "$1" "$seg")")
		s=$((s + v))
	done
	echo "$s"
}
whole() { "$RAMPAGE" run "$SANDBOX/$1.json" -q --out summary="$SANDBOX/$1.whole.json" >>"$SANDBOX/run.log" 2>&1; jq "$2" "$SANDBOX/$1.whole.json"; }

# Open model: 200/s for 1.5 s is 300 iterations in the whole schedule, 100 for each third (the
# executor's count is exact); VU pools large enough that none is dropped on a busy machine.
def car '{ "executor": "constant-arrival-rate", "rate": 200, "duration": "1500ms",
  "preAllocatedVUs": 30, "maxVUs": 90, "tasks": [ { "path": "/api/health" } ] }'
is "$(whole car '.rampage.iterations | .completed + .dropped + .interrupted')" 300 \
	"constant-arrival-rate: the whole run's schedule has 300 iterations"
is "$(sum car '.rampage.iterations | .completed + .dropped + .interrupted')" 300 \
	"constant-arrival-rate: the three shares' iterations add up to exactly the whole's"
is "$(sum car '.rampage.total.requests')" "$(jq .rampage.total.requests "$SANDBOX/car.whole.json")" \
	"constant-arrival-rate: the shares' request counts add up to the whole's"
is "$(jq '.rampage.iterations | .completed + .dropped' "$(share car 1/3:2/3)")" 100 \
	"constant-arrival-rate: one third's share is exactly a third"
is "$(jq -c .rampage.execution_segment "$(share car 1/3:2/3)")" '{"segment":"1/3:2/3","sequence":"0,1/3,2/3,1"}' \
	"the summary says which share ran (rampage.execution_segment)"
is "$(jq -c .rampage.execution_segment "$SANDBOX/car.whole.json")" null "a whole run says null"
"$RAMPAGE" run "$SANDBOX/car.json" --execution-segment 2/3:1 --execution-segment-sequence "$SEQ" \
	>"$SANDBOX/text.out" 2>"$SANDBOX/text.err"
like "$(head -2 "$SANDBOX/text.err")" 'execution segment 2/3:1 of 0,1/3,2/3,1' "the run's first lines name the share"
like "$(cat "$SANDBOX/text.out")" 'execution segment 2/3:1 of 0,1/3,2/3,1: this is that share' "and so does the text summary"
# The share runs the whole schedule's iterations 0, 3, 6, ... (at their times: 0, 15 ms, 30 ms, ...),
# not the first 100 of it: a third of them fall in second 1.
"$RAMPAGE" run "$SANDBOX/car.json" -q --execution-segment 0:1/3 --execution-segment-sequence "$SEQ" \
	--out json="$SANDBOX/car.seconds" >>"$SANDBOX/run.log" 2>&1
ok "$(jq -s '(map(select(.second >= 1) | .iterations + .dropped_iterations) | add) > 0' "$SANDBOX/car.seconds" | grep -qx true; echo $?)" \
	"constant-arrival-rate: a share's iterations are spread over the whole duration (striped, not the first third)"

# Ramping arrival rate: 0 -> 300/s over 1 s, 300/s for 0.5 s: 300 iterations.
def rar '{ "executor": "ramping-arrival-rate", "startRate": 0, "preAllocatedVUs": 30, "maxVUs": 90,
  "stages": [ { "duration": "1s", "target": 300 }, { "duration": "500ms", "target": 300 } ],
  "tasks": [ { "path": "/api/health" } ] }'
is "$(sum rar '.rampage.iterations | .completed + .dropped + .interrupted')" \
	"$(whole rar '.rampage.iterations | .completed + .dropped + .interrupted')" \
	"ramping-arrival-rate: the shares' iterations add up to exactly the whole's"

# Shared iterations: 100 over 4 VUs: 34 + 33 + 33 iterations, 2 + 1 + 1 VUs.
def shared '{ "executor": "shared-iterations", "vus": 4, "iterations": 100, "tasks": [ { "path": "/api/health" } ] }'
is "$(sum shared '.rampage.total.requests')" 100 "shared-iterations: the shares add up to exactly 100 requests"
is "$(jq .rampage.total.requests "$(share shared 0:1/3)")" 34 "shared-iterations: the first third runs 34 (k6's striping)"
is "$(sum shared '.metrics.vus_max.values.value')" 4 "shared-iterations: the shares' VUs add up to 4"

# Per-VU iterations: 5 VUs x 3: VUs 2 + 2 + 1, each VU its 3 iterations.
def pervu '{ "executor": "per-vu-iterations", "vus": 5, "iterations": 3, "tasks": [ { "path": "/api/health" } ] }'
is "$(sum pervu '.rampage.total.requests')" 15 "per-vu-iterations: the shares add up to 5 x 3 requests"
is "$(jq .rampage.total.requests "$(share pervu 2/3:1)")" 3 "per-vu-iterations: the last third has 1 VU, its 3 iterations"

# Closed model: the VU counts are divided.
def cvus '{ "executor": "constant-vus", "vus": 7, "duration": "1s", "tasks": [ { "path": "/api/health" } ] }'
is "$(sum cvus '.metrics.vus_max.values.value')" 7 "constant-vus: 7 VUs split into shares of 3 + 2 + 2"
# ... and the controller steers the share's own count: 3 VUs loop, not 7.
def cvus2 '{ "executor": "constant-vus", "vus": 7, "duration": "2s", "tasks": [ { "path": "/api/health" } ] }'
"$RAMPAGE" run "$SANDBOX/cvus2.json" -q --execution-segment 0:1/3 --execution-segment-sequence "$SEQ" \
	--out json="$SANDBOX/cvus2.seconds" >>"$SANDBOX/run.log" 2>&1
is "$(jq -s 'map(select(.second == 0) | .vus) | .[0]' "$SANDBOX/cvus2.seconds")" 3 \
	"constant-vus: the first third's 3 VUs are the ones looping"
def rvus '{ "executor": "ramping-vus", "startVUs": 0,
  "stages": [ { "duration": "600ms", "target": 5 }, { "duration": "600ms", "target": 5 } ],
  "tasks": [ { "path": "/api/health" } ] }'
is "$(sum rvus '.metrics.vus_max.values.value')" 5 "ramping-vus: the shares' VU pools add up to the peak target"

# A ramp is divided at every instant: 0 -> 6 VUs over 2 s is 3 at 1 s (2 to 3 around it), of which
# the first third runs 1 (not its pool's 2 at once).
def rvus2 '{ "executor": "ramping-vus", "startVUs": 0, "gracefulRampDown": "0s",
  "stages": [ { "duration": "2s", "target": 6 }, { "duration": "500ms", "target": 6 } ],
  "tasks": [ { "path": "/api/health" } ] }'
"$RAMPAGE" run "$SANDBOX/rvus2.json" -q --execution-segment 0:1/3 --execution-segment-sequence "$SEQ" \
	--out json="$SANDBOX/rvus2.seconds" >>"$SANDBOX/run.log" 2>&1
is "$(jq -s 'map(select(.second == 0) | .vus) | .[0]' "$SANDBOX/rvus2.seconds")" 1 \
	"ramping-vus: at 1 s the first third runs its share of the ramp's 3 VUs: 1"
is "$(jq -s 'map(.vus) | max' "$SANDBOX/rvus2.seconds")" 2 "ramping-vus: and 2 of the 6 at the top"

# VU numbers are the whole run's: a share's VUs are the run's VUs it owns, so a unique feed (VU n reads
# row n) stays unique across the shares: 6 VUs x 2 iterations read each of 6 rows exactly twice.
cat >"$SANDBOX/uniq.json" <<JSON
{ "baseUrl": "$DEMO_URL", "feeds": { "codes": { "mode": "unique", "rows": [ { "c": 200 }, { "c": 201 },
  { "c": 202 }, { "c": 203 }, { "c": 206 }, { "c": 207 } ] } },
  "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 6, "iterations": 2,
    "tasks": [ { "path": "/api/health?status={{codes.c}}" } ] } } }
JSON
for seg in 0:1/3 1/3:2/3 2/3:1; do share uniq "$seg" >/dev/null; done
is "$(jq -s -c 'map(.rampage.endpoints[0].status | to_entries[]) | group_by(.key) | map({(.[0].key): (map(.value) | add)}) | add' \
	"$SANDBOX"/uniq.*.json)" '{"200":2,"201":2,"202":2,"203":2,"206":2,"207":2}' \
	"unique feed: across the three shares each row is read by one VU only"

# A sequential feed's takes are the whole run's: 12 shared iterations over 6 rows read each row twice,
# in one run or in three shares (each share taking the run's takes it owns, not rows 1-4 again).
cat >"$SANDBOX/seqf.json" <<JSON
{ "baseUrl": "$DEMO_URL", "feeds": { "codes": { "mode": "sequential", "rows": [ { "c": 200 }, { "c": 201 },
  { "c": 202 }, { "c": 203 }, { "c": 206 }, { "c": 207 } ] } },
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 3, "iterations": 12,
    "tasks": [ { "path": "/api/health?status={{codes.c}}" } ] } } }
JSON
for seg in 0:1/3 1/3:2/3 2/3:1; do share seqf "$seg" >/dev/null; done
is "$(jq -s -c 'map(.rampage.endpoints[0].status | to_entries[]) | group_by(.key) | map({(.[0].key): (map(.value) | add)}) | add' \
	"$SANDBOX"/seqf.*.json)" '{"200":2,"201":2,"202":2,"203":2,"206":2,"207":2}' \
	"sequential feed: the three shares read the rows a single run reads"

# Refusals name the flag.
out=$("$RAMPAGE" run "$SANDBOX/car.json" -q --execution-segment 1/3:1/2 --execution-segment-sequence "$SEQ" 2>&1)
is $? 2 "a segment that is not in the sequence is refused"
like "$out" '--execution-segment: 1/3:1/2 is not one of the segments of the sequence' "and the error names the flag"
out=$("$RAMPAGE" run "$SANDBOX/car.json" -q --execution-segment 2/3:1/3 2>&1)
is $? 2 "a segment that goes backwards is refused"
out=$("$RAMPAGE" run "$SANDBOX/car.json" -q --execution-segment-sequence "$SEQ" 2>&1)
like "$out" '--execution-segment-sequence: give --execution-segment too' "a sequence alone is refused"
done_testing
