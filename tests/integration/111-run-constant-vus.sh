#!/bin/sh
# 111: constant-vus through `rampage run --out json`: one line per second, numbered 0, 1, 2 without
# gaps, each full second with exactly the configured VUs; the per-second requests add up to the
# summary's total, which is what the target counted.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

cat >"$SANDBOX/t.json" <<JSON
{ "baseUrl": "$DEMO_URL", "vus": 6, "duration": "2500ms",
  "tasks": [ { "name": "health", "path": "/api/health" } ] }
JSON
"$RAMPAGE" run "$SANDBOX/t.json" --quiet --workers 2 --out summary="$SANDBOX/s.json" \
	--out json="$SANDBOX/seconds.ndjson" >"$SANDBOX/out" 2>&1
is "$?" 0 "run exits 0"
L="$SANDBOX/seconds.ndjson"
is "$(jq -s -c '[.[].second]' "$L")" "[0,1,2]" "a line per second: 0, 1, 2"
is "$(jq -s -c '[.[0].vus, .[1].vus]' "$L")" "[6,6]" "6 VUs in each full second"
total=$(jq '.rampage.total.requests' "$SANDBOX/s.json")
is "$(jq -s '[.[].total.requests] | add' "$L")" "$total" "per-second requests add up to the total"
ok "$([ "$total" -gt 200 ] && echo 0 || echo 1)" "VUs loop without pause ($total requests)"
is "$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["GET /api/health"]')" "$total" \
	"the target counted the same requests"
is "$(jq '.metrics.vus_max.values.value' "$SANDBOX/s.json")" 6 "vus_max 6"
done_testing
