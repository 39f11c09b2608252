#!/bin/sh
# ramping-vus follows its stages second by second: the CSV's vus column (active VUs at the end of
# each second) climbs 0 -> 4 over 1.75 s, holds until 3.5 s, jumps to 1, and the run ends on time.
# The stages are laid out so that no second ends near a change of the VU count (at 1 s the ramp
# stands at 2.29 VUs), so the samples do not depend on scheduling jitter.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

cat >"$SANDBOX/ramp.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "r": { "executor": "ramping-vus", "startVUs": 0,
  "gracefulRampDown": "0s",
  "stages": [ { "duration": "1750ms", "target": 4 }, { "duration": "1750ms", "target": 4 },
              { "duration": "0s", "target": 1 }, { "duration": "1500ms", "target": 1 } ],
  "tasks": [ { "path": "/api/health?delay_ms=20" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/ramp.json" -q --out csv="$SANDBOX/r.csv" --out summary="$SANDBOX/s.json" \
	>"$SANDBOX/out" 2>&1
is $? 0 "ramping-vus exits 0"
vus=$(awk -F, 'NR > 1 && $2 == "total" { printf "%s%s", sep, $14; sep = " " }' "$SANDBOX/r.csv")
diag "vus per second: $vus"
set -- $vus
ok $([ $# -ge 4 ]; echo $?) "at least 4 seconds in the CSV ($#)"
is "${1:-}" 2 "second 0: 1 s into a 0 -> 4 ramp of 1.75 s, 2 VUs"
is "${2:-}" 4 "second 1: at the top, 4 VUs"
is "${3:-}" 4 "second 2: holding at 4"
is "${4:-}" 1 "second 3: after the jump, 1 VU"
is "$(jq '.metrics.vus.values.max' "$SANDBOX/s.json")" 4 "vus max is 4"
is "$(jq '.metrics.vus_max.values.value >= 4' "$SANDBOX/s.json")" true "vus_max covers the peak"
# with 20 ms per request, seconds at 4 VUs carry about twice the requests of seconds at 2
r0=$(awk -F, 'NR > 1 && $2 == "total" && $1 == 0 { print $3 }' "$SANDBOX/r.csv")
r2=$(awk -F, 'NR > 1 && $2 == "total" && $1 == 2 { print $3 }' "$SANDBOX/r.csv")
ok $([ "$r2" -gt "$r0" ]; echo $?) "more VUs, more requests ($r0 at second 0, $r2 at second 2)"
is "$(jq '.state.testRunDurationMs < 7000' "$SANDBOX/s.json")" true "the run ends with its stages (5 s)"
done_testing
