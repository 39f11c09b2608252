#!/bin/sh
# 175: the reports a run leaves. `rampage run --summary-export` writes k6's flattened document, read
# here by the same jq paths as k6's file (metrics.<name>["p(95)"], metrics.http_req_failed.value,
# root_group.checks["<name>"], thresholds true when they FAILED: k6 issue #1498); `--out summary=`
# writes the full handleSummary()-shaped document with the opposite {"ok": bool}.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

# 100 iterations of two requests: one answered 200, one 500. Half the requests fail, half the
# checks fail; rate<0.01 on http_req_failed fails, p(95)<5000 holds.
cat >"$SANDBOX/t.json" <<JSON
{ "name": "reports", "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 2, "iterations": 100,
    "tasks": [ { "name": "pair", "steps": [
      { "name": "ok", "path": "/api/health", "checks": [ { "status": 200, "name": "ok is 200" } ] },
      { "name": "broken", "path": "/api/health?status=500",
        "checks": [ { "status": 200, "name": "broken is 200" } ] } ] } ] } },
  "thresholds": { "http_req_failed": ["rate<0.01"], "http_req_duration": ["p(95)<5000"],
                  "checks": ["rate>0.2"] } }
JSON
"$RAMPAGE" run "$SANDBOX/t.json" -q --summary-export "$SANDBOX/k6.json" --out summary="$SANDBOX/rich.json" \
	>"$SANDBOX/run.out" 2>&1
is "$?" 99 "a failed threshold: exit 99"

K="$SANDBOX/k6.json"
is "$(jq -c 'keys' "$K")" '["metrics","root_group"]' "k6 export: root_group and metrics only, as k6's file"
is "$(jq '.metrics.http_reqs.count' "$K")" 200 "metrics.http_reqs.count"
is "$(jq '.metrics.http_req_duration["p(95)"] | type' "$K")" '"number"' 'metrics.http_req_duration["p(95)"] is a number'
is "$(jq '.metrics.http_req_duration | has("values") or has("type")' "$K")" false "metrics are flattened: no values/type"
is "$(jq '.metrics.http_req_failed.value' "$K")" 0.5 "metrics.http_req_failed.value (k6 renames a rate's rate)"
is "$(jq -c '.metrics.http_req_failed | [.passes, .fails, has("rate")]' "$K")" '[100,100,false]' \
	"http_req_failed passes (the failed requests) and fails; no rate key"
is "$(jq -c '.metrics.checks | [.passes, .fails, .value]' "$K")" '[100,100,0.5]' "metrics.checks passes/fails/value"
is "$(jq -c '.root_group.checks["ok is 200"] | [.passes, .fails, .path]' "$K")" '[100,0,"::ok is 200"]' \
	'root_group.checks["ok is 200"], keyed by name as in k6'
is "$(jq -c '.root_group.checks["broken is 200"] | [.passes, .fails]' "$K")" '[0,100]' 'root_group.checks["broken is 200"]'
is "$(jq -c '.root_group | [.id, (.groups | type)]' "$K")" '["d41d8cd98f00b204e9800998ecf8427e","object"]' \
	"root_group id (MD5 of the empty path) and groups as an object"
is "$(jq '.metrics.http_req_failed.thresholds["rate<0.01"]' "$K")" true "k6 quirk: a FAILED threshold is true"
is "$(jq '.metrics.http_req_duration.thresholds["p(95)<5000"]' "$K")" false "k6 quirk: a threshold that held is false"
is "$(jq '.metrics.checks.thresholds["rate>0.2"]' "$K")" false "checks rate>0.2 held: false"
is "$(jq '.metrics.vus | has("value") and has("min") and has("max")' "$K")" true "a gauge: value, min, max"

R="$SANDBOX/rich.json"
is "$(jq -c 'keys' "$R")" '["metrics","options","rampage","root_group","state"]' "--out summary=: the full document"
is "$(jq '.metrics.http_req_failed.values.rate' "$R")" 0.5 "full summary: values.rate"
is "$(jq '.metrics.http_req_failed.thresholds["rate<0.01"].ok' "$R")" false "full summary: ok=false for the failed one"
is "$(jq '.root_group.checks | type' "$R")" '"array"' "full summary: checks as an array (handleSummary)"
is "$(jq '.rampage.endpoints | length' "$R")" 2 "full summary: Rampage's endpoints"

# Usage: an end-of-run --out without a path is refused.
err=$("$RAMPAGE" run "$SANDBOX/t.json" -q --out summary= 2>&1); is $? 2 "--out summary= without a path exits 2"
like "$err" "--out summary=: expected a PATH" "the error names the option"

done_testing
