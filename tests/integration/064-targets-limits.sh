#!/bin/sh
# The target allowlist and the caps, through POST /api/tests/validate, /api/tests and /api/runs:
# a target outside security.allow_targets is refused at validation (literal IPs against networks,
# names against names and globs, hosts coming from {{env.NAME}} too, and only variables listed in
# security.env_allow are visible at all); limits.max_vus, max_rate,
# max_duration give a 400 naming the key, limits.max_request_body a 413 naming the key.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# validate JSON: status in $st, body in $SANDBOX/b.
validate() {
	st=$(curl -H 'Content-Type: application/json' -s -o "$SANDBOX/b" -w '%{http_code}' -X POST --data-binary "$1" "$URL/api/tests/validate")
}
msg() { jq -r '[.error.message, (.error.errors // [] | .[] | .path + ": " + .message)] | join(" | ")' "$SANDBOX/b"; }
def() { printf '{"baseUrl":"%s","vus":1,"duration":"1s","tasks":[{"path":"/"}]}' "$1"; }

# --- the default allowlist: 127.0.0.0/8, ::1, localhost
RAMPAGE_TEST_LOOP=http://127.0.0.1:9 start_daemon
validate "$(def http://127.0.0.1:9)"
is "$st" 200 "127.0.0.1 is allowed by default"
validate "$(def 'http://[::1]:9')"
is "$st" 200 "so is [::1]"
validate "$(def http://localhost:9)"
is "$st" 200 "and localhost"
validate "$(def http://10.0.0.1)"
is "$st" 400 "10.0.0.1 is refused at validation"
like "$(msg)" 'baseUrl: target http://10\.0\.0\.1 is not allowed: 10\.0\.0\.1 is not in security\.allow_targets' \
	"naming the field, the host and the key"
validate "$(def http://example.com)"
is "$st" 400 "a name that is not listed is refused"
like "$(msg)" 'DNS is not consulted' "and the message says names are not resolved"
validate "$(def http://0x7f000001:9)"
is "$st" 200 "0x7f000001 is 127.0.0.1, as the resolver reads it"
validate "$(def http://0x0a000001:9)"
is "$st" 400 "0x0a000001 is 10.0.0.1: refused"
validate "$(def 'http://[::ffff:10.0.0.1]:9')"
is "$st" 400 "so is ::ffff:10.0.0.1"
validate '{"tasks":[{"url":"http://127.0.0.1:9/a"},{"url":"https://192.168.1.1/b"}]}'
is "$st" 400 "every task URL is checked"
like "$(msg)" 'tasks\[1\]\.url: target https://192\.168\.1\.1 is not allowed' "at its own path"
validate '{"baseUrl":"{{env.RAMPAGE_TEST_LOOP}}","tasks":[{"path":"/"}]}'
is "$st" 400 "by default the daemon's environment is not visible to definitions"
like "$(msg)" 'environment variable "RAMPAGE_TEST_LOOP" is not set' "({{env.NAME}} reads as unset)"
curl -H 'Content-Type: application/json' -s -o "$SANDBOX/b" -w '%{http_code}' -X POST --data-binary "$(def http://10.0.0.1)" "$URL/api/tests" >"$SANDBOX/st"
is "$(cat "$SANDBOX/st")" 400 "POST /api/tests refuses it too"
st=$(curl -H 'Content-Type: application/json' -s -o "$SANDBOX/b" -w '%{http_code}' -X POST --data-binary "{\"definition\":$(def http://10.0.0.1)}" "$URL/api/runs")
is "$st" 400 "and so does POST /api/runs"
like "$(msg)" 'security\.allow_targets' "with the same reason"
stop_daemon

# --- env_allow: listed variables are visible, and the hosts they hold are checked too
printf '[security]\nenv_allow = RAMPAGE_TEST_*\n' >"$SANDBOX/e.conf"
RAMPAGE_TEST_TARGET=http://10.1.2.3:8080 RAMPAGE_TEST_LOOP=http://127.0.0.1:9 RAMPAGE_OTHER=x \
	start_daemon --config "$SANDBOX/e.conf"
validate '{"baseUrl":"{{env.RAMPAGE_TEST_LOOP}}","tasks":[{"path":"/"}]}'
is "$st" 200 "a listed variable holding an allowed host"
validate '{"baseUrl":"{{env.RAMPAGE_TEST_TARGET}}","tasks":[{"path":"/"}]}'
is "$st" 400 "a listed variable holding a host outside the allowlist is refused"
like "$(msg)" 'baseUrl: target http://10\.1\.2\.3:8080 is not allowed: 10\.1\.2\.3 is not in security\.allow_targets' \
	"the host from the environment is checked like a literal one"
validate '{"tasks":[{"url":"http://{{env.RAMPAGE_TEST_HOSTX}}:80/"}]}'
is "$st" 400 "an unset variable in a host is refused"
validate '{"baseUrl":"http://127.0.0.1:9","tasks":[{"path":"/","headers":{"X":"{{env.RAMPAGE_OTHER}}"}}]}'
like "$(msg)" 'RAMPAGE_OTHER" is not set' "a variable not listed stays invisible"
stop_daemon

# --- a custom allowlist
cat >"$SANDBOX/t.conf" <<'CONF'
[security]
allow_targets = 10.0.0.0/8, fd00::/8, *.internal.example
CONF
start_daemon --config "$SANDBOX/t.conf"
validate "$(def http://10.200.0.1)"
is "$st" 200 "a listed network"
validate "$(def 'http://[fd00::5]:80')"
is "$st" 200 "a listed IPv6 network"
validate "$(def http://api.internal.example)"
is "$st" 200 "a name matching a glob"
validate "$(def http://internal.example)"
is "$st" 400 "the glob's bare domain is not matched"
validate "$(def http://127.0.0.1:9)"
is "$st" 400 "loopback is refused when the list does not name it"
like "$(msg)" 'not in security\.allow_targets \(10\.0\.0\.0/8, fd00::/8, \*\.internal\.example\)' \
	"and the message shows the list"
stop_daemon

# --- caps
cat >"$SANDBOX/l.conf" <<'CONF'
[limits]
max_vus = 5
max_rate = 10
max_duration = 1m
max_request_body = 2048
max_definition_bytes = 1024
CONF
start_daemon --config "$SANDBOX/l.conf"
validate '{"baseUrl":"http://127.0.0.1:9","vus":5,"duration":"1m","tasks":[{"path":"/"}]}'
is "$st" 200 "at every cap: valid"
validate '{"baseUrl":"http://127.0.0.1:9","vus":6,"duration":"1s","tasks":[{"path":"/"}]}'
is "$st" 400 "6 VUs over max_vus 5: 400"
like "$(msg)" 'expected at most 5 VUs over all scenarios \(limits\.max_vus\), got up to 6' "naming the cap and the key"
validate '{"baseUrl":"http://127.0.0.1:9","scenarios":{"a":{"executor":"constant-vus","vus":3,"duration":"1s","tasks":[{"path":"/"}]},"b":{"executor":"constant-vus","vus":3,"duration":"1s","tasks":[{"path":"/"}]}}}'
is "$st" 400 "3 + 3 VUs over two scenarios: 400"
validate '{"baseUrl":"http://127.0.0.1:9","scenarios":{"a":{"executor":"constant-arrival-rate","rate":11,"duration":"1s","preAllocatedVUs":1,"tasks":[{"path":"/"}]}}}'
is "$st" 400 "11 iterations/s over max_rate 10: 400"
like "$(msg)" 'at most 10 iterations per second .*\(limits\.max_rate\), got up to 11' "naming the key"
validate '{"baseUrl":"http://127.0.0.1:9","scenarios":{"a":{"executor":"constant-arrival-rate","rate":600,"timeUnit":"1m","duration":"1s","preAllocatedVUs":1,"tasks":[{"path":"/"}]}}}'
is "$st" 200 "600 per minute is 10/s: at the cap"
validate '{"baseUrl":"http://127.0.0.1:9","duration":"61s","tasks":[{"path":"/"}]}'
is "$st" 400 "61 s over max_duration 1m: 400"
like "$(msg)" 'at most 1m0s \(limits\.max_duration\), got 1m1s' "naming the key"
st=$(curl -H 'Content-Type: application/json' -s -o "$SANDBOX/b" -w '%{http_code}' -X POST -d '{"definition":{"baseUrl":"http://127.0.0.1:9","vus":1,"duration":"1s","tasks":[{"path":"/"}]},"vus":50}' "$URL/api/runs")
is "$st" 400 "an override cannot lift a run over max_vus"
like "$(msg)" 'limits\.max_vus' "(same message)"
head -c 3000 /dev/zero | tr '\0' ' ' >"$SANDBOX/big"
st=$(curl -H 'Content-Type: application/json' -s -o "$SANDBOX/b" -w '%{http_code}' -X POST --data-binary @"$SANDBOX/big" "$URL/api/tests/validate")
is "$st" 413 "a 3000-byte body over max_request_body 2048: 413"
like "$(msg)" 'limited to 2048 bytes \(limits\.max_request_body\)' "naming the cap and the key"
# a definition between max_definition_bytes (1024) and max_request_body (2048): 413 naming the key
pad=$(head -c 1100 /dev/zero | tr '\0' 'x')
before=$(curl -s "$URL/api/tests" | jq 'length')
printf '{"name":"%s","baseUrl":"http://127.0.0.1:9","vus":1,"duration":"1s","tasks":[{"path":"/"}]}' "$pad" >"$SANDBOX/long.json"
st=$(curl -H 'Content-Type: application/json' -s -o "$SANDBOX/b" -w '%{http_code}' -X POST --data-binary @"$SANDBOX/long.json" "$URL/api/tests")
is "$st" 413 "a 1.2 KB definition over max_definition_bytes 1024: 413"
like "$(msg)" 'limited to 1024 bytes \(limits\.max_definition_bytes\)' "naming the cap and the key"
is "$(curl -s "$URL/api/tests" | jq 'length')" "$before" "and nothing was stored"
is "$(http_status GET "$URL/api/health")" 200 "the daemon is fine"
stop_daemon
done_testing
