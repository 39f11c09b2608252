#!/bin/sh
# The target allowlist again at connect time: the engine checks the address libcurl resolved and is
# about to connect to (CURLOPT_OPENSOCKETFUNCTION), so a name that passes validation cannot reach an
# address outside security.allow_targets. Here the list names `localhost` but no network: the run is
# accepted, every connection is refused and counted as failure kind `blocked` (not as a connect
# error: the target refused nothing), and the target sees nothing.
# With the default list (which includes 127.0.0.0/8) the same run reaches the target.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
DEMO_PORT=${DEMO_URL##*:}

# run_once [BASE-URL PATH]: an inline 1 s run, by default of GET /api/users on http://localhost:PORT;
# prints the run id once it has ended
run_once() {
	id=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"guard\",
		\"baseUrl\": \"${1:-http://localhost:$DEMO_PORT}\", \"vus\": 2, \"duration\": \"1s\",
		\"tasks\": [{\"name\": \"req\", \"path\": \"${2:-/api/users}\"}]}}" | jq .id)
	for _ in $(seq 300); do
		case $(curl -s "$URL/api/runs/$id" | jq -r .state) in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
	done
	echo "$id"
}

printf '[security]\nallow_targets = localhost\n' >"$SANDBOX/names-only.conf"
start_daemon --config "$SANDBOX/names-only.conf"
curl -s -X POST "$DEMO_URL/api/stats/reset" >/dev/null
ID=$(run_once)
S=$(curl -s "$URL/api/runs/$ID/summary")
ok $([ "$(printf '%s' "$S" | jq '.metrics.http_reqs.values.count')" -gt 0 ]; echo $?) \
	"the name passes validation and the run makes attempts"
is "$(printf '%s' "$S" | jq '.metrics.http_req_failed.values.rate')" 1 "every attempt failed"
is "$(printf '%s' "$S" | jq '.rampage.total.errors.blocked == .metrics.http_reqs.values.count')" true \
	"as blocked: the resolved 127.0.0.1 / ::1 are in no listed network"
is "$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["GET /api/users"]')" 0 \
	"the target never saw a request"
stop_daemon

start_daemon
ID=$(run_once)
users_served=$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["GET /api/users"]')
S=$(curl -s "$URL/api/runs/$ID/summary")
is "$(printf '%s' "$S" | jq '.metrics.http_req_failed.values.rate')" 0 "with the default list the same run succeeds"
ok $([ "$users_served" -gt 0 ]; echo $?) "and the target served its requests ($users_served)"
stop_daemon

# A redirect does not get around the list: a target on 127.0.0.1 answers every request with a 302
# to a second demo target on 127.0.0.2. With allow_targets = 127.0.0.1/32 the run may reach the
# first but never the second; with the default list (127.0.0.0/8) it reaches both.
"$RAMPAGE" demo-target --listen 127.0.0.2:0 >"$SANDBOX/far.log" 2>&1 &
PIDS="$PIDS $!"
FAR=$(wait_for_log "$SANDBOX/far.log" 'listening on http://127\.0\.0\.2:[0-9]+' | grep -Eo 'http://.*') ||
	bail "the demo target on 127.0.0.2 did not start"
cat >"$SANDBOX/redirector.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", sys.argv[1] + "/api/users")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$SANDBOX/redirector.py" "$FAR" >"$SANDBOX/redirector.port" 2>"$SANDBOX/redirector.err" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$SANDBOX/redirector.port" ] && break; sleep 0.05; done
NEAR_PORT=$(cat "$SANDBOX/redirector.port")
printf '[security]\nallow_targets = 127.0.0.1/32\n' >"$SANDBOX/near-only.conf"
start_daemon --config "$SANDBOX/near-only.conf"
ID=$(run_once "http://127.0.0.1:$NEAR_PORT" /start)
S=$(curl -s "$URL/api/runs/$ID/summary")
ok $([ "$(printf '%s' "$S" | jq '.metrics.http_reqs.values.count')" -gt 0 ]; echo $?) \
	"a run against the redirector on 127.0.0.1 is accepted and makes requests"
is "$(printf '%s' "$S" | jq '.rampage.total.errors.blocked == .metrics.http_reqs.values.count')" true \
	"each one ends blocked at the redirect to 127.0.0.2 (not in 127.0.0.1/32)"
is "$(curl -s "$FAR/api/stats" | jq '.requests.by_route["GET /api/users"]')" 0 \
	"the target behind the redirect never saw a request"
stop_daemon
start_daemon
ID=$(run_once "http://127.0.0.1:$NEAR_PORT" /start)
S=$(curl -s "$URL/api/runs/$ID/summary")
is "$(printf '%s' "$S" | jq '[.metrics.http_req_failed.values.rate, (.rampage.endpoints[0].status | keys)]' -c)" \
	'[0,["200"]]' "with the default list the redirect is followed to a 200"
ok $([ "$(curl -s "$FAR/api/stats" | jq '.requests.by_route["GET /api/users"]')" -gt 0 ]; echo $?) \
	"and the target behind it served the requests"
stop_daemon
done_testing
