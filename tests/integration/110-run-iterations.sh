#!/bin/sh
# 110: iteration executors through `rampage run`: shared-iterations runs exactly `iterations` requests
# in total across its VUs and workers, per-vu-iterations exactly vus x iterations, side by side; the
# demo target's own counters agree with the summary.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

cat >"$SANDBOX/t.json" <<JSON
{ "name": "iterations", "baseUrl": "$DEMO_URL",
  "scenarios": {
    "shared": { "executor": "shared-iterations", "vus": 7, "iterations": 301,
                "tasks": [ { "name": "health", "path": "/api/health" } ] },
    "pervu":  { "executor": "per-vu-iterations", "vus": 4, "iterations": 12,
                "tasks": [ { "name": "user", "path": "/api/users/2" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/t.json" --quiet --workers 2 --out summary="$SANDBOX/s.json" \
	>"$SANDBOX/out" 2>&1
is "$?" 0 "run exits 0"
S="$SANDBOX/s.json"
is "$(jq '.metrics.http_reqs.values.count' "$S")" 349 "http_reqs: 301 shared + 4 x 12 per VU"
is "$(jq '.metrics.iterations.values.count' "$S")" 349 "iterations: 349"
is "$(jq -r '.rampage.endpoints[] | select(.name == "health") | .requests' "$S")" 301 \
	"shared-iterations: exactly 301 requests"
is "$(jq -r '.rampage.endpoints[] | select(.name == "user") | .requests' "$S")" 48 \
	"per-vu-iterations: exactly 48 requests"
is "$(jq '.rampage.total.failed' "$S")" 0 "nothing failed"
stats=$(curl -s "$DEMO_URL/api/stats")
is "$(printf '%s' "$stats" | jq '.requests.by_route["GET /api/health"]')" 301 "the target saw 301 health requests"
is "$(printf '%s' "$stats" | jq '.requests.by_route["GET /api/users/{id}"]')" 48 "the target saw 48 user requests"
done_testing
