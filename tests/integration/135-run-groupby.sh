#!/bin/sh
# groupBy: the load-balancer distribution test. Three demo targets with different --node-id stand in
# for three backends; tasks of one name hit each by absolute URL with weights 1:1:2, and counting
# responses per X-Served-By value finds the three nodes in those shares. A JSON source does the same
# through /api/health/worker's node_id. The summary export and the text summary both show it.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo a --node-id node-a; A=$DEMO_URL
start_demo b --node-id node-b; B=$DEMO_URL
start_demo c --node-id node-c; C=$DEMO_URL

cat >"$SANDBOX/lb.json" <<JSON
{ "scenarios": { "s": { "executor": "shared-iterations", "vus": 8, "iterations": 8000,
  "tasks": [
    { "name": "node", "weight": 1, "url": "$A/api/health", "groupBy": { "header": "X-Served-By" } },
    { "name": "node", "weight": 1, "url": "$B/api/health", "groupBy": { "header": "X-Served-By" } },
    { "name": "node", "weight": 2, "url": "$C/api/health", "groupBy": { "header": "X-Served-By" } },
    { "name": "worker", "weight": 1, "url": "$A/api/health/worker", "groupBy": { "json": "/node_id" } }
  ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/lb.json" -q --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is $? 0 "the run exits 0"
G=$(jq -c '.rampage.groupBy.node' "$SANDBOX/s.json")
diag "$G"
n=$(jq '.rampage.endpoints[] | select(.name == "node") | .requests' "$SANDBOX/s.json")
is "$(printf '%s' "$G" | jq '.total')" "$n" "every response of the endpoint was counted ($n)"
is "$(printf '%s' "$G" | jq -c '.values | keys')" '["node-a","node-b","node-c"]' "three distinct values"
is "$(printf '%s' "$G" | jq '[.other, .missing]' | tr -d ' \n')" '[0,0]' "nothing else, nothing missing"
share() { printf '%s' "$G" | jq --arg v "$1" '.values[$v] * 1000 / .total | floor'; }
within() { [ "$1" -ge $(($2 - 30)) ] && [ "$1" -le $(($2 + 30)) ]; }
ok $(within "$(share node-a)" 250; echo $?) "node-a: $(share node-a)/1000 (250 +-30)"
ok $(within "$(share node-b)" 250; echo $?) "node-b: $(share node-b)/1000 (250 +-30)"
ok $(within "$(share node-c)" 500; echo $?) "node-c: $(share node-c)/1000 (500 +-30)"
is "$(printf '%s' "$G" | jq -r '.source')" "header X-Served-By" "the source is named"
is "$(jq -c '.rampage.groupBy.worker | [.source, (.values | keys), .total == .values["node-a"]]' "$SANDBOX/s.json")" \
	'["json /node_id",["node-a"],true]' "a JSON Pointer source: node_id of /api/health/worker"
like "$(cat "$SANDBOX/out")" 'node \(header X-Served-By\): [0-9]+ responses' "the text summary shows the distribution"
like "$(cat "$SANDBOX/out")" 'node-c +[0-9]+ +[45][0-9]\.[0-9]+%' "with shares"
done_testing
