#!/bin/sh
# 162: webhooks when a run ends (issue 12, "Notifications"). A receiver on loopback (python3) gets
# the document of a failed run with a valid X-Rampage-Signature-256 (the HMAC is checked here, with
# python's hmac), its `text` line and its failed thresholds; webhooks.when = failure keeps a run that
# passed away from the global URL while the test's own `always` target hears of it; a URL outside
# webhooks.allow is a 400 naming the field and nothing is stored; a redirect is not followed; with
# the receiver down a delivery is retried and arrives once it is up, also across a kill -9 of the daemon (and a run that the kill
# aborted is told after the restart); a receiver that never answers holds up neither the API, nor
# runs, nor the daemon's stop; at send time the connect guard refuses an address outside
# webhooks.allow even for a listed name; bad [webhooks] settings stop the start, naming the key.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
SECRET=a-webhook-secret-of-our-own

# The receiver: appends one JSON line per POST (path, the headers we check, the body in hex: the
# exact bytes) to its log and answers 204. Started on port 0 the first time, then on the same port.
cat >"$SANDBOX/receiver.py" <<'PY'
import http.server, json, sys, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"path": self.path, "sig": self.headers.get("X-Rampage-Signature-256"),
                "event": self.headers.get("X-Rampage-Event"), "delivery": self.headers.get("X-Rampage-Delivery"),
                "type": self.headers.get("Content-Type"), "body": body.hex()}) + "\n")
        if self.path.startswith("/slow"):
            time.sleep(30)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/followed")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_GET = do_POST    # a followed redirect would come as a GET: recorded too
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer.allow_reuse_address = True
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
RECEIVED="$SANDBOX/received.jsonl"
: >"$RECEIVED"
# receiver_up [PORT]: starts the receiver (port 0 the first time); sets RPORT, RPID
receiver_up() {
	rm -f "$SANDBOX/receiver.port"
	python3 "$SANDBOX/receiver.py" "${1:-0}" "$RECEIVED" >"$SANDBOX/receiver.port" 2>"$SANDBOX/receiver.log" &
	RPID=$!
	PIDS="$PIDS $RPID"
	for _ in $(seq 200); do [ -s "$SANDBOX/receiver.port" ] && break; sleep 0.05; done
	RPORT=$(cat "$SANDBOX/receiver.port")
	[ -n "$RPORT" ] || bail "the receiver did not start"
}
receiver_down() { kill "$RPID"; wait "$RPID" 2>/dev/null; }
receiver_up
HOOK="http://127.0.0.1:$RPORT/hook"

printf '%s\n' "$SECRET" >"$SANDBOX/secret"
chmod 600 "$SANDBOX/secret"
cat >"$SANDBOX/rampage.conf" <<EOF
[server]
public_url = http://rampage.example:8089/
[webhooks]
urls = $HOOK
secret_file = $SANDBOX/secret
allow = 127.0.0.1/32
when = failure
retry_base_ms = 200
max_attempts = 8
EOF
start_daemon --config "$SANDBOX/rampage.conf"

J='Content-Type: application/json'
# save NAME PATH THRESHOLD: a saved test of 20 requests to PATH with one threshold; prints its id
save() {
	curl -s -H "$J" -X POST "$URL/api/tests" -d "{\"name\": \"$1\", \"baseUrl\": \"$DEMO_URL\",
		\"scenarios\": {\"s\": {\"executor\": \"shared-iterations\", \"vus\": 2, \"iterations\": 20,
		\"tasks\": [{\"name\": \"t\", \"path\": \"$2\"}]}},
		\"thresholds\": {\"http_req_failed\": [\"$3\"]}}" | jq .id
}
# run TEST: starts a run of a saved test and waits for its end; prints the run id
run() {
	id=$(curl -s -H "$J" -X POST "$URL/api/tests/$1/runs" -d '{}' | jq .id)
	for _ in $(seq 400); do
		case $(curl -s "$URL/api/runs/$id" | jq -r .state) in queued|running|stopping) sleep 0.05 ;; *) break ;; esac
	done
	echo "$id"
}
# received PATH: how many POSTs reached PATH
received() { grep -c "\"path\": \"$1\"" "$RECEIVED"; }
# wait_received PATH N: until N POSTs reached PATH (20 s at most)
wait_received() { for _ in $(seq 400); do [ "$(received "$1")" -ge "$2" ] && return 0; sleep 0.05; done; return 1; }
# notes RUN: the run's notifications
notes() { curl -s "$URL/api/runs/$1/notifications"; }

# ---- a failed run: the document, signed
BAD=$(save "orders soak" "/api/health?status=500" "rate<0.01")
R1=$(run "$BAD")
is "$(curl -s "$URL/api/runs/$R1" | jq -r .state)" failed "a run breaking rate<0.01 fails"
ok "$(wait_received /hook 1; echo $?)" "the receiver gets a POST for it"
LINE=$(grep '"path": "/hook"' "$RECEIVED" | head -1)
printf '%s' "$LINE" >"$SANDBOX/first.json"
python3 - "$SANDBOX/first.json" "$SECRET" >"$SANDBOX/verify.out" <<'PY'
import hashlib, hmac, json, sys
r = json.load(open(sys.argv[1]))
body = bytes.fromhex(r["body"])
want = "sha256=" + hmac.new(sys.argv[2].encode(), body, hashlib.sha256).hexdigest()
print("valid" if hmac.compare_digest(want, r["sig"] or "") else "invalid: got %s, want %s" % (r["sig"], want))
wrong = "sha256=" + hmac.new(b"another secret", body, hashlib.sha256).hexdigest()
print("other-key-differs" if wrong != r["sig"] else "other-key-same")
open(sys.argv[1] + ".body", "wb").write(body)
PY
is "$(sed -n 1p "$SANDBOX/verify.out")" valid "X-Rampage-Signature-256 is the HMAC-SHA256 of the exact body under the secret"
is "$(sed -n 2p "$SANDBOX/verify.out")" other-key-differs "(and another key would not give it)"
is "$(printf '%s' "$LINE" | jq -r .event)" run.ended "X-Rampage-Event: run.ended"
is "$(printf '%s' "$LINE" | jq -r .type)" application/json "Content-Type: application/json"
DOC="$SANDBOX/first.json.body"
is "$(jq -r .run_id "$DOC")" "$R1" "the document names the run"
is "$(jq -r '[.test, .test_id, .state, .verdict, .trigger] | join(" ")' "$DOC")" "orders soak $BAD failed failed api" \
	"its test, state, verdict and trigger"
is "$(jq -r .link "$DOC")" "http://rampage.example:8089/#/runs/$R1" "a link to the run's page under server.public_url"
is "$(jq -c '[.thresholds_failed[] | [.metric, .expression, .value]]' "$DOC")" '[["http_req_failed","rate<0.01",1]]' \
	"the failed threshold with its observed value"
is "$(jq -r '[.requests, .error_rate] | join(" ")' "$DOC")" "20 1" "requests and error rate"
ok "$(jq -e '.p95_ms > 0 and .duration_ms > 0' "$DOC" >/dev/null; echo $?)" "p95 and duration"
like "$(jq -r .text "$DOC")" "^Run $R1 of orders soak FAILED: 1 threshold failed \\(rate&lt;0\\.01: 100%\\) · 20 requests · 100\\.0% errors · p95 [0-9.]+ ms · [0-9.]+( ms|s) · http://rampage\\.example:8089/#/runs/$R1\$" \
	"the text line Slack and Mattermost show"
diag "text: $(jq -r .text "$DOC")"
N=$(notes "$R1")
is "$(printf '%s' "$N" | jq -c '[.notifications[] | [.url, .state, .attempts, .last_status]]')" "[[\"$HOOK\",\"delivered\",1,204]]" \
	"GET /api/runs/{id}/notifications: delivered at the first attempt"
is "$(printf '%s' "$LINE" | jq -r .delivery)" "$(printf '%s' "$N" | jq -r '.notifications[0].id')" \
	"X-Rampage-Delivery is the notification's id"

# ---- bad input: a URL outside webhooks.allow, an unknown when: 400 naming the field, nothing stored
GOOD=$(save "healthy" "/api/health" "rate<0.5")
B=$(curl -s -w '\n%{http_code}' -H "$J" -X PATCH "$URL/api/tests/$GOOD" \
	-d '{"notify": {"when": "always", "webhooks": ["http://127.0.0.1:'"$RPORT"'/t", "http://10.1.2.3/hook"]}}')
is "$(printf '%s' "$B" | tail -1)" 400 "a webhook outside webhooks.allow: 400"
is "$(printf '%s' "$B" | head -1 | jq -r '.error.errors[0].path')" "notify.webhooks[1]" "naming the field"
like "$(printf '%s' "$B" | head -1 | jq -r '.error.message')" "10\\.1\\.2\\.3 is not in webhooks\\.allow" "and the allowlist"
B=$(curl -s -w '\n%{http_code}' -H "$J" -X PATCH "$URL/api/tests/$GOOD" -d '{"notify": {"when": "sometimes", "webhooks": []}}')
is "$(printf '%s' "$B" | head -1 | jq -r '.error.errors[0].path')/$(printf '%s' "$B" | tail -1)" "notify.when/400" \
	"an unknown when: 400 naming notify.when"
is "$(curl -s "$URL/api/tests/$GOOD" | jq -c .notify)" null "nothing was stored"
is "$(http_status PATCH "$URL/api/tests/999999" -H "$J" -d '{"notify": null}')" 404 "PATCH of a missing test: 404"

# ---- when = failure: a run that passed is not told to webhooks.urls; the test's own always target is
B=$(curl -s -w '\n%{http_code}' -H "$J" -X PATCH "$URL/api/tests/$GOOD" \
	-d '{"notify": {"when": "always", "webhooks": ["http://127.0.0.1:'"$RPORT"'/test-hook"]}}')
is "$(printf '%s' "$B" | tail -1)" 200 "PATCH sets the test's notify field"
is "$(printf '%s' "$B" | head -1 | jq -c .notify)" "{\"when\":\"always\",\"webhooks\":[\"http://127.0.0.1:$RPORT/test-hook\"]}" \
	"GET shows it"
R2=$(run "$GOOD")
is "$(curl -s "$URL/api/runs/$R2" | jq -r .state)" passed "the healthy test's run passes"
ok "$(wait_received /test-hook 1; echo $?)" "its test's always target hears of it"
is "$(received /hook)" 1 "webhooks.urls (when = failure) got nothing more for the run that passed"
is "$(notes "$R2" | jq -c '[.notifications[].url]')" "[\"http://127.0.0.1:$RPORT/test-hook\"]" \
	"the run's notifications list the test's target only"
is "$(grep '"path": "/test-hook"' "$RECEIVED" | jq -r .body | xxd -r -p | jq -r '[.state, .failure] | join(" ")')" "passed false" \
	"the document says it passed"

# ---- a schedule's own targets (schedules.notify, sql/009): a fire's run is told to them, with the
# schedule's id and trigger; the schedule is paused after its first fire
SCHED_TEST=$(save "nightly" "/api/health" "rate<0.5")
S=$(curl -s -H "$J" -X POST "$URL/api/schedules" -d '{"test_id": '"$SCHED_TEST"', "cron": "*/2 * * * * *",
	"notify": {"when": "always", "webhooks": ["http://127.0.0.1:'"$RPORT"'/sched-hook"]}}' | jq .id)
ok "$([ "$S" -gt 0 ] 2>/dev/null; echo $?)" "a seconds schedule with its own always target (id $S)"
ok "$(wait_received /sched-hook 1; echo $?)" "the schedule's target hears of its first fire's run"
curl -s -o /dev/null -H "$J" -X PATCH "$URL/api/schedules/$S" -d '{"paused": true}'
DOC=$(grep '"path": "/sched-hook"' "$RECEIVED" | head -1 | jq -r .body | xxd -r -p)
is "$(printf '%s' "$DOC" | jq -r '[.schedule_id, .trigger, .state] | join(" ")')" "$S schedule passed" \
	"the document names the schedule, the trigger schedule and the state"
is "$(received /hook)" 1 "webhooks.urls (when = failure) got nothing for it"
NS=$(curl -s "$URL/api/schedules" | jq '.schedules | length')
B=$(curl -s -w '\n%{http_code}' -H "$J" -X POST "$URL/api/schedules" -d '{"test_id": '"$SCHED_TEST"', "cron": "0 2 * * *",
	"notify": {"when": "always", "webhooks": ["http://127.0.0.1:'"$RPORT"'/ok", "http://10.0.0.1/hook"]}}')
is "$(printf '%s' "$B" | tail -1) $(printf '%s' "$B" | head -1 | jq -r '.error.errors[0].path')" "400 notify.webhooks[1]" \
	"a schedule's webhook outside webhooks.allow: 400 naming it"
like "$(printf '%s' "$B" | head -1 | jq -r '.error.errors[0].message')" 'webhooks\.allow' "saying which list"
is "$(curl -s "$URL/api/schedules" | jq '.schedules | length')" "$NS" "and nothing was stored"

# ---- a redirect is not followed: the attempt counts as failed and is retried
REDIR=$(save "redirected" "/api/health" "rate<0.5")
is "$(http_status PATCH "$URL/api/tests/$REDIR" -H "$J" -d '{"notify": {"when": "always", "webhooks": ["http://127.0.0.1:'"$RPORT"'/redirect"]}}')" 200 \
	"a test whose webhook answers 302"
R8=$(run "$REDIR")
for _ in $(seq 400); do [ "$(notes "$R8" | jq '.notifications[0].attempts // 0')" -ge 2 ] && break; sleep 0.05; done
N=$(notes "$R8")
is "$(printf '%s' "$N" | jq -r '[.notifications[0].state, .notifications[0].last_status, .notifications[0].last_error] | join(" ")')" \
	"pending 302 HTTP 302 (redirects are not followed)" "a 302 is a failed attempt, retried"
is "$(received /followed)" 0 "and its Location is never requested"

# ---- the receiver down: retried, delivered once it is up
receiver_down
R3=$(run "$BAD")
for _ in $(seq 400); do
	[ "$(notes "$R3" | jq '.notifications[0].attempts // 0')" -ge 2 ] && break
	sleep 0.05
done
N=$(notes "$R3")
is "$(printf '%s' "$N" | jq -r '.notifications[0].state')" pending "with the receiver down the delivery stays pending"
ok "$([ "$(printf '%s' "$N" | jq '.notifications[0].attempts')" -ge 2 ]; echo $?)" \
	"after failed attempts ($(printf '%s' "$N" | jq '.notifications[0].attempts'))"
like "$(printf '%s' "$N" | jq -r '.notifications[0].last_error')" "onnect" "the last error says why"
ok "$(printf '%s' "$N" | jq -e '.notifications[0].next_attempt_ms > .notifications[0].created_ms' >/dev/null; echo $?)" \
	"the next attempt is scheduled later"
receiver_up "$RPORT"
ok "$(wait_received /hook 2; echo $?)" "once the receiver is up the delivery arrives"
for _ in $(seq 100); do [ "$(notes "$R3" | jq -r '.notifications[0].state')" = delivered ] && break; sleep 0.05; done
is "$(notes "$R3" | jq -r '.notifications[0].state')" delivered "and is recorded delivered"
is "$(grep '"path": "/hook"' "$RECEIVED" | jq -r .body | xxd -r -p | jq -s "[.[] | select(.run_id == $R3)] | length")" 1 \
	"exactly once"

# ---- across a restart: kill -9 with a delivery pending and a run going; both are told after it
receiver_down
R4=$(run "$BAD")
for _ in $(seq 400); do
	[ "$(notes "$R4" | jq '.notifications[0].attempts // 0')" -ge 1 ] && break
	sleep 0.05
done
is "$(notes "$R4" | jq -r '.notifications[0].state')" pending "a delivery is pending (receiver down)"
LONG=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"long\", \"baseUrl\": \"$DEMO_URL\",
	\"vus\": 1, \"duration\": \"60s\", \"tasks\": [{\"name\": \"h\", \"path\": \"/api/health\"}]}}" | jq .id)
for _ in $(seq 200); do [ "$(curl -s "$URL/api/runs/$LONG" | jq -r .state)" = running ] && break; sleep 0.05; done
stop_daemon KILL
receiver_up "$RPORT"
start_daemon --config "$SANDBOX/rampage.conf"
ok "$(wait_received /hook 4; echo $?)" "after the restart the pending delivery and the aborted run's arrive"
for _ in $(seq 100); do [ "$(notes "$R4" | jq -r '.notifications[0].state')" = delivered ] && break; sleep 0.05; done
is "$(notes "$R4" | jq -r '.notifications[0].state')" delivered "the pending one is delivered"
BODIES=$(grep '"path": "/hook"' "$RECEIVED" | jq -r .body | while read -r h; do printf '%s' "$h" | xxd -r -p; echo; done)
is "$(printf '%s\n' "$BODIES" | jq -s "[.[] | select(.run_id == $R4)] | length")" 1 "once"
is "$(printf '%s\n' "$BODIES" | jq -r "select(.run_id == $LONG) | .state")" aborted \
	"the run the kill aborted is told too (aborted is a failure)"
is "$(received /hook)" 4 "four POSTs in all to webhooks.urls: no duplicate"
stop_daemon

# ---- a receiver that never answers holds up nothing: not the API, not the next run, not the
# daemon's stop (the attempt in flight is abandoned; otherwise the stop watchdog would end it, exit 3)
cat >"$SANDBOX/slow.conf" <<EOF
[webhooks]
urls = http://127.0.0.1:$RPORT/slow
allow = 127.0.0.1/32
when = always
timeout_s = 120
EOF
start_daemon --config "$SANDBOX/slow.conf"
R6=$(run "$GOOD")
for _ in $(seq 200); do grep -q '"path": "/slow"' "$RECEIVED" 2>/dev/null && break; sleep 0.05; done
is "$(curl -s "$URL/api/runs/$R6/notifications" | jq -r '.notifications[0].state')" pending \
	"a delivery to a receiver that does not answer is in flight"
is "$(http_status GET "$URL/api/health")" 200 "the API answers meanwhile"
R7=$(run "$GOOD")
is "$(curl -s "$URL/api/runs/$R7" | jq -r .state)" passed "and the next run starts and ends"
stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM: the daemon stops in order, the attempt abandoned"

# ---- the connect guard: webhooks.allow lists the name localhost but no network, so the name
# passes validation and the resolved address is refused when the delivery connects
cat >"$SANDBOX/guard.conf" <<EOF
[webhooks]
allow = localhost
retry_base_ms = 200
EOF
start_daemon --config "$SANDBOX/guard.conf"
is "$(http_status PATCH "$URL/api/tests/$BAD" -H "$J" -d '{"notify": {"webhooks": ["http://localhost:'"$RPORT"'/guard"]}}')" 200 \
	"a URL naming a listed name is accepted"
R5=$(run "$BAD")
for _ in $(seq 200); do [ "$(notes "$R5" | jq -r '.notifications[0].state')" = failed ] && break; sleep 0.05; done
N=$(notes "$R5")
is "$(printf '%s' "$N" | jq -r '[.notifications[0].state, .notifications[0].attempts] | join(" ")')" "failed 1" \
	"the delivery fails at its first attempt, without retries"
like "$(printf '%s' "$N" | jq -r '.notifications[0].last_error')" "^blocked: .* is not in webhooks\\.allow" \
	"blocked by the connect guard"
is "$(received /guard)" 0 "the receiver saw nothing"
stop_daemon

# ---- configuration errors name the key
printf '[webhooks]\nurls = http://10.0.0.1/x\nallow = 127.0.0.1/32\n' >"$SANDBOX/bad1.conf"
"$RAMPAGE" serve --config "$SANDBOX/bad1.conf" --listen 127.0.0.1:0 --db "$SANDBOX/bad.db" >"$SANDBOX/bad1.out" 2>&1
like "$(cat "$SANDBOX/bad1.out")" "webhooks\\.urls: .*10\\.0\\.0\\.1 is not in webhooks\\.allow" "a global URL outside the list stops the start"
printf '[webhooks]\nwhen = sometimes\n' >"$SANDBOX/bad2.conf"
"$RAMPAGE" serve --config "$SANDBOX/bad2.conf" --listen 127.0.0.1:0 --db "$SANDBOX/bad.db" >"$SANDBOX/bad2.out" 2>&1
like "$(cat "$SANDBOX/bad2.out")" "webhooks\\.when: expected always, failure or change" "an unknown when word"
chmod 644 "$SANDBOX/secret"
printf '[webhooks]\nsecret_file = %s\n' "$SANDBOX/secret" >"$SANDBOX/bad3.conf"
"$RAMPAGE" serve --config "$SANDBOX/bad3.conf" --listen 127.0.0.1:0 --db "$SANDBOX/bad.db" >"$SANDBOX/bad3.out" 2>&1
like "$(cat "$SANDBOX/bad3.out")" "webhooks\\.secret_file: .*readable by every user" "a secret file readable by all"
printf '[server]\npublic_url = rampage.example\n' >"$SANDBOX/bad4.conf"
"$RAMPAGE" serve --config "$SANDBOX/bad4.conf" --listen 127.0.0.1:0 --db "$SANDBOX/bad.db" >"$SANDBOX/bad4.out" 2>&1
like "$(cat "$SANDBOX/bad4.out")" "server\\.public_url: .*expected an http:// or https:// URL" "a public_url without a scheme"

done_testing
