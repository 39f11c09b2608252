#!/bin/sh
# The target allowlist again at connect time: the engine checks the address libcurl resolved and is
# about to connect to (CURLOPT_OPENSOCKETFUNCTION), so a name that passes validation cannot reach an
# address outside security.allow_targets. Here the list names `localhost` but no network: the run is
# accepted, every connection is refused and counted as a connect error, and the target sees nothing.
# With the default list (which includes 127.0.0.0/8) the same run reaches the target.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
DEMO_PORT=${DEMO_URL##*:}

# run_once: an inline 1 s run against http://localhost:PORT; prints the run id once it has ended
run_once() {
	id=$(curl -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"guard\",
		\"baseUrl\": \"http://localhost:$DEMO_PORT\", \"vus\": 2, \"duration\": \"1s\",
		\"tasks\": [{\"name\": \"health\", \"path\": \"/api/users\"}]}}" | jq .id)
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
is "$(printf '%s' "$S" | jq '.rampage.total.errors.connect == .metrics.http_reqs.values.count')" true \
	"as connect errors: the resolved 127.0.0.1 / ::1 are in no listed network"
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
done_testing
