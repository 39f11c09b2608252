#!/bin/sh
# Iteration executors give exact counts: shared-iterations does `iterations` in total, per-vu-iterations
# `vus x iterations`; the summary export, the demo target's own request counter and a workflow task's
# steps all agree.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

cat >"$SANDBOX/shared.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "shared-iterations", "vus": 3,
  "iterations": 37, "tasks": [ { "path": "/api/users/1" } ] } } }
JSON
curl -s -X POST "$DEMO_URL/api/stats/reset" >/dev/null
"$RAMPAGE" run "$SANDBOX/shared.json" -q --out summary="$SANDBOX/shared-s.json" >"$SANDBOX/out" 2>&1
is $? 0 "shared-iterations exits 0"
is "$(jq -c '[.metrics.iterations.values.count, .metrics.http_reqs.values.count, .metrics.http_req_failed.values.passes]' "$SANDBOX/shared-s.json")" \
	'[37,37,0]' "37 shared iterations, 37 requests, none failed"
is "$(jq '.metrics.vus_max.values.value' "$SANDBOX/shared-s.json")" 3 "over 3 VUs"
got=$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["GET /api/users/{id}"]')
is "$got" 37 "the target saw exactly 37 requests"

cat >"$SANDBOX/pervu.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "p": { "executor": "per-vu-iterations", "vus": 4,
  "iterations": 5, "tasks": [ { "name": "flow", "steps": [
    { "name": "health", "path": "/api/health" },
    { "name": "user", "path": "/api/users/{{vu}}" } ] } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/pervu.json" -q --out summary="$SANDBOX/pervu-s.json" --out csv="$SANDBOX/pervu.csv" \
	>"$SANDBOX/out" 2>&1
is $? 0 "per-vu-iterations exits 0"
is "$(jq -c '[.metrics.iterations.values.count, .metrics.http_reqs.values.count]' "$SANDBOX/pervu-s.json")" \
	'[20,40]' "4 VUs x 5 iterations = 20 iterations of 2 steps = 40 requests"
is "$(jq -c '[.rampage.endpoints[] | [.name, .requests]]' "$SANDBOX/pervu-s.json")" \
	'[["health",20],["user",20]]' "each step is its own endpoint, 20 requests each"
is "$(jq -r '.rampage.iterations.interrupted' "$SANDBOX/pervu-s.json")" 0 "no iteration interrupted"
is "$(awk -F, 'NR > 1 && $2 == "user" { s += $3 } END { print s }' "$SANDBOX/pervu.csv")" 20 \
	"the CSV's per-endpoint rows add up to 20"
out=$(cat "$SANDBOX/out")
like "$out" '^  iterations\.+: 20 ' "the text summary says 20 iterations"
like "$out" '20 complete and 0 interrupted iterations' "and the closing line agrees"
done_testing
