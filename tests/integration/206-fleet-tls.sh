#!/bin/sh
# wss:// from the daemon to an agent (issue 17): one agent serves TLS with a self-signed certificate
# for 127.0.0.1 (CN and subjectAltName IP:127.0.0.1). A daemon whose [agents] ca_file is that
# certificate probes it over TLS (GET /api/agents: idle) and runs a test on it (agents: 1, requests
# counted); a second daemon without ca_file does not trust the certificate: its probe does not reach
# the agent and a run over it ends as error naming the agent and the refused certificate; a certificate
# signed by ca_file but for 127.0.0.2 is refused at 127.0.0.1 (the host is checked). The daemon
# checks the agent's certificate; it does not just encrypt. SKIPs when openssl cannot make one.
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v jq >/dev/null || bail "jq is needed"
if ! command -v openssl >/dev/null ||
	! openssl req -x509 -newkey rsa:2048 -nodes -keyout "$SANDBOX/key.pem" -out "$SANDBOX/cert.pem" \
		-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
	ok 0 "# SKIP openssl cannot make a certificate"
	done_testing
	exit 0
fi
start_demo demo
J='Content-Type: application/json'

TOKEN=fleet-tls-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$SANDBOX/tokens"
chmod 600 "$SANDBOX/tokens"
printf '[security]\n' >"$SANDBOX/plain.conf"

start_agent 1 127.0.0.1 "$SANDBOX/tokens" 0 --tls-cert "$SANDBOX/cert.pem" --tls-key "$SANDBOX/key.pem"
APORT=$AGENT_PORT
AURL="wss://127.0.0.1:$APORT/"

DEF='{ "name": "fleet-tls", "baseUrl": "'$DEMO_URL'", "agents": 1,
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 2, "iterations": 40, "maxDuration": "20s",
    "tasks": [ { "name": "health", "path": "/api/health" } ] } } }'

# ---- with ca_file = the agent's certificate: trusted
cat >"$SANDBOX/trust.conf" <<CONF
[agents]
urls = $AURL
token_file = $SANDBOX/tokens
ca_file = $SANDBOX/cert.pem
CONF
start_daemon --config "$SANDBOX/trust.conf" --db "$SANDBOX/trust.db"
L=$(curl -s "$URL/api/agents")
diag "with ca_file: $(echo "$L" | jq -c .agents)"
is "$(echo "$L" | jq -r '.agents[0] | .url + " " + .state')" "$AURL idle" \
	"with ca_file: GET /api/agents reaches the agent over wss:// (idle)"
is "$(echo "$L" | jq '.agents[0].protocol')" 1 "its hello came over TLS (protocol 1)"
ID=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEF}" | jq .id)
R=$(wait_run_end "$ID")
S=$(curl -s "$URL/api/runs/$ID/summary")
is "$(echo "$R" | jq -r .state)" finished "a run with agents: 1 over wss:// finishes ($(echo "$R" | jq -r .error))"
ok "$(echo "$S" | jq '.metrics.http_reqs.values.count > 0' | grep -qx true; echo $?)" \
	"with requests ($(echo "$S" | jq .metrics.http_reqs.values.count))"
is "$(echo "$S" | jq -r '.rampage.agents.agents[0].url')" "$AURL" "run by the wss:// agent"
stop_daemon

# ---- without ca_file: the self-signed certificate is not trusted
cat >"$SANDBOX/notrust.conf" <<CONF
[agents]
urls = $AURL
token_file = $SANDBOX/tokens
CONF
start_daemon --config "$SANDBOX/notrust.conf" --db "$SANDBOX/notrust.db"
L=$(curl -s "$URL/api/agents")
diag "without ca_file: $(echo "$L" | jq -c .agents)"
is "$(echo "$L" | jq -r '.agents[0].url')" "$AURL" "without ca_file: the agent is listed"
ok "$(echo "$L" | jq '.agents[0].state != "idle" and .agents[0].protocol == null' | grep -qx true; echo $?)" \
	"but not reached: state $(echo "$L" | jq -c '.agents[0] | [.state, .error]')"
like "$(echo "$L" | jq -r '.agents[0].error')" "TLS certificate was refused \\(self[- ]signed" \
	"the probe says the certificate was refused, and why"
ID=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $DEF}" | jq .id)
R=$(wait_run_end "$ID")
is "$(echo "$R" | jq -r .state)" error "a run over it ends as error"
like "$(echo "$R" | jq -r .error)" "agent wss://127\.0\.0\.1:$APORT/: cannot connect: the agent's TLS certificate was refused" \
	"naming the agent and the refused certificate ($(echo "$R" | jq -r .error))"
ok "$(curl -s "$URL/api/runs/$ID/summary" | jq '(.metrics.http_reqs.values.count // 0) == 0' | grep -qx true; echo $?)" \
	"before any load"
stop_daemon

# ---- a trusted certificate for another address: the host is checked too (IP:127.0.0.2 is not 127.0.0.1)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$SANDBOX/key2.pem" -out "$SANDBOX/cert2.pem" -days 2 \
	-subj /CN=127.0.0.2 -addext subjectAltName=IP:127.0.0.2 >/dev/null 2>&1 || bail "openssl: a second certificate"
"$RAMPAGE" agent --listen 127.0.0.1:0 --token-file "$SANDBOX/tokens" --config "$SANDBOX/plain.conf" \
	--workers 1 --tls-cert "$SANDBOX/cert2.pem" --tls-key "$SANDBOX/key2.pem" >"$SANDBOX/agent2.log" 2>&1 &
PIDS="$PIDS $!"
APORT2=$(wait_for_log "$SANDBOX/agent2.log" 'listening on wss://127\.0\.0\.1:[0-9]+' | tail -n 1 | grep -Eo '[0-9]+$') ||
	bail "the second TLS agent did not start"
cat >"$SANDBOX/other.conf" <<CONF
[agents]
urls = wss://127.0.0.1:$APORT2/
token_file = $SANDBOX/tokens
ca_file = $SANDBOX/cert2.pem
CONF
start_daemon --config "$SANDBOX/other.conf" --db "$SANDBOX/other.db"
L=$(curl -s "$URL/api/agents")
diag "another host's certificate: $(echo "$L" | jq -c .agents)"
ok "$(echo "$L" | jq '.agents[0].state != "idle"' | grep -qx true; echo $?)" \
	"a certificate signed by ca_file but for 127.0.0.2: not reached at 127.0.0.1"
like "$(echo "$L" | jq -r '.agents[0].error')" "TLS certificate was refused \\(IP address mismatch" "the address mismatch named"
stop_daemon
done_testing
