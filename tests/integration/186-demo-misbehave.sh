#!/bin/sh
# The demo target misbehaves on request (issue 14): POST /admin/reload drops the other routes'
# connections for --reload-ms (or answers 503 with --reload-mode 503), then they answer again;
# /api/stats is spared; GET /metrics is Prometheus text of its own (RSS, requests, task queue depth);
# --task-rate drains the queue POST /api/tasks fills, without it the queue only grows; leak mode
# grows its leaked bytes per request up to --leak-cap-mb; bad option values are refused, naming
# the option.
. "$TOP_SRCDIR/tests/integration/lib.sh"

metric() { # metric URL NAME: the value of an unlabelled sample
	curl -s "$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}

# --- reload, drop mode
start_demo drop --reload-ms 1500
D=$DEMO_URL
is "$(http_status GET "$D/api/health")" 200 "before a reload: 200"
is "$(http_status POST "$D/admin/reload")" 202 "POST /admin/reload: 202"
st=$(curl -s -o /dev/null -w '%{http_code}' "$D/api/users"); rc=$?
is "$st" 000 "while reloading: no answer at all"
ok $([ "$rc" -eq 52 ] || [ "$rc" -eq 56 ]; echo $?) "the connection was dropped (curl exit $rc: empty reply or reset)"
is "$(http_status GET "$D/api/stats")" 200 "/api/stats is spared"
is "$(metric "$D" demo_reloading)" 1 "/metrics says a reload is under way"
is "$(http_status GET "$D/admin/reload")" 405 "GET /admin/reload: 405"
ok=1
for _ in $(seq 50); do
	[ "$(http_status GET "$D/api/health")" = 200 ] && { ok=0; break; }
	sleep 0.1
done
ok $ok "after --reload-ms it answers again"
is "$(metric "$D" demo_reloads_total)" 1 "one reload counted"
ok $([ "$(metric "$D" demo_reload_dropped_total)" -ge 1 ]; echo $?) "the dropped requests counted"

# --- /metrics: the exposition format
curl -s -D "$SANDBOX/h" -o "$SANDBOX/m" "$D/metrics"
like "$(grep -i '^content-type' "$SANDBOX/h")" 'text/plain; version=0\.0\.4' "text/plain; version=0.0.4"
is "$(grep -c '^# TYPE ' "$SANDBOX/m")" "$(grep -c '^[a-z_]* [0-9]' "$SANDBOX/m")" "a # TYPE for every sample"
ok $([ "$(metric "$D" process_resident_memory_bytes)" -gt 1000000 ]; echo $?) "RSS in bytes"
is "$(grep '^# TYPE demo_requests_total' "$SANDBOX/m")" "# TYPE demo_requests_total counter" "requests: a counter"
is "$(grep '^# TYPE demo_task_queue_depth' "$SANDBOX/m")" "# TYPE demo_task_queue_depth gauge" "queue depth: a gauge"

# --- the task queue: without a worker it only grows
for _ in $(seq 30); do curl -s -o /dev/null -X POST "$D/api/tasks"; done
is "$(metric "$D" demo_task_queue_depth)" 30 "no --task-rate: 30 tasks queued stay queued"
sleep 0.5
is "$(metric "$D" demo_task_queue_depth)" 30 "and are never run"

# --- reload, 503 mode; a task worker; leak mode with a small cap
start_demo bad --reload-ms 800 --reload-mode 503 --task-rate 20 --leak-bytes 65536 --leak-cap-mb 1
B=$DEMO_URL
L0=$(metric "$B" demo_leaked_bytes)
for _ in $(seq 5); do curl -s -o /dev/null "$B/api/health"; done
L1=$(metric "$B" demo_leaked_bytes)
ok $([ "$L1" -gt "$L0" ]; echo $?) "leak mode: the leaked bytes grow with requests ($L0 -> $L1)"
for _ in $(seq 30); do curl -s -o /dev/null "$B/api/health"; done
L2=$(metric "$B" demo_leaked_bytes)
is "$L2" 1048576 "and stop at --leak-cap-mb 1 (16 blocks of 64 KiB)"
for _ in $(seq 40); do curl -s -o /dev/null -X POST "$B/api/tasks"; done
D0=$(metric "$B" demo_task_queue_depth)
sleep 1
D1=$(metric "$B" demo_task_queue_depth)
diag "queue depth $D0 -> $D1 in 1 s at --task-rate 20"
ok $([ "$D1" -lt "$D0" ]; echo $?) "--task-rate 20: the worker drains the queue ($D0 -> $D1)"
ok $([ $((D0 - D1)) -le 30 ]; echo $?) "at about its rate, not at once (ran $((D0 - D1)) in ~1 s)"
is "$(http_status POST "$B/admin/reload")" 202 "POST /admin/reload (503 mode): 202"
is "$(http_status GET "$B/api/users")" 503 "while reloading: 503"

# --- bad values name the option
OUT=$("$RAMPAGE" demo-target --reload-mode sometimes 2>&1); rc=$?
is "$rc" 2 "--reload-mode sometimes: usage error"
like "$OUT" '--reload-mode: expected drop or 503' "naming the option"
OUT=$("$RAMPAGE" demo-target --leak-bytes -1 2>&1); rc=$?
is "$rc:$(echo "$OUT" | grep -c -- '--leak-bytes')" 2:1 "--leak-bytes -1: refused, naming it"
OUT=$("$RAMPAGE" demo-target --task-rate x 2>&1); rc=$?
is "$rc:$(echo "$OUT" | grep -c -- '--task-rate')" 2:1 "--task-rate x: refused, naming it"
done_testing
