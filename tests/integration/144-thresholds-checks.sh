#!/bin/sh
# 144: thresholds on k6's `checks` rate: the whole metric (passed checks / all checks) and one check
# by name (checks{check:NAME}), judged from the check counts the engine records each second.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

cat >"$SANDBOX/t.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 1, "iterations": 40,
    "tasks": [ { "name": "ok", "path": "/api/health", "checks": [ { "name": "is 200", "status": 200 } ] },
               { "name": "bad", "path": "/api/health?status=500", "checks": [ { "name": "bad is 200", "status": 200 } ] } ] } },
  "thresholds": { "checks": ["rate>0.99", "rate<0.9"], "checks{check:is 200}": ["rate==1"],
                  "checks{check:bad is 200}": ["rate==0"] } }
JSON
"$RAMPAGE" run "$SANDBOX/t.json" --quiet --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is "$?" 99 "checks rate>0.99 with a failing check: exit 99"
S="$SANDBOX/s.json"
ok_n=$(jq '.rampage.endpoints[] | select(.name == "ok") | .requests' "$S")
bad_n=$(jq '.rampage.endpoints[] | select(.name == "bad") | .requests' "$S")
is "$(jq '.metrics.checks.thresholds | [.["rate>0.99"].ok, .["rate<0.9"].ok] | map(tostring) | join(" ")' -r "$S")" \
	"false true" "checks: rate>0.99 fails, rate<0.9 holds"
is "$(jq '.rampage.thresholds[] | select(.source == "rate>0.99") | .value * 40 | round' "$S")" "$ok_n" \
	"the observed rate is the passed checks' share ($ok_n of 40)"
is "$(jq -r '.metrics["checks{check:is 200}"] | "\(.type) \(.values.passes) \(.values.fails) \(.thresholds["rate==1"].ok)"' "$S")" \
	"rate $ok_n 0 true" "checks{check:is 200}: its own entry, all passed"
is "$(jq -r '.metrics["checks{check:bad is 200}"] | "\(.values.passes) \(.values.fails) \(.thresholds["rate==0"].ok)"' "$S")" \
	"0 $bad_n true" "checks{check:bad is 200}: all failed, rate==0 holds"
like "$(cat "$SANDBOX/out")" "✗ 'rate>0.99' rate=[0-9.]+%" "text: ✗ on checks"

sed 's/"checks{check:is 200}"/"checks{check:is 201}"/' "$SANDBOX/t.json" >"$SANDBOX/bad.json"
"$RAMPAGE" run "$SANDBOX/bad.json" --quiet >"$SANDBOX/bad.out" 2>&1
is "$?" 2 "an unknown check name: invalid definition"
like "$(cat "$SANDBOX/bad.out")" 'thresholds\["checks\{check:is 201\}"\]: expected the name of a check' "named with its path"
done_testing
