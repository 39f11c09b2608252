#!/bin/sh
# 115: every request is counted once, under a failure kind or a status class, never both (issue 10,
# section 4). A raw-socket target answers each step of one workflow its own way: a 200, status 999,
# 1.6 MB of response headers, one 200 KB header line, a 200 whose body is cut, a 503, and a redirect
# to 127.0.0.2. `rampage run` (no allowlist) and the daemon (allow_targets = 127.0.0.1/32, so the
# redirect is blocked) must count: 200 -> 2xx; 999 -> status_other and http_status; headers ->
# too_large (both); cut body -> reset and no 2xx; 503 -> 5xx and http_status; redirect -> blocked
# in the daemon (one log line for the run), connect in `rampage run`. The kinds and classes add up
# to the requests. The target is named 127.0.0.1. (trailing dot: the same host).
. "$TOP_SRCDIR/tests/integration/lib.sh"

N=4                                # iterations (shared by 2 VUs, so 2 workers on 2 cores); each step
                                   # is requested N times

cat >"$SANDBOX/target.py" <<'PY'
import socket, sys, threading
def answer(c, path):
    close = b"Connection: close\r\n"
    if path == "/ok":
        c.sendall(b"HTTP/1.1 200 OK\r\n" + close + b"Content-Length: 2\r\n\r\nok")
    elif path == "/odd":
        c.sendall(b"HTTP/1.1 999 Odd\r\n" + close + b"Content-Length: 2\r\n\r\nok")
    elif path == "/heads":
        c.sendall(b"HTTP/1.1 200 OK\r\n" + close)
        line = b"X-Pad: " + b"a" * 1000 + b"\r\n"
        for _ in range(1600):
            c.sendall(line)
        c.sendall(b"Content-Length: 2\r\n\r\nok")
    elif path == "/line":
        c.sendall(b"HTTP/1.1 200 OK\r\n" + close + b"X-One: " + b"a" * 200000 + b"\r\nContent-Length: 2\r\n\r\nok")
    elif path == "/cut":
        c.sendall(b"HTTP/1.1 200 OK\r\n" + close + b"Content-Length: 1000\r\n\r\nonly this")
    elif path == "/unavailable":
        c.sendall(b"HTTP/1.1 503 Service Unavailable\r\n" + close + b"Content-Length: 0\r\n\r\n")
    elif path == "/away":
        c.sendall(b"HTTP/1.1 302 Found\r\n" + close + b"Location: http://127.0.0.2:" +
                  str(PORT).encode() + b"/ok\r\nContent-Length: 0\r\n\r\n")
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
        pass                                   # the client gave up (too large): expected
    finally:
        c.close()
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
PORT = s.getsockname()[1]
print(PORT, flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$SANDBOX/target.py" >"$SANDBOX/target.port" 2>"$SANDBOX/target.log" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$SANDBOX/target.port" ] && break; sleep 0.05; done
TPORT=$(cat "$SANDBOX/target.port")
[ -n "$TPORT" ] || bail "the raw-socket target did not start"

cat >"$SANDBOX/def.json" <<JSON
{ "name": "kinds", "baseUrl": "http://127.0.0.1.:$TPORT",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 2, "iterations": $N,
    "maxDuration": "60s",
    "tasks": [ { "name": "all", "steps": [
      { "name": "ok", "path": "/ok" }, { "name": "odd", "path": "/odd" },
      { "name": "heads", "path": "/heads" }, { "name": "line", "path": "/line" },
      { "name": "cut", "path": "/cut" }, { "name": "unavailable", "path": "/unavailable" },
      { "name": "away", "path": "/away" } ] } ] } } }
JSON

# ---- rampage run: the summary's status codes and error kinds per endpoint
"$RAMPAGE" run "$SANDBOX/def.json" --quiet --out summary="$SANDBOX/s.json" >"$SANDBOX/run.log" 2>&1
is "$?" 0 "rampage run exits 0 whatever the target did"
ep() { jq -c --arg n "$1" '.rampage.endpoints[] | select(.name == $n) | [.requests, .failed, .status, .errors]' \
	"$SANDBOX/s.json"; }
is "$(ep ok)" "[$N,0,{\"200\":$N},{}]" "200: a 2xx, no failure"
is "$(ep odd)" "[$N,$N,{\"other\":$N},{}]" "status 999: class other, failed by its status, no transport kind"
is "$(ep heads)" "[$N,$N,{\"0\":$N},{\"too_large\":$N}]" "1.6 MB of headers: too_large (was reset), no status"
is "$(ep line)" "[$N,$N,{\"0\":$N},{\"too_large\":$N}]" "one 200 KB header line: too_large (was other)"
is "$(ep cut)" "[$N,$N,{\"0\":$N},{\"reset\":$N}]" "a body cut after 200 OK: reset only, not also a 200"
is "$(ep unavailable)" "[$N,$N,{\"503\":$N},{}]" "503: a 5xx, failed by its status"
is "$(ep away)" "[$N,$N,{\"0\":$N},{\"connect\":$N}]" \
	"a redirect to 127.0.0.2 with no allowlist: refused by the host, a connect error"
is "$(jq '.rampage.total | ([.status[]] | add) == .requests' "$SANDBOX/s.json")" true \
	"every request has exactly one status entry (0: no response)"
is "$(jq '.rampage.total | (([.errors[]] | add) == .status["0"])' "$SANDBOX/s.json")" true \
	"and the transport kinds are exactly the requests without a response"

# ---- the daemon: the samples columns, the endpoint table, one log line
printf '[security]\nallow_targets = 127.0.0.1/32\n' >"$SANDBOX/near.conf"
start_daemon --config "$SANDBOX/near.conf"
R=$(curl -s -X POST "$URL/api/runs" -H 'Content-Type: application/json' -H 'X-Rampage: 1' \
	-d "{\"definition\": $(cat "$SANDBOX/def.json")}")
ID=$(printf '%s' "$R" | jq .id)
ok $([ "$ID" -gt 0 ] 2>/dev/null; echo $?) "the daemon accepts 127.0.0.1. where 127.0.0.1/32 is allowed ($(printf '%s' "$R" | head -c 160))"
STATE=""
for _ in $(seq 300); do
	STATE=$(curl -s "$URL/api/runs/$ID" | jq -r .state)
	case $STATE in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$STATE" finished "the run ends (finished: no thresholds, no verdict)"
# one merged row per endpoint: the columns that describe where each request went
cols='[.requests, .failures, .fail_http_status, .fail_refused, .fail_timeout, .fail_reset, .fail_dns,
 .fail_tls, .fail_too_large, .fail_blocked, .fail_other, .status_1xx, .status_2xx, .status_3xx,
 .status_4xx, .status_5xx, .status_other]'
row() { curl -s "$URL/api/runs/$ID/samples?endpoint=$1&step=86400" | jq -c ".samples[0] | $cols"; }
#                   req fail http ref tmo rst dns tls big blk oth 1xx 2xx 3xx 4xx 5xx oth
is "$(row ok)"          "[$N,0,0,0,0,0,0,0,0,0,0,0,$N,0,0,0,0]" "samples, 200: status_2xx"
is "$(row odd)"         "[$N,$N,$N,0,0,0,0,0,0,0,0,0,0,0,0,0,$N]" "samples, 999: status_other and fail_http_status"
is "$(row heads)"       "[$N,$N,0,0,0,0,0,0,$N,0,0,0,0,0,0,0,0]" "samples, 1.6 MB of headers: fail_too_large"
is "$(row line)"        "[$N,$N,0,0,0,0,0,0,$N,0,0,0,0,0,0,0,0]" "samples, a 200 KB header line: fail_too_large"
is "$(row cut)"         "[$N,$N,0,0,0,$N,0,0,0,0,0,0,0,0,0,0,0]" "samples, a cut body: fail_reset, no status_2xx"
is "$(row unavailable)" "[$N,$N,$N,0,0,0,0,0,0,0,0,0,0,0,0,$N,0]" "samples, 503: status_5xx and fail_http_status"
is "$(row away)"        "[$N,$N,0,0,0,0,0,0,0,$N,0,0,0,0,0,0,0]" \
	"samples, a redirect to 127.0.0.2 (not in 127.0.0.1/32): fail_blocked, not fail_refused nor a 3xx"
# every second of the total: kinds + classes = requests, and nothing counted twice
bad=$(curl -s "$URL/api/runs/$ID/samples" | jq '[.samples[] | select(.requests != .fail_refused +
	.fail_timeout + .fail_reset + .fail_dns + .fail_tls + .fail_too_large + .fail_blocked +
	.fail_other + .status_1xx + .status_2xx + .status_3xx + .status_4xx + .status_5xx +
	.status_other)] | length')
is "$bad" 0 "every stored second: the kinds and the classes add up to the requests"
is "$(curl -s "$URL/api/runs/$ID/samples?step=86400" | jq '.samples[0].requests')" "$((7 * N))" \
	"the total counts each of the $((7 * N)) requests once"
E=$(curl -s "$URL/api/runs/$ID/endpoints")
is "$(printf '%s' "$E" | jq -c '.total | [.requests, .no_response, .status_2xx, .status_5xx, .status_other, .fail_http_status]')" \
	"[$((7 * N)),$((4 * N)),$N,$N,$N,$((2 * N))]" "the endpoint table: no_response counts the four transport kinds"
is "$(grep -c 'failure kind "blocked"' "$DAEMON_LOG")" 1 \
	"the $N blocked redirects are logged once for the run, whatever the workers"
like "$(grep 'failure kind "blocked"' "$DAEMON_LOG")" 'connection to http://127\.0\.0\.2:[0-9]+ was refused' \
	"naming the origin it was going to"
S=$(curl -s "$URL/api/runs/$ID/summary")
is "$(printf '%s' "$S" | jq -c '.rampage.total.errors')" \
	"{\"reset\":$N,\"too_large\":$((2 * N)),\"blocked\":$N}" "the stored summary names the kinds"
# once per run, not once per daemon: a second run logs its own line
ID2=$(curl -s -X POST "$URL/api/runs" -H 'Content-Type: application/json' -H 'X-Rampage: 1' \
	-d "{\"definition\": $(cat "$SANDBOX/def.json")}" | jq .id)
for _ in $(seq 300); do
	case $(curl -s "$URL/api/runs/$ID2" | jq -r .state) in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$(grep -c 'failure kind "blocked"' "$DAEMON_LOG")" 2 "a second run logs its own line"
stop_daemon
done_testing
