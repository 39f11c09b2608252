#!/bin/sh
# 180: findings (issue 14). A ramp of VUs against a demo target that serves at most 10 requests at
# once (--capacity 10, 50 ms each) reports a capacity knee within 15% of 10 VUs, where the limit
# lies, and p95 rising past 3x its low-load value after it; GET /api/runs/{id}/findings is the
# summary's "findings" (404 for no run, 409 while it runs). A spike of VUs under `rampage run`
# reports its recovery in the summary document and in the text summary's "findings" section; the
# recovery time is checked against the per-second output (wall-clock noise decides what it is).
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo --capacity 10 --latency-ms 50
start_daemon

RUN=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"knee\", \"baseUrl\": \"$DEMO_URL\",
	\"scenarios\": {\"ramp\": {\"executor\": \"ramping-vus\", \"startVUs\": 0, \"gracefulRampDown\": \"0s\",
	\"stages\": [{\"duration\": \"16s\", \"target\": 20}],
	\"tasks\": [{\"name\": \"user\", \"path\": \"/api/users/1\"}]}}}}" | jq .id)
is "$(http_status GET "$URL/api/runs/$RUN/findings")" 409 "409 while the run has not ended"
like "$(curl -s "$URL/api/runs/$RUN/findings" | jq -r .error.message)" "findings are computed when it ends" \
	"saying when they come"
for _ in $(seq 400); do
	st=$(curl -s "$URL/api/runs/$RUN" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$st" finished "the ramp finished"
F=$(curl -s "$URL/api/runs/$RUN/findings")
diag "requests per second: $(curl -s "$URL/api/runs/$RUN/samples" | jq -c '[.samples[].requests]')"
diag "$(printf '%s' "$F" | jq -c '.findings[] | {id, severity, sentence}')"
is "$(printf '%s' "$F" | jq -c .findings)" "$(curl -s "$URL/api/runs/$RUN/summary" | jq -c .findings)" \
	"GET findings is the summary's findings"
K=$(printf '%s' "$F" | jq -c '.findings[] | select(.id == "capacity-knee")')
is "$(printf '%s' "$K" | jq -r .severity)" "warning sign" "a capacity knee is found"
ok "$(printf '%s' "$K" | jq -e '.numbers.knee_load >= 8.5 and .numbers.knee_load <= 11.5' >/dev/null; echo $?)" \
	"within 15% of the capacity limit of 10 ($(printf '%s' "$K" | jq .numbers.knee_load) VUs)"
ok "$(printf '%s' "$K" | jq -e '.numbers.knee_rps > 120 and .numbers.knee_rps < 220' >/dev/null; echo $?)" \
	"throughput past it near 10 per 50 ms ($(printf '%s' "$K" | jq .numbers.knee_rps) req/s)"
L=$(printf '%s' "$F" | jq -c '.findings[] | select(.id == "capacity-latency")')
ok "$(printf '%s' "$L" | jq -e --argjson k "$(printf '%s' "$K" | jq .numbers.knee_load)" '.numbers.load > $k' >/dev/null; echo $?)" \
	"p95 passes 3x its low-load value past the knee ($(printf '%s' "$L" | jq .numbers.load) VUs)"
is "$(printf '%s' "$F" | jq -r '.findings[] | select(.id == "availability") | .numbers.availability')" 1 \
	"availability: every request answered"
is "$(http_status GET "$URL/api/runs/999999/findings")" 404 "404 for no such run"
is "$(http_status GET "$URL/api/runs/$RUN/findings?x=1")" 400 "an unknown parameter is refused"

# a spike under `rampage run`: 5 VUs, 30 for 3 s, 5 again
cat >"$SANDBOX/spike.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "spike": { "executor": "ramping-vus", "startVUs": 5, "gracefulRampDown": "0s",
    "stages": [ { "duration": "6s", "target": 5 }, { "duration": "1s", "target": 40 },
                { "duration": "3s", "target": 40 }, { "duration": "1s", "target": 5 },
                { "duration": "13s", "target": 5 } ],
    "tasks": [ { "method": "GET", "path": "/api/users/1" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/spike.json" -q --out summary="$SANDBOX/s.json" --out json="$SANDBOX/s.jsonl" \
	>"$SANDBOX/s.out" 2>&1
is $? 0 "the spike run exits 0"
S=$(jq -c '.findings[] | select(.id == "spike-recovery")' "$SANDBOX/s.json")
diag "$S"
is "$(printf '%s' "$S" | jq -c '[.numbers.base_load, .numbers.peak_load]')" "[5,40]" \
	"the spike: from 5 to 40 VUs"
# recovery, recomputed from the per-second output: the first second from the spike's end that starts
# 10 in a row with p95 within max(20%, 5 ms) of the pre-spike p95 and errors within 0.5 points (a
# busy host makes single seconds slow, so the answer may honestly be "did not recover")
want=$(jq -s --argjson s "$S" '
	($s.numbers.pre_p95_ms) as $p | ($s.numbers.pre_error_rate) as $e | ($s.numbers.end_second) as $from |
	[.[] | select(.second >= $from) | .total |
	 (.requests > 0 and .p95_ms <= $p + ([0.2 * $p, 5] | max) + 0.01 and .failed / .requests <= $e + 0.005)] as $g |
	[range(0; ($g | length) - 9) | select($g[.:. + 10] | all)] | if length > 0 then .[0] else null end' "$SANDBOX/s.jsonl")
is "$(printf '%s' "$S" | jq -c .numbers.recovery_s)" "$want" "the recovery time is the one the per-second figures give ($want)"
like "$(printf '%s' "$S" | jq -r .sentence)" "^(Recovered [0-9]+ s after the spike to 40 VUs ended|Did not recover after the spike to 40 VUs)" \
	"in words"
grep -A8 '^  findings$' "$SANDBOX/s.out" | sed 's/^/# /'
ok "$(grep -A8 '^  findings$' "$SANDBOX/s.out" | grep -qF "    [$(printf '%s' "$S" | jq -r .severity)] $(printf '%s' "$S" | jq -r .sentence)"; echo $?)" \
	"the text summary's findings section says so"
ok "$(grep -A8 '^  findings$' "$SANDBOX/s.out" | grep -q '^    \[good sign\] Availability 100.000%'; echo $?)" \
	"and lists availability"
done_testing
