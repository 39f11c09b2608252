#!/bin/sh
# k6's flags on `rampage run FILE`: --vus/-u, --duration/-d, --iterations/-i and --rate override the
# definition's options, as the daemon's start overrides them (runs/overrides: the same code, the
# same table); an override no scenario takes is refused naming the flag. The daemon's start takes
# "iterations" too (API and `rampage start --iterations`), so both take the same four.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

reqs() { jq '[.rampage.endpoints[].requests] | add // 0' "$1"; }

# a shortcut definition: one iteration per VU (vus alone)
cat >"$SANDBOX/vus.json" <<JSON
{ "baseUrl": "$DEMO_URL", "vus": 1, "tasks": [ { "name": "h", "path": "/api/health" } ] }
JSON
"$RAMPAGE" run "$SANDBOX/vus.json" -q --out summary="$SANDBOX/a.json" >"$SANDBOX/out" 2>&1
is "$?:$(reqs "$SANDBOX/a.json")" 0:1 "without flags: the definition's one VU, one iteration"
"$RAMPAGE" run "$SANDBOX/vus.json" -q --vus 3 --out summary="$SANDBOX/a.json" >"$SANDBOX/out" 2>&1
is "$?:$(reqs "$SANDBOX/a.json")" 0:3 "--vus 3: three VUs, one iteration each"
"$RAMPAGE" run "$SANDBOX/vus.json" -q -u 2 -i 7 --out summary="$SANDBOX/a.json" >"$SANDBOX/out" 2>&1
is "$?:$(reqs "$SANDBOX/a.json"):$(jq .metrics.vus_max.values.max "$SANDBOX/a.json")" 0:7:2 \
	"-u 2 -i 7: seven iterations shared by two VUs (k6's shared-iterations)"

# a scenario definition: constant-vus with a long duration, cut short by -d
cat >"$SANDBOX/cv.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "10m",
  "thinkTime": "50ms", "tasks": [ { "name": "h", "path": "/api/health" } ] } } }
JSON
start=$(date +%s)
"$RAMPAGE" run "$SANDBOX/cv.json" -q -d 1s --vus 2 --out summary="$SANDBOX/b.json" >"$SANDBOX/out" 2>&1
rc=$?; took=$(( $(date +%s) - start ))
is "$rc" 0 "-d 1s on a 10m constant-vus scenario exits 0"
ok $([ "$took" -lt 60 ]; echo $?) "the run ended long before 10m ($took s)"
is "$(jq .metrics.vus_max.values.max "$SANDBOX/b.json")" 2 "--vus 2 ran two VUs"
"$RAMPAGE" run "$SANDBOX/cv.json" -q -i 5 >"$SANDBOX/out" 2>&1
is "$?" 2 "--iterations on a constant-vus scenario: refused (usage)"
like "$(cat "$SANDBOX/out")" '^rampage run: --iterations: no scenario runs a count of iterations' \
	"naming the flag and why"
"$RAMPAGE" run "$SANDBOX/cv.json" -q --rate 5 >"$SANDBOX/out" 2>&1
is "$?" 2 "--rate on a constant-vus scenario: refused"
like "$(cat "$SANDBOX/out")" '--rate: no scenario uses constant-arrival-rate' "naming --rate"
"$RAMPAGE" run "$SANDBOX/cv.json" -q -i 0 >"$SANDBOX/out" 2>&1
is "$?" 2 "-i 0 is a usage error"

# per-vu-iterations: --iterations sets each VU's count
cat >"$SANDBOX/pvi.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 2, "iterations": 1,
  "tasks": [ { "name": "h", "path": "/api/health" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/pvi.json" -q --iterations 4 --out summary="$SANDBOX/c.json" >"$SANDBOX/out" 2>&1
is "$?:$(reqs "$SANDBOX/c.json")" 0:8 "per-vu-iterations: --iterations 4 x 2 VUs = 8 requests"

# constant-arrival-rate: --rate and --duration
cat >"$SANDBOX/car.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "constant-arrival-rate", "rate": 1,
  "timeUnit": "1s", "duration": "10m", "preAllocatedVUs": 2, "maxVUs": 4,
  "tasks": [ { "name": "h", "path": "/api/health" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/car.json" -q --rate 20 -d 1s --out summary="$SANDBOX/d.json" >"$SANDBOX/out" 2>&1
n=$(reqs "$SANDBOX/d.json")
is "$?" 0 "--rate 20 -d 1s on constant-arrival-rate exits 0"
ok $([ "$n" -ge 10 ] && [ "$n" -le 21 ]; echo $?) "about 20 iterations in 1 s, not 1 per second for 10m ($n)"

# a quick test takes -i too
"$RAMPAGE" run --url "$DEMO_URL/api/health" -q -u 2 -i 6 --out summary="$SANDBOX/e.json" >"$SANDBOX/out" 2>&1
is "$?:$(reqs "$SANDBOX/e.json")" 0:6 "--url with -u 2 -i 6: six requests"
"$RAMPAGE" run --url "$DEMO_URL/api/health" -q -i 6 --rate 3 >"$SANDBOX/out" 2>&1
is "$?" 2 "--url with both --iterations and --rate: refused"

# the daemon's start takes iterations, with the same table
start_daemon
cat >"$SANDBOX/t.json" <<JSON
{ "name": "pvi", "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 1,
  "iterations": 1, "tasks": [ { "name": "h", "path": "/api/health" } ] } } }
JSON
TEST=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$SANDBOX/t.json" "$URL/api/tests" | jq -r .id)
body=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"iterations": 3}' "$URL/api/tests/$TEST/runs")
RUN=$(printf '%s' "$body" | jq -r .id)
for _ in $(seq 100); do
	st=$(curl -s "$URL/api/runs/$RUN" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$st" finished "POST /api/tests/ID/runs {\"iterations\": 3}: the run finishes"
is "$(curl -s "$URL/api/runs/$RUN" | jq -c "[.stats.requests, .definition.scenarios.s.iterations]")" '[3,3]' \
	"three iterations ran, and the run's snapshot says so"
is "$(curl -s -X POST -H 'Content-Type: application/json' -d '{"iterations": 0}' "$URL/api/tests/$TEST/runs" |
	jq -c '[.error.code, .error.errors[0].path]')" '["invalid_overrides","iterations"]' "iterations 0: invalid_overrides naming it"
cat >"$SANDBOX/cv2.json" <<JSON
{ "name": "cv", "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s",
  "tasks": [ { "name": "h", "path": "/api/health" } ] } } }
JSON
TEST2=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$SANDBOX/cv2.json" "$URL/api/tests" | jq -r .id)
is "$(curl -s -X POST -H 'Content-Type: application/json' -d '{"iterations": 3}' "$URL/api/tests/$TEST2/runs" |
	jq -r '.error.errors[0].message')" \
	"no scenario runs a count of iterations (per-vu-iterations, shared-iterations, or a definition without scenarios or stages)" \
	"iterations on a constant-vus test: refused naming why, as the CLI's"
out=$("$RAMPAGE" start "$TEST" --iterations 2 --wait --server "$URL" 2>&1)
is "$?" 0 "rampage start TEST --iterations 2 --wait exits 0"
RUN2=$(curl -s "$URL/api/runs?test=$TEST" | jq -r '[.runs[] | .id] | max')
is "$(curl -s "$URL/api/runs/$RUN2" | jq .stats.requests)" 2 "and ran two iterations"
done_testing
