#!/bin/sh
# A full disk (issue 10, part 3): the database on a small tmpfs that a run fills up. A failed write is
# never silent: the run still ends by itself, flagged incomplete with the seconds that were not
# stored (and that record is in the database, written with the store's reserve); no live tick is
# sent for a second that did not commit (tick_lost instead); /api/health says the store's error;
# a new run is refused (503) while the disk is full. Once space returns (the filler file is removed)
# health is ok again by itself and a new run starts and stores its seconds.
# Runs in a private mount namespace (unshare -m), so the tmpfs goes away with the test however it
# ends; skipped where mounting is not allowed.
if [ -z "${RAMPAGE_012_NS:-}" ]; then
	if unshare -m --propagation private true 2>/dev/null; then
		RAMPAGE_012_NS=1 exec unshare -m --propagation private "$0" "$@"
	fi
	echo "1..0 # SKIP cannot make a private mount namespace here (unshare -m needs root or CAP_SYS_ADMIN)"
	exit 0
fi
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v sqlite3 >/dev/null 2>&1 || bail "the sqlite3 command is needed (apt-get install sqlite3)"

MNT="$SANDBOX/mnt"
mkdir "$MNT"
if ! mount -t tmpfs -o size=5m tmpfs "$MNT" 2>"$SANDBOX/mount.err"; then
	echo "1..0 # SKIP cannot mount a tmpfs here: $(cat "$SANDBOX/mount.err")"
	exit 0
fi
trap 'for pid in $PIDS; do kill "$pid" 2>/dev/null; done; wait; umount "$MNT" 2>/dev/null; cleanup' EXIT
# 5 MB: 2.8 MB of filler, 1 MiB of the store's reserve, about 1.1 MB left for the run's seconds
# (a 20-endpoint run writes about 90 KB a second: full after ~12 of its 25 seconds)
head -c 2800000 /dev/zero >"$MNT/filler"
DB="$MNT/rampage.db"

start_demo demo
start_daemon --db "$DB"
ok "$([ -f "$DB.reserve" ]; echo $?)" "the store keeps its reserve beside the database"

cat >"$SANDBOX/full.py" <<'EOF'
import asyncio, json, sys, time, urllib.request, urllib.error
import websockets

port, demo = int(sys.argv[1]), sys.argv[2]
base = "http://127.0.0.1:%d" % port
tasks = [{"name": "e%d" % i, "path": "/api/health?i=%d" % i} for i in range(1, 21)]

def http(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())

def start(name, duration):
    return http("POST", "/api/runs", {"definition": {"name": name, "baseUrl": demo, "vus": 2,
                "duration": duration, "tasks": tasks}})

async def main():
    res = {"ticks": [], "lost": [], "health": [], "refused": None, "final": None}
    async with websockets.connect("ws://127.0.0.1:%d/api/live" % port, max_size=None) as ws:
        await ws.recv()                                   # hello
        status, run = start("fills the disk", "25s")
        res["run"] = run["id"]
        await ws.send(json.dumps({"type": "subscribe", "topics": ["run:%d" % run["id"]]}))
        deadline = time.monotonic() + 60                  # the run takes 25 s; bounded either way
        while time.monotonic() < deadline and res["final"] is None:
            try:
                m = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except asyncio.TimeoutError:
                m = {}
            if m.get("type") == "tick":
                res["ticks"].append(m["second"])
            elif m.get("type") == "tick_lost":
                res["lost"].append(m["second"])
            elif m.get("type") == "run_state" and m["state"] not in ("queued", "running", "stopping"):
                res["final"] = m
            h = http("GET", "/api/health")
            if h[1]["db"] not in res["health"]:
                res["health"].append(h[1]["db"])
            if res["lost"] and res["refused"] is None:
                res["refused"] = start("while full", "2s")
    print(json.dumps(res))

asyncio.run(main())
EOF
/usr/bin/python3 "$SANDBOX/full.py" "$PORT" "$DEMO_URL" >"$SANDBOX/full.out" 2>"$SANDBOX/full.err" ||
	{ cat "$SANDBOX/full.err" >&2; bail "websocket client failed"; }
J=$(cat "$SANDBOX/full.out")
RUN=$(printf '%s' "$J" | jq .run)
diag "$(printf '%s' "$J" | jq -c '{run, ticks: (.ticks | length), lost, health, refused: .refused[0], final: .final.state}')"

is "$(printf '%s' "$J" | jq -r '.final.state')" finished "the run ended by itself (finished: it has no thresholds; not stuck running)"
ok "$(printf '%s' "$J" | jq -e '(.lost | length) > 0' >/dev/null; echo $?)" \
	"the disk filled up during the run ($(printf '%s' "$J" | jq '.lost | length') seconds lost)"
is "$(printf '%s' "$J" | jq -c '.final | {incomplete, missing_seconds}')" \
	"$(printf '%s' "$J" | jq -c '{incomplete: true, missing_seconds: (.lost | length)}')" \
	"its final run_state says its history is incomplete, with how many seconds"

R=$(curl -s "$URL/api/runs/$RUN")
STORED=$(sqlite3 "file:$DB?mode=ro" "SELECT json_group_array(second) FROM (SELECT second FROM samples WHERE run_id = $RUN AND endpoint = 0 ORDER BY second)")
NSEC=$(printf '%s' "$J" | jq '[.ticks[], .lost[]] | max + 1')
# the seconds not stored, as ranges, computed from what is in the database
GAPS=$(printf '%s' "$STORED" | jq -c --argjson n "$NSEC" '. as $s | [range(0; $n) | select(. as $x | $s | index($x) | not)]
	| reduce .[] as $x ([]; if length > 0 and .[-1][1] == $x - 1 then .[-1][1] = $x else . + [[$x, $x]] end)')
is "$(printf '%s' "$R" | jq -c '{state, incomplete, missing}')" \
	"{\"state\":\"finished\",\"incomplete\":true,\"missing\":$GAPS}" \
	"GET /api/runs/$RUN: finished, incomplete, missing = exactly the seconds absent from samples"
is "$(sqlite3 "file:$DB?mode=ro" "SELECT state || ' ' || missing FROM runs WHERE id = $RUN")" "finished $GAPS" \
	"and that is in the database, not only in memory (written with the reserve)"
ok "$(printf '%s' "$R" | jq -e '.stats.requests > 0 and .summary != null' >/dev/null; echo $?)" \
	"with its summary and stats"
is "$(curl -s "$URL/api/runs/$RUN/summary" | jq -c '.rampage | {incomplete, missing_seconds}')" \
	"$(printf '%s' "$J" | jq -c '{incomplete: true, missing_seconds: (.lost | length)}')" \
	"the summary says so too (rampage.incomplete, rampage.missing_seconds)"
is "$(printf '%s' "$J" | jq -c --argjson s "$STORED" '[.ticks[] | select(. as $x | $s | index($x) | not)]')" '[]' \
	"no live tick was sent for a second that was not stored"
is "$(printf '%s' "$J" | jq -c --argjson s "$STORED" '(.ticks + .lost | sort) as $all
	| $all == [range(0; $all | length)] and (.ticks | sort) == $s')" \
	true "every second was either a tick (stored) or tick_lost, once each"
like "$(printf '%s' "$J" | jq -c .health)" '"error: database or disk is full"' \
	"/api/health said the store's error while the disk was full"
is "$(printf '%s' "$J" | jq -c '[.refused[0], .refused[1].error.code]')" '[503,"store_unavailable"]' \
	"a new run was refused while the disk was full: 503 store_unavailable"
like "$(printf '%s' "$J" | jq -r '.refused[1].error.message')" 'database or disk is full' \
	"naming the store's error"
H=$(curl -s "$URL/api/health")
is "$(printf '%s' "$H" | jq -r .db)" "error: database or disk is full" "health still says so after the run ($H)"
is "$(http_status GET "$URL/api/health")" 503 "with status 503"
is "$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM runs")" 1 "the refused run left no row"

rm "$MNT/filler"
for _ in $(seq 100); do   # the store probes once a second; 10 s is a generous bound
	H=$(curl -s "$URL/api/health")
	[ "$(printf '%s' "$H" | jq -r .db)" = ok ] && break
	sleep 0.1
done
is "$(printf '%s' "$H" | jq -c '{status, db}')" '{"status":"ok","db":"ok"}' "space returned: health is ok by itself"
ok "$([ -f "$DB.reserve" ]; echo $?)" "with the reserve allocated again"
tasks=$(for i in $(seq 20); do printf '{"name":"e%d","path":"/api/health?i=%d"},' "$i" "$i"; done)
R2=$(curl -s -X POST -H 'Content-Type: application/json' "$URL/api/runs" \
	-d "{\"definition\":{\"name\":\"after\",\"baseUrl\":\"$DEMO_URL\",\"vus\":1,\"duration\":\"3s\",\"tasks\":[${tasks%,}]}}")
RUN2=$(printf '%s' "$R2" | jq .id)
for _ in $(seq 200); do
	S=$(curl -s "$URL/api/runs/$RUN2" | jq -r .state)
	case "$S" in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$(curl -s "$URL/api/runs/$RUN2" | jq -c '{state, incomplete, missing_seconds}')" \
	'{"state":"finished","incomplete":false,"missing_seconds":0}' "a new run starts and finishes, complete"
N2=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM samples WHERE run_id = $RUN2 AND endpoint = 0")
ok "$([ "$N2" -ge 3 ]; echo $?)" "and its seconds are stored ($N2)"
grep -q "run $RUN: ends with an incomplete history" "$DAEMON_LOG"; ok $? "the log says the run's history is incomplete"
stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM ends the daemon"
done_testing
