#!/bin/sh
# Demo target delays: ?delay_ms= and --latency-ms hold the answer at least that long, without
# blocking the HTTP threads (20 concurrent 500 ms requests on a 1-thread server finish together),
# and --latency-ms spares health and stats. Only lower bounds are asserted: timing goals live in bench/.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# at_least SECONDS-FLOAT MIN-SECONDS: exit 0 if the first is >= the second.
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# One pool thread: a delay that slept in it would serialise everything below.
start_demo demo --threads 1
U=$DEMO_URL

t=$(curl -s -o /dev/null -w '%{time_total}' "$U/api/health?delay_ms=300")
ok $(at_least "$t" 0.3; echo $?) "?delay_ms=300 takes at least 300 ms (took ${t}s)"
t=$(curl -s -o /dev/null -w '%{time_total}' "$U/api/health")
ok $(below "$t" 0.3; echo $?) "without it, health answers at once (took ${t}s)"
r=$(curl -s -w ' %{http_code}' "$U/api/users/3?delay_ms=200&status=503")
is "$r" '{"id":3,"name":"User 3","email":"user3@example.com"} 503' "a delayed answer is the decided one"
t=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' \
	-d '{"name":"d","email":"d@e"}' "$U/api/users?delay_ms=250")
ok $(at_least "$t" 0.25; echo $?) "POST bodies can be delayed too (took ${t}s)"
is "$(http_status GET "$U/api/health?jitter_ms=200")" 200 "?jitter_ms alone is accepted"

# Jitter is random: over 10 requests of delay 100 + jitter 0..300 the spread must show.
for _ in $(seq 10); do curl -s -o /dev/null -w '%{time_total}\n' "$U/api/health?delay_ms=100&jitter_ms=300"; done >"$SANDBOX/j"
min=$(sort -n "$SANDBOX/j" | head -1); max=$(sort -n "$SANDBOX/j" | tail -1)
ok $(at_least "$min" 0.1; echo $?) "delay + jitter never answers before the delay (min ${min}s)"
ok $(awk -v a="$max" -v b="$min" 'BEGIN { exit !(a - b >= 0.02) }'; echo $?) \
	"jitter varies the delay (min ${min}s, max ${max}s)"

# 20 concurrent 500 ms requests on one thread: they wait side by side, not one after another (10 s).
start=$(now_ms)
pids=""
for i in $(seq 20); do
	curl -s -o "$SANDBOX/c$i" -w '%{http_code}' "$U/api/users?delay_ms=500" >"$SANDBOX/s$i" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
elapsed=$(( $(now_ms) - start ))
codes=$(cat "$SANDBOX"/s* | tr -d '\n' | sed 's/200//g')
is "$codes" "" "20 concurrent delayed requests all answer 200"
ok $([ "$elapsed" -ge 500 ] && [ "$elapsed" -lt 5000 ]; echo $?) \
	"and finish together in ${elapsed} ms (serialised they would take 10000 ms)"
# Meanwhile the thread stays free: a request during a long delay is answered at once.
curl -s -o /dev/null "$U/api/health?delay_ms=2000" &
slow=$!
sleep 0.2
t=$(curl -s -o /dev/null -w '%{time_total}' "$U/api/health")
ok $(below "$t" 1; echo $?) "a request during another's 2 s delay answers at once (${t}s)"
wait "$slow"

# SIGTERM with delayed requests in flight: they are answered or closed, and the exit is clean.
curl -s -o /dev/null -m 10 "$U/api/health?delay_ms=30000" &
held=$!
sleep 0.3
start=$(now_ms)
kill -TERM "$DEMO_PID"; wait "$DEMO_PID"; rc=$?
is "$rc" 0 "SIGTERM with a 30 s delay pending exits 0"
ok $([ $(( $(now_ms) - start )) -lt 5000 ]; echo $?) "and does not wait for the delay"
wait "$held"

# --latency-ms: every route but health and stats.
start_demo slow --latency-ms 600
t=$(curl -s -o /dev/null -w '%{time_total}' "$DEMO_URL/api/users")
ok $(at_least "$t" 0.6; echo $?) "--latency-ms 600 delays /api/users (took ${t}s)"
t=$(curl -s -o /dev/null -w '%{time_total}' -X POST "$DEMO_URL/api/tasks")
ok $(at_least "$t" 0.6; echo $?) "and POST /api/tasks (took ${t}s)"
t=$(curl -s -o /dev/null -w '%{time_total}' "$DEMO_URL/api/users?delay_ms=200")
ok $(at_least "$t" 0.8; echo $?) "?delay_ms adds to it (took ${t}s)"
t=$(curl -s -o /dev/null -w '%{time_total}' "$DEMO_URL/api/health")
ok $(below "$t" 0.6; echo $?) "but not /api/health (took ${t}s)"
t=$(curl -s -o /dev/null -w '%{time_total}' "$DEMO_URL/api/stats")
ok $(below "$t" 0.6; echo $?) "nor /api/stats (took ${t}s)"

# --jitter-ms: between latency and latency + jitter.
start_demo jit --latency-ms 100 --jitter-ms 200
for _ in $(seq 8); do curl -s -o /dev/null -w '%{time_total}\n' "$DEMO_URL/api/users"; done >"$SANDBOX/g"
min=$(sort -n "$SANDBOX/g" | head -1); max=$(sort -n "$SANDBOX/g" | tail -1)
ok $(at_least "$min" 0.1; echo $?) "--jitter-ms never answers before --latency-ms (min ${min}s)"
ok $(awk -v a="$max" -v b="$min" 'BEGIN { exit !(a - b >= 0.01) }'; echo $?) \
	"and varies it (min ${min}s, max ${max}s)"

# --capacity: at most N requests in service, the rest queue (issue 14). Four at once on 2 slots of
# 1 s: two are answered after one turn, two wait a turn first (about 2 s); health is not held.
start_demo cap --capacity 2 --latency-ms 1000
pids=""
for i in 1 2 3 4; do
	curl -s -o /dev/null -w '%{time_total}\n' "$DEMO_URL/api/users/1" >"$SANDBOX/cap.$i" &
	pids="$pids $!"
done
t=$(curl -s -o /dev/null -w '%{time_total}' "$DEMO_URL/api/health")
wait $pids       # only the requests: the demo targets are this shell's jobs too
cat "$SANDBOX"/cap.? >"$SANDBOX/cap"
ok $(below "$t" 1.0; echo $?) "--capacity does not hold /api/health (took ${t}s)"
sort -n "$SANDBOX/cap" >"$SANDBOX/cap.sorted"
ok $(at_least "$(sed -n 1p "$SANDBOX/cap.sorted")" 1.0; echo $?) "every request is served for its delay ($(tr '\n' ' ' <"$SANDBOX/cap.sorted"))"
ok $(at_least "$(sed -n 3p "$SANDBOX/cap.sorted")" 1.8; echo $?) "the third and fourth waited for a slot (a turn more: 2 s, less the moments between the starts)"
is "$(curl -s "$DEMO_URL/api/stats" | jq '.requests.by_route["GET /api/users/{id}"]')" 4 "all four were answered"

done_testing
