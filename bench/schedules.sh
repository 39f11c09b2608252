#!/bin/sh
# schedules.sh [N] [IDLE_S] [RAMPAGE]: the scheduler's cost (docs/performance.md, "Schedules").
#   1. start-up: a database with N schedules (default 10,000; mixed expressions and zones, their
#      cursors unset so that every next fire is computed) is opened by `rampage serve`; the daemon
#      logs how long loading them and computing their next fires took;
#   2. GET /api/schedules (each schedule's next 5 fire times) and the preview, timed with curl;
#   3. idle: user + system CPU of the daemon over IDLE_S seconds (default 60) while no schedule is
#      due (all fire at 03:00-04:00 of some zone, never in the next minutes unless you run it then).
# Everything runs on 127.0.0.1 in a temporary folder, removed on exit. Needs sqlite3 and curl.
set -eu
N=${1:-10000}
IDLE=${2:-60}
RAMPAGE=${3:-./rampage}
for c in sqlite3 curl; do
	command -v $c >/dev/null || { echo "schedules.sh: $c is missing (apt-get install $c)" >&2; exit 2; }
done
DIR=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT

serve() {
	"$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$DIR/db" >"$DIR/log" 2>&1 &
	PID=$!
	for _ in $(seq 200); do grep -q 'listening on' "$DIR/log" && break; sleep 0.05; done
	PORT=$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$DIR/log" | grep -Eo '[0-9]+$')
}
serve
kill "$PID"; wait "$PID" || true; PID=
NOW=$(date +%s%3N)
sqlite3 "$DIR/db" <<SQL
INSERT INTO tests (name, definition, created_ms, updated_ms)
  VALUES ('bench', '{"baseUrl":"http://127.0.0.1:9","vus":1,"tasks":[{"path":"/"}]}', $NOW, $NOW);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $N)
INSERT INTO schedules (test_id, cron, timezone, enabled, overrides, created_ms, updated_ms)
SELECT 1,
  CASE i % 5 WHEN 0 THEN (i % 60) || ' 3 * * *' WHEN 1 THEN (i % 60) || ' 3 * * 1-5'
    WHEN 2 THEN '0 3 1,15 * *' WHEN 3 THEN (i % 60) || ' 3 13 * 5' ELSE '30 3 29 2 *' END,
  CASE i % 4 WHEN 0 THEN 'Europe/Berlin' WHEN 1 THEN 'America/New_York' WHEN 2 THEN 'Australia/Lord_Howe'
    ELSE 'Asia/Tokyo' END,
  1, '{}', $NOW, $NOW FROM n;
SQL
serve
for _ in $(seq 600); do grep -q 'sched: .* loaded' "$DIR/log" && break; sleep 0.05; done
echo "start-up: $(grep -Eo 'sched: [0-9]+ schedules loaded, their next fires computed in [0-9.]+ ms' "$DIR/log")"
T=$(curl -s -o "$DIR/list.json" -w '%{time_total}' "http://127.0.0.1:$PORT/api/schedules")
echo "GET /api/schedules ($N schedules, 5 next fires each, $(wc -c <"$DIR/list.json") bytes): ${T} s"
T=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/schedules/preview?cron=30+2+*+*+*&tz=Europe/Berlin&count=100")
echo "GET /api/schedules/preview (100 fire times): ${T} s"
ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
sleep 2
A=$(ticks)
sleep "$IDLE"
B=$(ticks)
echo "idle: $((B - A)) CPU ticks (1/$HZ s) in ${IDLE} s with $N schedules: $(awk -v t=$((B - A)) -v hz="$HZ" -v s="$IDLE" 'BEGIN { printf "%.3f%% of one core", 100 * t / hz / s }')"
