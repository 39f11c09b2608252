#!/bin/sh
# kill -9 in the middle of a run, then restart: the run is `aborted`, every second completed
# before the kill is stored (at most the second in progress is lost), its data still answers, and
# the daemon runs new work.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
start_daemon

RUN=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"doomed\", \"baseUrl\": \"$DEMO_URL\",
	\"vus\": 2, \"duration\": \"60s\", \"tasks\": [{\"name\": \"health\", \"path\": \"/api/health\"},
	{\"name\": \"users\", \"path\": \"/api/users\"}]}}" | jq .id)
like "$RUN" '^[0-9]+$' "a 60 s run is queued"
for _ in $(seq 200); do
	n=$(curl -s "$URL/api/runs/$RUN/samples" | jq '.samples | length')
	[ "$n" -ge 3 ] && break
	sleep 0.05
done
sleep 0.4
STARTED=$(curl -s "$URL/api/runs/$RUN" | jq .started_ms)
SEEN=$(curl -s "$URL/api/runs/$RUN/samples" | jq '.samples | length')
kill -9 "$DAEMON_PID"
KILLED=$(date +%s%3N)
wait "$DAEMON_PID" 2>/dev/null
ok "$([ "$SEEN" -ge 3 ]; echo $?)" "$SEEN seconds were stored before kill -9"

start_daemon
R=$(curl -s "$URL/api/runs/$RUN")
is "$(printf '%s' "$R" | jq -r .state)" aborted "after the restart the run is aborted"
like "$(printf '%s' "$R" | jq -r .error)" 'stopped unexpectedly' "with the reason"
S=$(curl -s "$URL/api/runs/$RUN/samples")
N=$(printf '%s' "$S" | jq '.samples | length')
ELAPSED=$(( (KILLED - STARTED) / 1000 ))
diag "elapsed at the kill: $ELAPSED whole seconds; stored: $N"
ok "$([ "$N" -ge "$SEEN" ] && [ "$N" -ge $((ELAPSED - 1)) ] && [ "$N" -le $((ELAPSED + 1)) ]; echo $?)" \
	"every completed second is stored ($N rows for $ELAPSED s; at most the one in progress lost)"
is "$(printf '%s' "$S" | jq -c '.samples | [.[].second] == [range(0; length)]')" true "seconds 0..$((N - 1)) without a gap"
is "$(sqlite3 "$SANDBOX/rampage.db" "SELECT count(*) FROM samples WHERE run_id = $RUN AND endpoint > 0")" \
	"$((2 * N))" "with the rows of both endpoints for each second"
is "$(sqlite3 "$SANDBOX/rampage.db" "SELECT count(*) FROM sample_histograms WHERE run_id = $RUN AND endpoint = 0")" \
	"$N" "and a histogram per second"
is "$(printf '%s' "$R" | jq '(.ended_ms - .started_ms) / 1000')" "$N" \
	"ended_ms is the end of the last stored second"
is "$(http_status GET "$URL/api/runs/$RUN/summary")" 404 "there is no summary"
E=$(curl -s "$URL/api/runs/$RUN/endpoints")
is "$(printf '%s' "$E" | jq -r .source)" sample_histograms "the endpoint table merges the stored seconds"
is "$(printf '%s' "$E" | jq .total.requests)" "$(printf '%s' "$S" | jq '[.samples[].requests] | add')" \
	"and counts every stored request"
ok "$(printf '%s' "$E" | jq -e '.total.lat_p95_us > 0 and (.endpoints | length) == 2' >/dev/null; echo $?)" \
	"with latency from the merged histograms"

# the restarted daemon still works
NEXT=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"after\", \"baseUrl\": \"$DEMO_URL\",
	\"tasks\": [{\"path\": \"/api/health\"}]}}" | jq .id)
for _ in $(seq 100); do
	st=$(curl -s "$URL/api/runs/$NEXT" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$st" finished "a new run after the restart finishes"
done_testing
