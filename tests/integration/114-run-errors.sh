#!/bin/sh
# 114: what the target does is measured, never fatal: a refused connection counts as a connect
# error, an HTTP 503 as a failed request with its status, and the run still exits 0.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo
live=$DEMO_URL
# A port nobody listens on: a second demo target's, once it is stopped.
start_demo gone
gone=$DEMO_URL
kill "$DEMO_PID"; wait "$DEMO_PID" 2>/dev/null
DEMO_URL=$live

cat >"$SANDBOX/t.json" <<JSON
{ "scenarios": { "s": { "executor": "shared-iterations", "vus": 3, "iterations": 60,
    "tasks": [ { "name": "refused", "weight": 1, "url": "$gone/api/health" },
               { "name": "unavailable", "weight": 1, "url": "$DEMO_URL/api/health?status=503" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/t.json" --quiet --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "run exits 0 whatever the target did"
S="$SANDBOX/s.json"
r=$(jq -r '.rampage.endpoints[] | select(.name == "refused") | .requests' "$S")
u=$(jq -r '.rampage.endpoints[] | select(.name == "unavailable") | .requests' "$S")
is "$((r + u))" 60 "60 requests in all"
ok "$([ "$r" -gt 5 ] && [ "$u" -gt 5 ] && echo 0 || echo 1)" "both tasks picked by weight ($r / $u)"
is "$(jq -r '.rampage.endpoints[] | select(.name == "refused") | .errors.connect' "$S")" "$r" \
	"refused: every request a connect error"
is "$(jq -r '.rampage.endpoints[] | select(.name == "unavailable") | .status["503"]' "$S")" "$u" \
	"503: counted by status"
is "$(jq '.rampage.total.failed' "$S")" 60 "all 60 failed (k6's http_req_failed)"
is "$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["GET /api/health"]')" "$u" \
	"the live target saw exactly the 503 requests"
done_testing
