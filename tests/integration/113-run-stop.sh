#!/bin/sh
# 113: stopping. SIGINT stops a run gracefully: no new iterations, requests in flight get the
# scenario's gracefulStop and are then interrupted (counted, not failed); exit 105. A scenario's own
# end does the same without a signal.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

cat >"$SANDBOX/long.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "long": { "executor": "constant-vus", "vus": 3, "duration": "60s", "gracefulStop": "1s",
                           "tasks": [ { "name": "stuck", "path": "/api/health?delay_ms=20000" } ] } } }
JSON
start=$(date +%s%N)
"$RAMPAGE" run "$SANDBOX/long.json" --quiet --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
sleep 1
kill -INT "$pid"
wait "$pid"
is "$?" 105 "SIGINT: exit 105"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok "$([ "$ms" -lt 4500 ] && echo 0 || echo 1)" "SIGINT: ended after gracefulStop, not the 60 s duration (${ms} ms)"
is "$(jq '.rampage.iterations.interrupted' "$SANDBOX/s.json")" 3 "SIGINT: 3 iterations interrupted"
is "$(jq '.rampage.total.failed' "$SANDBOX/s.json")" 0 "SIGINT: interrupted requests are not failures"

cat >"$SANDBOX/end.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "end": { "executor": "constant-vus", "vus": 2, "duration": "1s", "gracefulStop": "500ms",
                          "tasks": [ { "name": "stuck", "path": "/api/health?delay_ms=20000" } ] } } }
JSON
start=$(date +%s%N)
"$RAMPAGE" run "$SANDBOX/end.json" --quiet --out summary="$SANDBOX/e.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "scenario end: exit 0"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok "$([ "$ms" -ge 1400 ] && [ "$ms" -lt 4000 ] && echo 0 || echo 1)" "scenario end: duration + gracefulStop (${ms} ms)"
is "$(jq '.rampage.iterations.interrupted' "$SANDBOX/e.json")" 2 "scenario end: 2 iterations interrupted"
done_testing
