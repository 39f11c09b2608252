#!/bin/sh
# GET /metrics: Prometheus text format 0.0.4 that promtool accepts; the daemon's gauges (runs by
# state from the database, queue length, live clients); during a run, its counters over the run so
# far (requests by endpoint and status, a latency histogram, bytes, checks) growing from one scrape
# to the next, with label values escaped; gone when the run ends. /metrics follows protect_reads.
#
# promtool comes from Debian's `prometheus` package (./bootstrap installs it): without it the test
# fails, saying so.
. "$TOP_SRCDIR/tests/integration/lib.sh"

PROMTOOL=$(command -v promtool)
[ -n "$PROMTOOL" ] || bail "promtool is missing: apt-get install prometheus (./bootstrap's PACKAGES)"

start_demo demo --latency-ms 2
start_daemon

# scrape FILE: GET /metrics into FILE (headers into FILE.h); prints the status
scrape() { curl -s -D "$1.h" -o "$1" -w '%{http_code}' "$URL/metrics"; }
# value FILE REGEX: the value of the first sample line matching REGEX
value() { grep -E -- "$2" "$1" | head -1 | awk '{print $NF}'; }
# check FILE: promtool check metrics; exit code
check() { "$PROMTOOL" check metrics <"$1" >"$1.promtool" 2>&1; }

M=$SANDBOX/idle.txt
is "$(scrape "$M")" 200 "GET /metrics is 200"
is "$(grep -i '^content-type:' "$M.h" | tr -d '\r')" \
	"Content-Type: text/plain; version=0.0.4; charset=utf-8" "text exposition format 0.0.4"
is "$(value "$M" '^rampage_up ')" 1 "rampage_up 1"
like "$(value "$M" '^rampage_uptime_seconds ')" '^[0-9]+$' "rampage_uptime_seconds"
is "$(grep -c '^rampage_runs{state="[a-z]*"} 0$' "$M")" 10 "rampage_runs: every state (ten), 0 with an empty database"
is "$(value "$M" '^rampage_run_queue_length ')" 0 "rampage_run_queue_length 0"
is "$(value "$M" '^rampage_live_clients ')" 0 "rampage_live_clients 0"
check "$M"; ok $? "promtool check metrics accepts the idle scrape"
[ -s "$M.promtool" ] && sed 's/^/# promtool: /' "$M.promtool"
for f in rampage_up rampage_uptime_seconds rampage_runs rampage_run_queue_length rampage_live_clients \
	rampage_vus rampage_http_reqs_total rampage_http_req_duration_seconds \
	rampage_data_sent_bytes_total rampage_data_received_bytes_total rampage_checks_total; do
	grep -q "^# HELP $f " "$M" && grep -q "^# TYPE $f " "$M" || echo "# no HELP/TYPE: $f"
done
is "$(grep -c '^# TYPE ' "$M")" 11 "HELP and TYPE for every family (11), even without a run"
is "$(grep -c '^# HELP ' "$M")" 11 "11 HELP lines"
is "$(http_status POST "$URL/metrics" -H 'X-Rampage-Client: test')" 405 "POST /metrics is 405"

# a 4 s run; its name has a quote and a backslash, to be escaped in the labels
ID=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"m \\\"q\\\" \\\\ x\",
	\"baseUrl\": \"$DEMO_URL\", \"vus\": 2, \"duration\": \"4s\",
	\"tasks\": [{\"name\": \"users\", \"path\": \"/api/users/1\",
		\"checks\": [{\"status\": 200, \"name\": \"ok\"}, {\"bodyContains\": \"no such text\", \"name\": \"never\"}]},
		{\"name\": \"missing\", \"path\": \"/api/users/999999\"}]}}" | jq .id)
like "$ID" '^[0-9]+$' "a 4 s run started ($ID)"
LBL="run=\"$ID\",test=\"m \\\\\"q\\\\\" \\\\\\\\ x\""
A=$SANDBOX/a.txt B=$SANDBOX/b.txt
for _ in $(seq 40); do    # its first second
	scrape "$A" >/dev/null
	grep -q '^rampage_http_reqs_total{' "$A" && break
	sleep 0.1
done
sleep 1.2
scrape "$B" >/dev/null
diag "$(grep -E '^rampage_(http_reqs_total|vus|checks_total)' "$B")"
RA=$(value "$A" "^rampage_http_reqs_total\{.*endpoint=\"users\",status=\"200\"\}")
RB=$(value "$B" "^rampage_http_reqs_total\{.*endpoint=\"users\",status=\"200\"\}")
like "$RA" '^[1-9][0-9]*$' "during the run: rampage_http_reqs_total{endpoint=\"users\",status=\"200\"} = $RA"
ok "$([ "${RB:-0}" -gt "${RA:-0}" ]; echo $?)" "it grows over the run ($RA -> $RB a second later)"
like "$(grep '^rampage_http_reqs_total{' "$B")" "^rampage_http_reqs_total\{$LBL,endpoint=\"missing\",status=\"404\"\} [1-9]" \
	"another endpoint, another status; the run's name escaped in the label"
is "$(value "$B" '^rampage_run_queue_length ')" 0 "the queue is empty while it runs"
Q=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"waits\", \"baseUrl\": \"$DEMO_URL\",
	\"vus\": 1, \"duration\": \"1s\", \"tasks\": [{\"path\": \"/api/health\"}]}}" | jq .id)
scrape "$SANDBOX/q.txt" >/dev/null
is "$(value "$SANDBOX/q.txt" '^rampage_run_queue_length ')" 1 "a second run waits: rampage_run_queue_length 1"
is "$(value "$SANDBOX/q.txt" '^rampage_runs\{state="queued"\}')" 1 "rampage_runs{state=\"queued\"} 1"
is "$(http_status POST "$URL/api/runs/$Q/stop" -H 'X-Rampage-Client: test')" 202 "cancel it"
is "$(value "$B" '^rampage_runs\{state="running"\}')" 1 "rampage_runs{state=\"running\"} 1"
like "$(value "$B" "^rampage_vus\{$LBL\}")" '^[12]$' "rampage_vus of the run"
like "$(value "$B" "^rampage_data_sent_bytes_total\{$LBL\}")" '^[1-9][0-9]*$' "bytes sent"
like "$(value "$B" "^rampage_data_received_bytes_total\{$LBL\}")" '^[1-9][0-9]*$' "bytes received"
P=$(value "$B" "^rampage_checks_total\{$LBL,check=\"ok\",result=\"pass\"\}")
is "$(value "$B" "^rampage_checks_total\{$LBL,check=\"never\",result=\"fail\"\}")" "$P" \
	"checks: every users request passes \"ok\" and fails \"never\" ($P)"
is "$P" "$RB" "as many checks as users requests"
# the histogram: buckets cumulative, +Inf = _count = the requests of that endpoint
H=$(grep "^rampage_http_req_duration_seconds_bucket{.*endpoint=\"users\"" "$B" | awk '{print $NF}' | tr '\n' ' ')
is "$(echo "$H" | wc -w)" 12 "12 buckets (0.005 .. 10, +Inf)"
ok "$(echo "$H" | awk '{for (i = 2; i <= NF; i++) if ($i < $(i-1)) exit 1}'; echo $?)" "bucket counts never decrease ($H)"
is "$(value "$B" '^rampage_http_req_duration_seconds_bucket\{.*endpoint="users",le="\+Inf"\}')" "$RB" "+Inf bucket = requests"
is "$(value "$B" '^rampage_http_req_duration_seconds_count\{.*endpoint="users"\}')" "$RB" "_count = requests"
like "$(value "$B" '^rampage_http_req_duration_seconds_sum\{.*endpoint="users"\}')" '^0*[0-9]+\.[0-9]+$' "_sum in seconds"
check "$B"; ok $? "promtool check metrics accepts the scrape during the run"
[ -s "$B.promtool" ] && sed 's/^/# promtool: /' "$B.promtool"

for _ in $(seq 200); do
	st=$(curl -s "$URL/api/runs/$ID" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
C=$SANDBOX/c.txt
scrape "$C" >/dev/null
is "$(value "$C" '^rampage_runs\{state="finished"\}')" 1 "after the run: rampage_runs{state=\"finished\"} 1 (it has no thresholds)"
is "$(value "$C" '^rampage_runs\{state="cancelled"\}')" 1 "rampage_runs{state=\"cancelled\"} 1"
is "$(value "$C" '^rampage_runs\{state="passed"\}')" 0 "rampage_runs{state=\"passed\"} 0: nothing was checked"
is "$(grep '^rampage_runs{' "$C" | sed 's/^rampage_runs{state="\([a-z]*\)"}.*/\1/' | tr '\n' ' ')" \
	"queued running stopping passed failed finished stopped cancelled aborted error " \
	"rampage_runs lists every state, 0 or not"
is "$(value "$C" '^rampage_run_queue_length ')" 0 "the queue is empty again"
is "$(grep -c '^rampage_http_reqs_total{' "$C")" 0 "its series are gone"
check "$C"; ok $? "promtool accepts it"

# protect_reads: /metrics needs the token like every other read
stop_daemon
T=metrics-token-0123456789abcdef
printf '[security]\napi_tokens = %s\nprotect_reads = true\n' "$T" >"$SANDBOX/ro.conf"
start_daemon --config "$SANDBOX/ro.conf"
is "$(http_status GET "$URL/metrics")" 401 "protect_reads: /metrics without a token is 401"
is "$(http_status GET "$URL/metrics" -H "Authorization: Bearer $T")" 200 "with it, 200"
done_testing
