#!/bin/sh
# Changing a running run's VUs (issue 11, item 11): a constant-vus run against the demo target goes
# 2 -> 5 over the API (PATCH /api/runs/{id}) and 5 -> 1 with `rampage vus`; its per-second VUs
# follow in that order; each change is stored (when, from what, to what, who), is in the Run object
# and in the summary (rampage.changes). Refused, each with a 4xx naming the field: vus 0, over the
# cap (limits.max_vus), not an integer, an unknown key, an unknown scenario, a finished run, an
# open-model run.
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v jq >/dev/null || bail "jq is needed"

start_demo demo
cat >"$SANDBOX/r.conf" <<'CONF'
[limits]
max_vus = 8
CONF
start_daemon --config "$SANDBOX/r.conf"

cat >"$SANDBOX/closed.json" <<JSON
{ "definition": { "name": "live vus", "baseUrl": "$DEMO_URL",
  "scenarios": { "load": { "executor": "constant-vus", "vus": 2, "duration": "60s", "gracefulStop": "1s",
    "thinkTime": "20ms", "tasks": [ { "name": "health", "path": "/api/health" } ] } } } }
JSON
api() { # api METHOD PATH [BODY]: sets st to the status and BODY to the body
	if [ $# -ge 3 ]; then
		st=$(curl -s -o "$SANDBOX/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
			--data-binary "$3" "$URL$2")
	else
		st=$(curl -s -o "$SANDBOX/body" -w '%{http_code}' -X "$1" "$URL$2")
	fi
	BODY=$(cat "$SANDBOX/body")
}
# wait_until JQ-FILTER PATH [TIMEOUT_S]: polls GET PATH until the filter is true
wait_until() {
	for _ in $(seq $(( ${3:-30} * 5 ))); do
		curl -s "$URL$2" | jq -e "$1" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

api POST /api/runs "$(cat "$SANDBOX/closed.json")"; RUN=$(echo "$BODY" | jq -r .id)
like "$RUN" '^[0-9]+$' "a constant-vus run started"
wait_until '.state == "running" and .live.second >= 1 and .live.vus == 2' "/api/runs/$RUN"
ok $? "it runs with 2 VUs"

# --- 2 -> 5 over the API
api PATCH "/api/runs/$RUN" '{"vus": 5}'
is "$st" 200 "PATCH {\"vus\": 5}: 200"
is "$(echo "$BODY" | jq -c '[.changes[] | [.scenario, .field, .from, .to, .trigger]]')" \
	'[["load","vus",2,5,"api"]]' "the run shows the change: load 2 -> 5 by api"
ok $(echo "$BODY" | jq -e '.changes[0] | .second == (.at_ms / 1000 | floor) and .second >= 1' \
	>/dev/null; echo $?) "at a run second (from at_ms)"
wait_until '.live.vus == 5' "/api/runs/$RUN"
ok $? "the live second shows 5 VUs"
sleep 2.2  # whole seconds at 5 VUs before the next change

# --- refusals while it runs
api PATCH "/api/runs/$RUN" '{"vus": 0}'
is "$st" 400 "vus 0: 400"
is "$(echo "$BODY" | jq -r .error.field)" vus "naming vus"
api PATCH "/api/runs/$RUN" '{"vus": 9}'
is "$st" 400 "vus 9 over limits.max_vus 8: 400"
is "$(echo "$BODY" | jq -r .error.field)" vus "naming vus"
like "$(echo "$BODY" | jq -r .error.message)" 'vus: expected at most 8 VUs .*limits\.max_vus' "and the cap"
api PATCH "/api/runs/$RUN" '{"vus": 2.5}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:vus "vus 2.5: 400 naming vus"
api PATCH "/api/runs/$RUN" '{"vus": "3"}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:vus "vus \"3\": 400 naming vus"
api PATCH "/api/runs/$RUN" '{}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:vus "no vus: 400 naming vus"
api PATCH "/api/runs/$RUN" '{"vus": 3, "rate": 4}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:rate "an unknown key: 400 naming it"
api PATCH "/api/runs/$RUN" '{"vus": 3, "scenario": "nope"}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 400:scenario "an unknown scenario: 400 naming scenario"
api PATCH "/api/runs/999999" '{"vus": 3}'
is "$st" 404 "no such run: 404"
is "$(curl -s "$URL/api/runs/$RUN" | jq '.changes | length')" 1 "refusals record nothing"

# --- 5 -> 1 with the CLI
OUT=$("$RAMPAGE" vus "$RUN" 1 --server "$URL" 2>&1)
is $? 0 "rampage vus RUN 1 exits 0"
like "$OUT" "run $RUN running: load 5 -> 1 VUs at second [0-9]+" "and says what changed"
wait_until '.live.vus == 1' "/api/runs/$RUN"
ok $? "the live second shows 1 VU"
OUT=$("$RAMPAGE" vus "$RUN" 0 --server "$URL" 2>&1)
is $? 2 "rampage vus RUN 0: usage error"
OUT=$("$RAMPAGE" vus "$RUN" 99 --server "$URL" 2>&1)
is $? 1 "rampage vus RUN 99 (over the cap): exit 1"
like "$OUT" 'vus: expected at most 8' "with the daemon's reason"
sleep 1.2   # one whole second at 1 VU before the stop

api POST "/api/runs/$RUN/stop" ""
wait_until '.state == "stopped"' "/api/runs/$RUN"
ok $? "the run stopped"

# --- stored: the Run object, the summary, the per-second VUs
R=$(curl -s "$URL/api/runs/$RUN")
is "$(echo "$R" | jq -c '[.changes[] | [.from, .to, .trigger]]')" '[[2,5,"api"],[5,1,"cli"]]' \
	"the run keeps both changes, in order, with who made them"
ok $(echo "$R" | jq -e '.changes[0].second <= .changes[1].second' >/dev/null; echo $?) "in run-time order"
OUT=$("$RAMPAGE" show "$RUN" --server "$URL")
is "$(printf '%s\n' "$OUT" | sed -n '/^  changes$/,$p' | sed -E 's/at [0-9.]+ s/at T s/')" "  changes
    at T s: load 2 -> 5 VUs (api)
    at T s: load 5 -> 1 VUs (cli)" "rampage show lists the changes"
S=$(curl -s "$URL/api/runs/$RUN/summary")
is "$(echo "$S" | jq -c '[.rampage.changes[] | [.scenario, .from, .to]]')" '[["load",2,5],["load",5,1]]' \
	"the summary notes the changes"
# http_req_sending (issue 11, item 12): measured (libcurl 8.10), or left out, never a constant 0
if "$RAMPAGE" validate /dev/stdin >/dev/null 2>&1 <<JSON
{"baseUrl": "http://127.0.0.1:9", "vus": 1, "duration": "1s", "tasks": [{"path": "/"}],
 "thresholds": {"http_req_sending": ["avg<1"]}}
JSON
then
	is "$(echo "$S" | jq '.metrics | has("http_req_sending")')" true "http_req_sending is in the summary (measured)"
else
	is "$(echo "$S" | jq '.metrics | has("http_req_sending")')" false \
		"http_req_sending is left out of the summary (this libcurl cannot time a request's write)"
	is "$(curl -s "$URL/api/runs/$RUN/samples" | jq -c '[.samples[].sending_us] | unique')" '[null]' \
		"and sending_us is null in every sample, not 0"
fi
C1=$(echo "$R" | jq .changes[0].second); C2=$(echo "$R" | jq .changes[1].second)
V=$(curl -s "$URL/api/runs/$RUN/samples" | jq -c '[.samples[] | [.second, .vus]]')
diag "per-second vus: $V (changes at $C1, $C2)"
is "$(echo "$V" | jq -c --argjson c1 "$C1" '[.[] | select(.[0] < $c1) | .[1]] | unique')" '[2]' \
	"before the first change every second had 2 VUs"
is "$(echo "$V" | jq -c --argjson c1 "$C1" --argjson c2 "$C2" \
	'[.[] | select(.[0] > $c1 and .[0] < $c2) | .[1]] | max')" 5 "between the changes 5 VUs"
is "$(echo "$V" | jq -c '[.[] | .[1]] | reduce .[] as $v ([]; if length > 0 and .[-1] == $v then . else . + [$v] end)' \
	| jq -c 'map(select(. == 2 or . == 5 or . == 1))')" '[2,5,1]' "the VUs go 2, 5, 1, in that order"
is "$(sqlite3 "$SANDBOX/rampage.db" "SELECT from_value || '>' || to_value || ':' || trigger FROM run_changes WHERE run_id = $RUN ORDER BY id" | tr '\n' ' ')" \
	"2>5:api 5>1:cli " "the run_changes table holds them"

api PATCH "/api/runs/$RUN" '{"vus": 3}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 409:vus "a finished run: 409 naming vus"
like "$(echo "$BODY" | jq -r .error.message)" 'the run is stopped' "saying its state"

# --- an open-model run
cat >"$SANDBOX/open.json" <<JSON
{ "definition": { "name": "open", "baseUrl": "$DEMO_URL",
  "scenarios": { "arrivals": { "executor": "constant-arrival-rate", "rate": 5, "duration": "60s",
    "preAllocatedVUs": 2, "gracefulStop": "1s", "tasks": [ { "path": "/api/health" } ] } } } }
JSON
api POST /api/runs "$(cat "$SANDBOX/open.json")"; OPEN=$(echo "$BODY" | jq -r .id)
wait_until '.state == "running"' "/api/runs/$OPEN"
ok $? "an open-model run runs"
api PATCH "/api/runs/$OPEN" '{"vus": 3}'
is "$st:$(echo "$BODY" | jq -r .error.field)" 409:vus "an open-model run: 409 naming vus"
like "$(echo "$BODY" | jq -r .error.message)" 'constant-arrival-rate: only a constant-vus' "saying why"
api POST "/api/runs/$OPEN/stop" ""
wait_until '.state == "stopped"' "/api/runs/$OPEN"
is "$(curl -s "$URL/api/runs/$OPEN" | jq '.changes')" '[]' "it has no changes"
stop_daemon
is "$DAEMON_STATUS" 0 "the daemon stops cleanly"
grep -q 'ERROR\|assert\|runtime error\|Sanitizer' "$DAEMON_LOG"
ok $((! $?)) "the daemon logged no error (nor a sanitizer report)"
done_testing
