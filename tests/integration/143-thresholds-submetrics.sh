#!/bin/sh
# 143: sub-metric thresholds by tag (name, scenario, status, group, expected_response), recorded by
# the engine per request, and the k6 handleSummary() export shape: each sub-metric a threshold
# names is a metric entry of its own ("http_reqs{status:503}": {"type": "counter", ...}) carrying
# "thresholds": {"<source as written>": {"ok": bool}}; rampage.thresholds has the full results.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

def() { # def STATUS503-COUNT
	cat <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": {
    "api": { "executor": "constant-vus", "vus": 2, "duration": "2s",
             "tasks": [ { "name": "fast", "path": "/api/health" },
                        { "name": "slow", "path": "/api/health?delay_ms=60" } ] },
    "errors": { "executor": "shared-iterations", "vus": 1, "iterations": 20,
                "tasks": [ { "name": "gone", "path": "/api/health?status=503" } ] },
    "flow": { "executor": "shared-iterations", "vus": 1, "iterations": 10,
              "tasks": [ { "name": "checkout", "steps": [
                  { "name": "login", "path": "/api/health" },
                  { "name": "pay", "path": "/api/health?status=502" } ] } ] } },
  "thresholds": {
    "http_req_duration{name:fast}": ["p(95)<50"],
    "http_req_duration{name:slow}": ["p(95) >= 55", "min>=55"],
    "http_req_failed{scenario:api}": ["rate==0"],
    "http_req_failed{scenario:errors}": ["rate==1"],
    "http_reqs{status:503}": ["count==$1"],
    "http_reqs{group:checkout}": ["count==20"],
    "http_req_failed{group:checkout}": ["rate==0.5"],
    "http_reqs{status:502,scenario:flow}": ["count==10"],
    "http_req_duration{expected_response:true}": ["max<1000"],
    "http_req_duration": ["p(99)<1000"] } }
JSON
}

def 20 >"$SANDBOX/t.json"
"$RAMPAGE" run "$SANDBOX/t.json" --quiet --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "every sub-metric threshold holds: exit 0"
S="$SANDBOX/s.json"
j() { jq -r "$1" "$S"; }
is "$(j '.metrics["http_reqs{status:503}"] | [.type, .contains, .values.count] | join(" ")')" "counter default 20" \
	"status:503 sub-metric: a counter of the 20 503s"
is "$(j '.metrics["http_reqs{status:503}"].thresholds["count==20"].ok')" true "... with its threshold ok"
is "$(j '.metrics["http_req_duration{name:slow}"] | [.type, .contains] | join(" ")')" "trend time" \
	"name:slow sub-metric: a time trend"
ok "$(j '.metrics["http_req_duration{name:slow}"].values["p(95)"] >= 55 and .metrics["http_req_duration{name:fast}"].values["p(95)"] < 50' | grep -q true; echo $?)" \
	"name:slow p(95) >= 55 ms and name:fast p(95) < 50 ms"
is "$(j '.metrics["http_req_duration{name:slow}"].thresholds | keys | join(",")')" "min>=55,p(95) >= 55" \
	"threshold keys are the sources exactly as written (spaces kept)"
is "$(j '.metrics["http_req_duration{name:slow}"].values.avg == ([.rampage.endpoints[] | select(.name == "slow")][0].duration.avg)')" \
	true "name:slow reads the endpoint's own numbers"
is "$(j '.metrics["http_req_failed{scenario:errors}"] | [.type, .values.rate, .values.passes] | join(" ")')" "rate 1 20" \
	"scenario:errors: http_req_failed rate 1 over its 20 requests"
is "$(j '.metrics["http_req_failed{scenario:api}"].values.rate')" 0 "scenario:api: no failures"
api=$(j '[.rampage.endpoints[] | select(.name == "fast" or .name == "slow") | .requests] | add')
is "$(j '.metrics["http_req_failed{scenario:api}"].values.passes + .metrics["http_req_failed{scenario:api}"].values.fails')" \
	"$api" "scenario:api counts exactly the api scenario's requests ($api)"
is "$(j '.metrics["http_reqs{group:checkout}"].values.count')" 20 "group:checkout: both steps of 10 workflows"
is "$(j '.metrics["http_req_failed{group:checkout}"].values.rate')" 0.5 "group:checkout: half failed (pay)"
is "$(j '.metrics["http_reqs{status:502,scenario:flow}"].values.count')" 10 "two tags at once: status:502 in flow"
is "$(j '.metrics["http_req_duration{expected_response:true}"].values.max < 1000')" true "expected_response:true"
is "$(j '.metrics["http_req_duration{expected_response:true}"] | .type')" "trend" "expected_response:true is a trend entry"
is "$(j '.rampage.thresholds | length')" 11 "rampage.thresholds: one result per threshold"
is "$(j '[.rampage.thresholds[] | has("metric") and has("source") and has("ok") and has("value") and has("aggregation")] | all')" \
	true "each result has metric, source, ok, value, aggregation"
is "$(j '[.metrics[] | select(has("thresholds")) | .thresholds[] | .ok | type] | unique | join(",")')" "boolean" \
	"every metric's thresholds are {\"ok\": boolean} (k6 handleSummary shape)"
like "$(cat "$SANDBOX/out")" "http_reqs\{status:503\}" "the text summary lists the sub-metric"

def 19 >"$SANDBOX/f.json"
"$RAMPAGE" run "$SANDBOX/f.json" --quiet --out summary="$SANDBOX/f-s.json" >"$SANDBOX/f.out" 2>&1
is "$?" 99 "a failing sub-metric threshold: exit 99"
is "$(jq '.metrics["http_reqs{status:503}"].thresholds["count==19"].ok' "$SANDBOX/f-s.json")" false \
	"export: count==19 on status:503 not ok"
like "$(cat "$SANDBOX/f.out")" "✗ 'count==19' count=20" "text: ✗ with the observed count"
done_testing
