#!/bin/sh
# 153: why requests failed, in the daemon (issue 11, items 2 and 5). A raw-socket target answers
# /ok 200, /unavailable 503, /slow too late (the step's timeout is 200 ms), and /flood/K a new
# status each time (400, 401, ...: a flood of distinct messages); one step goes to a closed port.
# GET /api/runs/{id}/failures must list each distinct message with kind and counts that add up to
# each endpoint's failures and to the samples' fail_* columns; the flood stays at the caps (32 per
# endpoint, 256 per run) with the rest counted as "(other messages)"; the live ticks carry the same
# rows; no early alarm (not every request fails). A second run against the closed port alone: the
# alarm, live and over REST, and `rampage start --wait` says it once on stderr.
. "$TOP_SRCDIR/tests/integration/lib.sh"

N=40                               # iterations: each step is requested N times
FLOODS=9                           # 9 endpoints x 32 messages > 256: the run's cap bites too

cat >"$SANDBOX/target.py" <<'PY'
import socket, threading, time
lock = threading.Lock()
count = {}
def answer(c, path):
    close = b"Connection: close\r\nContent-Length: 0\r\n\r\n"
    if path == "/ok":
        c.sendall(b"HTTP/1.1 200 OK\r\n" + close)
    elif path == "/unavailable":
        c.sendall(b"HTTP/1.1 503 Service Unavailable\r\n" + close)
    elif path == "/slow":
        time.sleep(1)
        c.sendall(b"HTTP/1.1 200 OK\r\n" + close)
    elif path.startswith("/flood/"):
        with lock:
            n = count.get(path, 0)
            count[path] = n + 1
        c.sendall(b"HTTP/1.1 %d Reason %d\r\n" % (400 + n % 200, n) + close)
def serve(c):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            d = c.recv(4096)
            if not d:
                return
            head += d
        answer(c, head.split(b" ")[1].decode())
    except OSError:
        pass
    finally:
        c.close()
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$SANDBOX/target.py" >"$SANDBOX/target.port" 2>"$SANDBOX/target.log" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$SANDBOX/target.port" ] && break; sleep 0.05; done
TPORT=$(cat "$SANDBOX/target.port")
[ -n "$TPORT" ] || bail "the raw-socket target did not start"
# a closed port: bound, then closed, so nothing listens there
CLOSED=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# flood1 is requested 3 times an iteration (one endpoint: the same name), so it reaches its own cap
# of 32 before the run reaches 256
floods=", { \"name\": \"flood1\", \"path\": \"/flood/1\" }, { \"name\": \"flood1\", \"path\": \"/flood/1\" }"
for k in $(seq $FLOODS); do floods="$floods, { \"name\": \"flood$k\", \"path\": \"/flood/$k\" }"; done
# startTime 1s: the live client below subscribes before the first request
cat >"$SANDBOX/mixed.json" <<JSON
{ "name": "mixed", "baseUrl": "http://127.0.0.1:$TPORT",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 4, "iterations": $N,
    "startTime": "1s", "maxDuration": "60s",
    "tasks": [ { "name": "all", "steps": [
      { "name": "ok", "path": "/ok" }, { "name": "unavailable", "path": "/unavailable" },
      { "name": "slow", "path": "/slow", "timeout": "200ms" },
      { "name": "refused", "url": "http://127.0.0.1:$CLOSED/" }$floods ] } ] } } }
JSON

printf '[security]\nallow_targets = 127.0.0.1/32\n' >"$SANDBOX/near.conf"
start_daemon --config "$SANDBOX/near.conf"

# a websocket client: starts the run, follows its ticks, keeps each failure row's latest copy
cat >"$SANDBOX/live.py" <<'PY'
import asyncio, json, sys, urllib.request
import websockets
port, path = int(sys.argv[1]), sys.argv[2]
base = "http://127.0.0.1:%d" % port
def post(p, body):
    req = urllib.request.Request(base + p, method="POST", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())
async def main():
    run = post("/api/runs", {"definition": json.load(open(path))})["id"]
    rows, alarms, ticks = {}, [], 0
    async with websockets.connect("ws://127.0.0.1:%d/api/live" % port) as ws:
        await ws.send(json.dumps({"type": "subscribe", "topics": ["run:%d" % run]}))
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if m["type"] == "tick":
                ticks += 1
                for f in m.get("failures", []):
                    rows["%d|%s|%s|%s" % (f["idx"], f["kind"], str(f["other"]).lower(), f["message"])] = f["count"]
                if "failure_alarm" in m:
                    alarms.append(m["failure_alarm"]["text"])
            elif m["type"] == "run_state" and m["state"] not in ("queued", "running", "stopping"):
                break
    print(json.dumps({"run": run, "ticks": ticks, "rows": rows, "alarms": alarms}))
asyncio.run(main())
PY
/usr/bin/python3 "$SANDBOX/live.py" "$PORT" "$SANDBOX/mixed.json" >"$SANDBOX/live.out" 2>"$SANDBOX/live.err" ||
	{ cat "$SANDBOX/live.err" >&2; bail "the websocket client failed"; }
L=$(cat "$SANDBOX/live.out")
ID=$(printf '%s' "$L" | jq .run)
F=$(curl -s "$URL/api/runs/$ID/failures")
E=$(curl -s "$URL/api/runs/$ID/endpoints")
diag "$(printf '%s' "$F" | jq -c '[.failures[] | select(.other | not) | select(.endpoint | startswith("flood") | not)]')"

is "$(curl -s "$URL/api/runs/$ID" | jq -r '.state | test("^(passed|finished)$")')" true "the run ends by itself"
is "$(printf '%s' "$F" | jq -c '.limits')" '{"per_endpoint":32,"per_run":256,"message_bytes":200}' \
	"the caps are said"
# each endpoint: the counts of its messages add up to its failures
is "$(jq -n --argjson f "$F" --argjson e "$E" '[$e.endpoints[] | . as $ep |
	select(([$f.failures[] | select(.idx == $ep.idx) | .count] | add // 0) != $ep.failures) | .name]' -c)" \
	"[]" "per endpoint, the messages' counts add up to its failures"
row() { printf '%s' "$F" | jq -c --arg n "$1" '[.failures[] | select(.endpoint == $n) |
	[.kind, .message, .count, .other]]'; }
is "$(row ok)" "[]" "a 200 is no failure"
is "$(row unavailable)" "[[\"http_status\",\"HTTP 503\",$N,false]]" "503: kind http_status, \"HTTP 503\""
like "$(row slow)" "^\[\[\"timeout\",\"[^\"]*timed out[^\"0-9]*\",$N,false\]\]$" \
	"a timeout: kind timeout, libcurl's words without their figures (one message)"
like "$(row refused)" "^\[\[\"refused\",\"Failed to connect to 127\.0\.0\.1 port $CLOSED[^\"]*\",$N,false\]\]$" \
	"a closed port: kind refused, libcurl's words naming the address"
is "$(printf '%s' "$F" | jq '[.failures[] | select(.first_second > .last_second or .first_second < 1)] | length')" 0 \
	"first <= last second, none before the scenario's start (1 s)"
# the flood: at the caps, nothing lost
is "$(printf '%s' "$F" | jq '[.failures[] | select(.other | not)] | length')" 256 \
	"distinct messages stop at 256 per run"
is "$(printf '%s' "$F" | jq -c '[.failures[] | select(.other | not)] | group_by(.idx) |
	map(select(length >= 32) | [.[0].endpoint, length])')" '[["flood1",32]]' \
	"and at 32 per endpoint (flood1, 3 requests an iteration, 120 distinct statuses)"
is "$(printf '%s' "$F" | jq '[.failures[] | select(.endpoint | startswith("flood")) | .count] | add')" \
	"$(((FLOODS + 2) * N))" "every flooded failure is counted, the rest under (other messages)"
is "$(printf '%s' "$F" | jq -r '[.failures[] | select(.other)] | (length > 0 and all(.message == "(other messages)" and .kind == "http_status"))')" \
	true "the overflow rows say (other messages), by endpoint and kind"
# by kind, as the samples count them
S=$(curl -s "$URL/api/runs/$ID/samples?step=86400" | jq -c '.samples[0]')
kinds=$(printf '%s' "$F" | jq -c '[.failures[] | {kind, count}] | group_by(.kind) |
	map({key: .[0].kind, value: (map(.count) | add)}) | from_entries')
is "$(jq -n --argjson k "$kinds" --argjson s "$S" -c '[$k.refused, $k.timeout, $k.http_status] ==
	[$s.fail_refused, $s.fail_timeout, $s.fail_http_status]')" true \
	"by kind, the counts are the samples' fail_refused, fail_timeout and fail_http_status"
# the summary: the same messages under rampage.endpoints[].failures, next to errors
SUM=$(curl -s "$URL/api/runs/$ID/summary")
is "$(printf '%s' "$SUM" | jq '[.rampage.endpoints[] | select(([.failures[].count] | add // 0) != .failed)] | length')" 0 \
	"the summary: each endpoint's failures listed, adding up to failed"
is "$(printf '%s' "$SUM" | jq -c '.rampage.endpoints[] | select(.name == "refused") |
	[.errors.connect, (.failures | map(select(.kind == "refused")) | .[0].count)]')" "[$N,$N]" \
	"the summary's kind refused is its errors.connect"
is "$(printf '%s' "$SUM" | jq -c '.rampage.failure_alarm')" null "no alarm: not every request failed"
is "$(printf '%s' "$F" | jq -c '.alarm')" null "no alarm over REST either"
# live: the ticks carried the same rows, ending at the stored counts
stored=$(printf '%s' "$F" | jq -c '[.failures[] | {key: "\(.idx)|\(.kind)|\(.other)|\(.message)", value: .count}] | from_entries')
is "$(jq -n --argjson a "$(printf '%s' "$L" | jq -c .rows)" --argjson b "$stored" '$a == $b')" true \
	"the live ticks carried every row, their last copies equal to the stored ones ($(printf '%s' "$L" | jq '.rows | length') rows, $(printf '%s' "$L" | jq .ticks) ticks)"
is "$(printf '%s' "$L" | jq '.alarms | length')" 0 "no alarm live"

# ---- every request fails: the alarm, live, over REST and from `rampage start --wait`
T=$(curl -s -H 'Content-Type: application/json' -X POST "$URL/api/tests" -d "{\"name\": \"closed\",
	\"vus\": 1, \"duration\": \"5s\", \"tasks\": [{\"name\": \"home\", \"url\": \"http://127.0.0.1:$CLOSED/\"}]}" | jq .id)
ok "$([ "$T" -gt 0 ] 2>/dev/null; echo $?)" "a saved test against the closed port ($T)"
"$RAMPAGE" start "$T" --wait --server "$URL" >"$SANDBOX/start.out" 2>"$SANDBOX/start.err"
diag "$(cat "$SANDBOX/start.err")"
is "$(grep -c 'every request fails' "$SANDBOX/start.err")" 1 "start --wait says it once on stderr"
like "$(grep 'every request fails' "$SANDBOX/start.err")" \
	"^rampage: WARNING: run [0-9]+: every request fails: connection refused: Failed to connect to 127\.0\.0\.1 port $CLOSED.*\(home; [0-9]+ of [0-9]+ requests failed in the first [23] s\)$" \
	"with the kind, libcurl's words, the endpoint and the figures"
ID2=$(curl -s "$URL/api/runs?test=$T&limit=1" | jq '.runs[0].id')
A=$(curl -s "$URL/api/runs/$ID2/failures" | jq -c '.alarm')
is "$(printf '%s' "$A" | jq -c '[.kind, .endpoint, .idx, (.requests == .failures), (.second >= 1)]')" \
	'["refused","home",1,true,true]' "REST: the alarm with its kind, endpoint and figures"
is "$(curl -s "$URL/api/runs/$ID2/summary" | jq -r '.rampage.failure_alarm.text')" "$(printf '%s' "$A" | jq -r .text)" \
	"the summary keeps the same alarm"
is "$(curl -s "$URL/api/runs/$ID2" | jq -r '.state | test("^(passed|finished)$")')" true \
	"the run was not stopped by it: it ends by itself"
stop_daemon
done_testing
