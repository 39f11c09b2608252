#!/bin/sh
# Drift of a monitored memory series (issue 14, "Drift"): a short soak (driftMinSteady lowered to
# 10 s) against the demo target in leak mode, with its /metrics RSS as a monitor, reports growing
# memory as a warning sign ("possible leak"); the same soak against a target that does not leak
# reports no growth.
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v jq >/dev/null || bail "jq is needed"

start_demo leaky --leak-bytes 20000 --leak-cap-mb 200
LEAKY=$DEMO_URL
start_demo steady
STEADY=$DEMO_URL
def() {
	printf '{"name": "soak", "baseUrl": "%s", "vus": 2, "duration": "14s", "thinkTime": "10ms",
	  "driftMinSteady": "10s", "tasks": [{"path": "/api/health"}],
	  "monitors": [{"name": "demo", "url": "%s/metrics", "prometheus": {"rss": "process_resident_memory_bytes"}}]}' "$1" "$1"
}
def "$LEAKY" >"$SANDBOX/leak.json"
def "$STEADY" >"$SANDBOX/steady.json"
"$RAMPAGE" run "$SANDBOX/leak.json" -q --out summary="$SANDBOX/leak-s.json" >"$SANDBOX/leak.out" 2>&1
is $? 0 "the soak against the leaking target runs"
F=$(jq -c '[.findings[] | select(.id == "drift-1-rss")][0]' "$SANDBOX/leak-s.json")
is "$(echo "$F" | jq -r .severity)" "warning sign" "RSS growing over the steady stage: a warning sign"
like "$(echo "$F" | jq -r .sentence)" 'rss grows [0-9.]+ MB/h .*possible leak' "in words: possible leak"
is "$(echo "$F" | jq '.numbers.value | .significant and .per_hour > 0')" true "the slope is positive and told apart from noise"
like "$(cat "$SANDBOX/leak.out")" 'possible leak' "rampage run's text summary says it"
"$RAMPAGE" run "$SANDBOX/steady.json" -q --out summary="$SANDBOX/steady-s.json" >/dev/null 2>&1
F=$(jq -c '[.findings[] | select(.id == "drift-1-rss")][0]' "$SANDBOX/steady-s.json")
is "$(echo "$F" | jq -r .severity)" "good sign" "the same soak against a target that does not leak: no growth"
done_testing
