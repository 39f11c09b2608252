#!/bin/sh
# k6's connection options against an https target with a self-signed certificate (made here with
# openssl; a Python server on loopback counts the TLS connections it accepts):
# - by default the certificate is checked: every request fails as a TLS error;
# - "insecureSkipTLSVerify": true (or `rampage run --insecure-skip-tls-verify`) skips the check;
#   VUs keep their connection (one TLS handshake per VU), and the handshake is timed;
# - "noConnectionReuse": true opens a connection (and a handshake) for every request.
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v openssl >/dev/null 2>&1 || bail "the openssl command is needed (apt-get install openssl)"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
	-keyout "$SANDBOX/key.pem" -out "$SANDBOX/cert.pem" >"$SANDBOX/openssl.log" 2>&1 ||
	{ cat "$SANDBOX/openssl.log"; bail "openssl could not make a certificate"; }
cat >"$SANDBOX/tls.py" <<'PY'
import http.server, ssl, sys, threading
lock = threading.Lock()
conns = 0
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = (str(conns) if self.path == "/count" else "ok").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def get_request(self):
        global conns
        sock, addr = super().get_request()   # the TLS handshake happens here; a failed one raises
        with lock:
            conns += 1
        return sock, addr
    def handle_error(self, request, client_address): pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = S(("127.0.0.1", 0), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
/usr/bin/python3 "$SANDBOX/tls.py" "$SANDBOX/cert.pem" "$SANDBOX/key.pem" >"$SANDBOX/tls.port" 2>"$SANDBOX/tls.err" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$SANDBOX/tls.port" ] && break; sleep 0.05; done
[ -s "$SANDBOX/tls.port" ] || { cat "$SANDBOX/tls.err"; bail "the https server did not start"; }
TLS_URL="https://127.0.0.1:$(cat "$SANDBOX/tls.port")"
conns() { curl -sk "$TLS_URL/count"; }   # (this connection is counted too, after the answer)

run_def() { # run_def NAME OPTIONS-JSON: 2 VUs x 10 iterations of GET /; summary in $SANDBOX/NAME.json
	cat >"$SANDBOX/$1.def.json" <<JSON
{ "name": "$1", "baseUrl": "$TLS_URL", $2
  "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 2, "iterations": 10,
    "tasks": [ { "name": "root", "path": "/" } ] } } }
JSON
	"$RAMPAGE" run "$SANDBOX/$1.def.json" -q --out summary="$SANDBOX/$1.json" >"$SANDBOX/$1.out" 2>&1
	RC=$?
	S="$SANDBOX/$1.json"
}
m() { jq -c "$1" "$S"; }

before=$(conns)
run_def verify ''
is "$RC" 0 "a run against a self-signed certificate completes"
is "$(m '[.metrics.http_reqs.values.count, .rampage.total.errors.tls, .metrics.http_req_failed.values.passes]')" \
	'[20,20,20]' "by default the certificate is checked: 20 requests, 20 TLS errors, all failed"
is "$(( $(conns) - before ))" 1 "no connection got through the handshake (only the count's own)"

before=$(conns)
run_def insecure '"insecureSkipTLSVerify": true,'
is "$(m '[.metrics.http_reqs.values.count, .metrics.http_req_failed.values.passes, (.rampage.endpoints[0].status | keys)]')" \
	'[20,0,["200"]]' "insecureSkipTLSVerify: 20 answers 200"
is "$(( $(conns) - before - 1 ))" 2 "with one connection per VU (2), reused for the other 18 requests"
ok "$(m '.metrics.http_req_tls_handshaking.values.max > 0 and .metrics.http_req_tls_handshaking.values.med == 0' |
	grep -q true; echo $?)" "the handshakes are timed (max > 0), and most requests had none (med 0)"

before=$(conns)
run_def fresh '"insecureSkipTLSVerify": true, "noConnectionReuse": true,'
is "$(m '[.metrics.http_reqs.values.count, .metrics.http_req_failed.values.passes]')" '[20,0]' \
	"noConnectionReuse: 20 answers"
is "$(( $(conns) - before - 1 ))" 20 "each over a connection of its own (20 handshakes)"
ok "$(m '.metrics.http_req_tls_handshaking.values.med > 0 and .metrics.http_req_connecting.values.med > 0' |
	grep -q true; echo $?)" "so the median request pays a connect and a handshake"

"$RAMPAGE" run --url "$TLS_URL/" -c 1 -d 1s -q --insecure-skip-tls-verify --out summary="$SANDBOX/flag.json" \
	>"$SANDBOX/flag.out" 2>&1
is "$?" 0 "rampage run --url ... --insecure-skip-tls-verify runs"
S="$SANDBOX/flag.json"
ok "$(m '.metrics.http_reqs.values.count > 0 and .metrics.http_req_failed.values.passes == 0' | grep -q true; echo $?)" \
	"and its requests succeed"

run_def bad '"insecureSkipTLSVerify": "yes", "noConnectionReuse": 1,'
is "$RC" 2 "non-boolean options: exit 2"
like "$(cat "$SANDBOX/bad.out")" 'insecureSkipTLSVerify: expected true or false, got "yes"' "insecureSkipTLSVerify is checked"
like "$(cat "$SANDBOX/bad.out")" 'noConnectionReuse: expected true or false, got 1' "noConnectionReuse too"
done_testing
