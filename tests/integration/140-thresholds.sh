#!/bin/sh
# 140: k6 thresholds decide the exit code. A run whose thresholds hold exits 0; one breaking
# http_req_failed rate<0.01 against ?status=500 exits 99; the text summary marks each threshold
# ✓/✗ with its observed value; an invalid threshold is a definition error (exit 2) naming its JSON
# path, from `rampage run` and `rampage validate` alike.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

cat >"$SANDBOX/pass.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 2, "iterations": 200,
                        "tasks": [ { "name": "health", "path": "/api/health" } ] } },
  "thresholds": { "http_req_duration": ["p(95)<500", "p(99.9) < 2000"], "http_req_failed": ["rate<0.01"],
                  "http_reqs": ["count>=200"], "iterations": ["count==200"] } }
JSON
"$RAMPAGE" run "$SANDBOX/pass.json" --quiet --out summary="$SANDBOX/pass-s.json" >"$SANDBOX/pass.out" 2>&1
is "$?" 0 "every threshold holds: exit 0"
out=$(cat "$SANDBOX/pass.out")
like "$out" "THRESHOLDS" "the summary has a THRESHOLDS section"
like "$out" "✓ 'p\(95\)<500' p\(95\)=[0-9.]+(µs|ms)" "✓ p(95) with its observed value"
like "$out" "✓ 'rate<0.01' rate=0.00%" "✓ rate<0.01 with rate=0.00%"
like "$out" "✓ 'count>=200' count=200" "✓ count>=200 with count=200"
like "$out" "thresholds: all 5 passed" "the closing line says all passed"

cat >"$SANDBOX/fail.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 2, "iterations": 100,
                        "tasks": [ { "name": "broken", "path": "/api/health?status=500" } ] } },
  "thresholds": { "http_req_failed": ["rate<0.01"], "http_req_duration": ["p(95)<500"] } }
JSON
"$RAMPAGE" run "$SANDBOX/fail.json" --quiet --out summary="$SANDBOX/fail-s.json" >"$SANDBOX/fail.out" 2>&1
is "$?" 99 "http_req_failed rate<0.01 against ?status=500: exit 99"
out=$(cat "$SANDBOX/fail.out")
like "$out" "✗ 'rate<0.01' rate=100.00%" "✗ rate<0.01 with rate=100.00%"
like "$out" "✓ 'p\(95\)<500'" "the other threshold still passes"
like "$out" "thresholds: 1 of 2 failed" "the closing line counts the failure"
is "$(jq '.metrics.http_req_failed.thresholds["rate<0.01"].ok' "$SANDBOX/fail-s.json")" false \
	"export: http_req_failed rate<0.01 ok=false"
is "$(jq '.metrics.http_req_duration.thresholds["p(95)<500"].ok' "$SANDBOX/fail-s.json")" true \
	"export: http_req_duration p(95)<500 ok=true"

# Without thresholds nothing changes: the same failing target exits 0.
jq 'del(.thresholds)' "$SANDBOX/fail.json" >"$SANDBOX/none.json"
"$RAMPAGE" run "$SANDBOX/none.json" --quiet >"$SANDBOX/none.out" 2>&1
is "$?" 0 "no thresholds: a failing target still exits 0"
ok "$(grep -q THRESHOLDS "$SANDBOX/none.out" && echo 1 || echo 0)" "no thresholds: no THRESHOLDS section"

# Invalid thresholds: exit 2 before any request, with JSON paths.
cat >"$SANDBOX/bad.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 1, "iterations": 1,
                        "tasks": [ { "name": "health", "path": "/api/health" } ] } },
  "thresholds": { "http_req_duration": ["p95<500", "p(101)<5"], "http_reqs": ["avg<5"],
                  "http_req_duration{name:nope}": ["p(95)<5"], "http_req_failed": ["rate<0.1 over 1.5s"] } }
JSON
before=$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["GET /api/health"]')
"$RAMPAGE" run "$SANDBOX/bad.json" --quiet >"$SANDBOX/bad.out" 2>&1
is "$?" 2 "invalid thresholds: exit 2"
out=$(cat "$SANDBOX/bad.out")
like "$out" 'thresholds\.http_req_duration\[0\]: expected an expression like "p\(95\)<500", got "p95<500"' \
	"bad expression, with its path"
like "$out" 'thresholds\.http_req_duration\[1\]: expected a percentile from 0 to 100' "percentile out of range"
like "$out" 'thresholds\.http_reqs\[0\]: expected count or rate on http_reqs \(a counter\), got "avg<5"' \
	"aggregation that does not fit the metric"
like "$out" 'thresholds\["http_req_duration\{name:nope\}"\]: expected the name of an endpoint \("health"\)' \
	"unknown endpoint in a tag"
like "$out" 'thresholds\.http_req_failed\[0\]: expected a window of whole seconds' "bad window"
is "$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["GET /api/health"]')" "$before" "invalid: no request was sent"
"$RAMPAGE" validate "$SANDBOX/bad.json" >"$SANDBOX/validate.out" 2>&1
is "$?" 2 "rampage validate: exit 2 too"
like "$(cat "$SANDBOX/validate.out")" 'thresholds\.http_reqs\[0\]' "rampage validate names the same path"

# The JSON Schema knows thresholds too (when python3-jsonschema is there; 101 requires it).
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	cat >"$SANDBOX/check.py" <<'PY'
import json, sys
from jsonschema import Draft202012Validator
v = Draft202012Validator(json.load(open(sys.argv[1])))
for path in sys.argv[2:]:
    print("ok" if not list(v.iter_errors(json.load(open(path)))) else "invalid")
PY
	SCHEMA="$TOP_SRCDIR/docs/test-definition.schema.json"
	cat >"$SANDBOX/long.json" <<JSON
{ "baseUrl": "$DEMO_URL", "vus": 1, "duration": "1s", "tasks": [ { "name": "health", "path": "/api/health" } ],
  "thresholds": { "http_req_duration{name:health}": [ "p(99.9) < 2000", "avg<1 over 1m" ],
                  "http_req_failed": [ { "threshold": "rate<0.01", "abortOnFail": true, "delayAbortEval": "10s" } ] } }
JSON
	is "$(/usr/bin/python3 "$SANDBOX/check.py" "$SCHEMA" "$SANDBOX/pass.json" "$SANDBOX/long.json" | tr '\n' ' ')" \
		"ok ok " "the schema accepts thresholds (short and long form, tags, windows)"
	jq '.thresholds = {"http_req_duration": ["p95<500"]}' "$SANDBOX/pass.json" >"$SANDBOX/s1.json"
	jq '.thresholds = {"http_req_duraton": ["p(95)<500"]}' "$SANDBOX/pass.json" >"$SANDBOX/s2.json"
	jq '.thresholds = {"http_reqs": [{"threshold": "count>1", "abortOnFial": true}]}' "$SANDBOX/pass.json" >"$SANDBOX/s3.json"
	is "$(/usr/bin/python3 "$SANDBOX/check.py" "$SCHEMA" "$SANDBOX/s1.json" "$SANDBOX/s2.json" "$SANDBOX/s3.json" | tr '\n' ' ')" \
		"invalid invalid invalid " "the schema rejects a bad expression, an unknown metric, an unknown long-form key"
fi
done_testing
