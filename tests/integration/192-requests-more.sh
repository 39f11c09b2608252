#!/bin/sh
# The rest of what real k6 scripts and locustfiles use (issue 15), each from its example in
# etc/examples/ run against the demo target:
# - request tags ("tags": {"kind": "write"}) that thresholds select by (http_req_duration{kind:write});
# - checks on the final URL (after redirects), the protocol and a timing phase (response-checks.json);
# - a cookie's value by name (csrf-cookie.json: the demo target's double-submit CSRF routes);
# - typed values in JSON bodies: "{{qty}}" alone sends a number when the variable holds one (a
#   `vars` number, an inline feed row's number, a number extracted from JSON); text stays text
#   (typed-json.json, against the demo target's POST /api/echo);
# - a feed read from a JSON file (json-feed.json + data/products.json), typed as inline rows;
# - named random values drawn once per run, per VU or per iteration, reused across steps
#   (random-values.json: counted by groupBy over what the demo target echoes);
# - k6's default request name, the URL ("defaultName": "url", url-names.json).
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

example() { jq --arg url "$DEMO_URL" '.baseUrl = $url' "$TOP_SRCDIR/etc/examples/$1" >"$SANDBOX/$1"; }
metric() { jq -c --arg k "$2" ".metrics[\$k] | $3" "$1"; }

# ---- request tags
example request-tags.json
"$RAMPAGE" run "$SANDBOX/request-tags.json" -q --out summary="$SANDBOX/tags.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "request-tags.json: every threshold passes"
T="$SANDBOX/tags.json"
is "$(metric "$T" 'http_reqs{kind:read}' '.values.count')" 40 "http_reqs{kind:read}: the two read steps, 20 iterations"
is "$(metric "$T" 'http_req_duration{kind:write}' '[(.values | has("p(95)")), (.thresholds | keys)]')" '[true,["p(95)<800"]]' \
	"http_req_duration{kind:write}: a series of its own, judged"
is "$(metric "$T" 'http_req_failed{kind:write}' '[.values.passes + .values.fails]')" '[20]' \
	"http_req_failed{kind:write}: the 20 creates only"
# a read that fails counts in {kind:read} and not in {kind:write}
jq '.scenarios.users.tasks[0].steps[2].path = "/api/users/1?status=503"
	| .thresholds = {"http_req_failed{kind:read}": ["rate<0.4"], "http_req_failed{kind:write}": ["rate==0"]}' \
	"$SANDBOX/request-tags.json" >"$SANDBOX/tags-fail.json"
"$RAMPAGE" run "$SANDBOX/tags-fail.json" -q --out summary="$SANDBOX/tf.json" >"$SANDBOX/out" 2>&1
is "$?" 99 "a failing read: exit 99"
is "$(metric "$SANDBOX/tf.json" 'http_req_failed{kind:read}' '[.values.rate, .thresholds["rate<0.4"].ok]')" '[0.5,false]' \
	"http_req_failed{kind:read}: half the reads failed, its threshold failed"
is "$(metric "$SANDBOX/tf.json" 'http_req_failed{kind:write}' '.thresholds["rate==0"].ok')" true \
	"http_req_failed{kind:write}: untouched"
# errors by JSON path
jq '.thresholds = {"http_reqs{kind:wrte}": ["count>0"], "http_reqs{knd:write}": ["count>0"]}
	| .scenarios.users.tasks[0].steps[1].tags = {"name": "x", "k": "{{vu}}"}' \
	"$SANDBOX/request-tags.json" >"$SANDBOX/tags-bad.json"
out=$("$RAMPAGE" validate "$SANDBOX/tags-bad.json" 2>&1)
is "$?" 2 "bad tags: invalid"
like "$out" 'scenarios\.users\.tasks\[0\]\.steps\[1\]\.tags\.name: is a built-in tag' "a built-in tag name, by path"
like "$out" 'scenarios\.users\.tasks\[0\]\.steps\[1\]\.tags\.k: expected a fixed string' "a templated value, by path"
like "$out" 'thresholds\["http_reqs\{kind:wrte\}"\]: expected a value of tag "kind" that some request sets, got "wrte"' \
	"a value no request sets"
like "$out" 'thresholds\["http_reqs\{knd:write\}"\]: expected a tag of name, .* or a tag that requests set' \
	"a tag no request sets"

# ---- checks on the final URL, the protocol, a timing phase
example response-checks.json
"$RAMPAGE" run "$SANDBOX/response-checks.json" -q --out summary="$SANDBOX/rc.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "response-checks.json: every check passes (checks rate==1)"
is "$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$SANDBOX/rc.json")" \
	'[["status is 200",10,0],["lands on /api/health",10,0],["protocol is HTTP/1.1",10,0],["timings.waiting < 500ms",10,0],["timings.connecting < 500ms",10,0]]' \
	"the five checks, ten times each, named as k6 users would"
# without following redirects the final URL is the first one: the url check fails, as it must
jq '.tasks[0].redirects = 0 | .tasks[0].checks = [{"url": "/api/health"}, {"url": "/api/redirect/2"},
	{"protocol": "HTTP/2.0"}, {"maxDuration": "1us", "phase": "waiting"}] | del(.thresholds)' \
	"$SANDBOX/response-checks.json" >"$SANDBOX/rc2.json"
"$RAMPAGE" run "$SANDBOX/rc2.json" -q --out summary="$SANDBOX/rc2s.json" >"$SANDBOX/out" 2>&1
is "$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$SANDBOX/rc2s.json")" \
	'[["url is /api/health",0,10],["url is /api/redirect/2",10,0],["protocol is HTTP/2.0",0,10],["timings.waiting < 1us",0,10]]' \
	"redirects 0: the final URL is the first; HTTP/2.0 and a 1 us time to first byte fail"
jq '.tasks[0].checks = [{"url": "api/health"}, {"protocol": "SPDY"}, {"maxDuration": "1s", "phase": "wating"},
	{"status": 200, "phase": "waiting"}]' "$SANDBOX/response-checks.json" >"$SANDBOX/rc3.json"
out=$("$RAMPAGE" validate "$SANDBOX/rc3.json" 2>&1)
like "$out" '^tasks\[0\]\.checks\[0\]\.url: expected the final URL' "a url that is neither absolute nor a path, by path"
like "$out" 'tasks\[0\]\.checks\[1\]\.protocol: expected one of HTTP/1\.0, HTTP/1\.1, HTTP/2\.0, HTTP/3\.0, got "SPDY"' "an unknown protocol"
like "$out" 'tasks\[0\]\.checks\[2\]\.phase: expected one of blocked, connecting, tls_handshaking.*got "wating" \(did you mean "waiting"\?\)' \
	"an unknown phase, with did-you-mean"
like "$out" 'tasks\[0\]\.checks\[3\]\.phase: only goes with "maxDuration"' "phase without maxDuration"

# ---- a cookie's value by name
example csrf-cookie.json
"$RAMPAGE" run "$SANDBOX/csrf-cookie.json" -q --out summary="$SANDBOX/cs.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "csrf-cookie.json: every submit accepted"
is "$(jq -c '[.rampage.endpoints[] | [.name, .requests, .failed, .extract_failures]]' "$SANDBOX/cs.json")" \
	'[["form page",10,0,0],["submit",10,0,0]]' "ten forms read, ten submits accepted, no extraction failed"
# the same flow reading a cookie the response does not set: the token is empty, the target refuses
jq '.tasks[0].steps[0].extract.csrf.cookie = "sessionid"' "$SANDBOX/csrf-cookie.json" >"$SANDBOX/cs2.json"
"$RAMPAGE" run "$SANDBOX/cs2.json" -q --out summary="$SANDBOX/cs2s.json" >"$SANDBOX/out" 2>&1
is "$?" 99 "reading another cookie: the threshold on accepted fails"
is "$(jq -c '[.rampage.endpoints[] | [.name, .failed, .extract_failures]]' "$SANDBOX/cs2s.json")" \
	'[["form page",0,10],["submit",10,0]]' "ten extraction failures, ten 403s"
jq '.tasks[0].steps[0].extract.csrf = {"cookie": "a b"}' "$SANDBOX/csrf-cookie.json" >"$SANDBOX/cs3.json"
like "$("$RAMPAGE" validate "$SANDBOX/cs3.json" 2>&1)" \
	'^tasks\[0\]\.steps\[0\]\.extract\.csrf\.cookie: expected a cookie name like "csrftoken", got "a b"' \
	"a cookie name that is not a token, by path"

# ---- typed values in JSON bodies
example typed-json.json
"$RAMPAGE" run "$SANDBOX/typed-json.json" -q --out summary="$SANDBOX/ty.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "typed-json.json: every check passes"
is "$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$SANDBOX/ty.json")" \
	'[["json /qty exists",10,0],["json /price is 12.5",10,0],["json /express is true",10,0],["json /zip is \"02134\"",10,0]]' \
	"an extracted number, a vars boolean and a vars string arrive typed as they were"
jq '.feeds.items.rows = [{"sku": "A-1", "qty": 2}]
	| .scenarios.orders.tasks[0].steps[1].checks = [{"json": "/qty", "equals": 2}, {"json": "/sku", "equals": "A-1"},
	  {"json": "/note", "equals": "2 items"}, {"json": "/qty", "equals": "2", "name": "qty as text"}]
	| del(.thresholds)' "$SANDBOX/typed-json.json" >"$SANDBOX/ty2.json"
"$RAMPAGE" run "$SANDBOX/ty2.json" -q --out summary="$SANDBOX/ty2s.json" >"$SANDBOX/out" 2>&1
is "$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$SANDBOX/ty2s.json")" \
	'[["json /qty is 2",10,0],["json /sku is \"A-1\"",10,0],["json /note is \"2 items\"",10,0],["qty as text",0,10]]' \
	"a feed row's number is sent as 2, not \"2\"; inside text it is text"

# ---- a feed from a JSON file
mkdir -p "$SANDBOX/data"
cp "$TOP_SRCDIR/etc/examples/data/products.json" "$SANDBOX/data/"
example json-feed.json
"$RAMPAGE" run "$SANDBOX/json-feed.json" -q --out summary="$SANDBOX/jf.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "json-feed.json: every check passes"
is "$(jq '.metrics.http_reqs.values.count' "$SANDBOX/jf.json")" 9 "nine requests, three per row"
# one row: the echo shows its values with their types
jq '.vus = 1 | .iterations = 1 | .tasks[0].checks = [{"json": "", "equals": {"sku": "C-3", "name": "mug \"classic\"",
	"qty": 6, "price": 7, "gift": false}, "name": "row 3 as sent"}] | del(.thresholds)' "$SANDBOX/json-feed.json" >"$SANDBOX/jf2.json"
jq '[.[2]]' "$TOP_SRCDIR/etc/examples/data/products.json" >"$SANDBOX/data/products.json"
"$RAMPAGE" run "$SANDBOX/jf2.json" -q --out summary="$SANDBOX/jf2s.json" >"$SANDBOX/out" 2>&1
is "$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$SANDBOX/jf2s.json")" '[["row 3 as sent",1,0]]' \
	"the row arrives as it is in the file: numbers, a boolean, an escaped quote"
printf '[{"sku": "A-1"}, {"sku": {"x": 1}}]' >"$SANDBOX/data/products.json"
like "$("$RAMPAGE" validate "$SANDBOX/jf2.json" 2>&1)" '^feeds\.products\.json\[1\]\.sku: expected a string, number or boolean, got an object' \
	"a bad row of the file, by its index"
body=$(jq -n --arg u "$DEMO_URL" '{definition: {baseUrl: $u, feeds: {p: {json: "/etc/passwd"}}, tasks: [{path: "/{{p.x}}"}]}}')
# ---- random values drawn once
example random-values.json
"$RAMPAGE" run "$SANDBOX/random-values.json" -q --out summary="$SANDBOX/rv.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "random-values.json runs"
R="$SANDBOX/rv.json"
is "$(jq -c '[.rampage.groupBy[] | [(.values | length), .total, .missing]]' "$R")" '[[12,12,0],[12,12,0],[3,12,0],[1,12,0]]' \
	"12 order numbers (one per iteration), 3 customers (one per VU), 1 run id"
is "$(jq -c '.rampage.groupBy["create order"].values == .rampage.groupBy["pay order"].values' "$R")" true \
	"each iteration's order number is the same in both of its steps"
like "$(jq -r '.rampage.groupBy.run.values | keys[0]' "$R")" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
	"the run id is a UUID"
ok $(jq -e '[.rampage.groupBy.customer.values | keys[] | tonumber | select(. >= 100000 and . <= 999999)] | length == 3' "$R" >/dev/null; echo $?) \
	"customers are numbers in [100000, 999999], sent as numbers"
"$RAMPAGE" run "$SANDBOX/random-values.json" -q --out summary="$SANDBOX/rv2.json" >"$SANDBOX/out" 2>&1
ok $([ "$(jq -r '.rampage.groupBy.run.values | keys[0]' "$R")" != "$(jq -r '.rampage.groupBy.run.values | keys[0]' "$SANDBOX/rv2.json")" ]; echo $?) \
	"another run, another run id"
jq '.random += {"a": {"int": [5, 1]}, "b": {"uuid": true, "int": [1, 2]}, "c": {"uuid": true, "per": "hour"}, "d": {"uuid": true, "per": "vus"}, "vu": {"uuid": true}}
	| .scenarios.shop.tasks[0].steps[0].json.a = "{{a}}"' "$SANDBOX/random-values.json" >"$SANDBOX/rv3.json"
out=$("$RAMPAGE" validate "$SANDBOX/rv3.json" 2>&1)
like "$out" 'random\.a\.int: expected \[min, max\]: two integers, min <= max, got an array' "min above max, by path"
like "$out" 'random\.b: expected one of "int" and "uuid", got both' "int and uuid"
like "$out" 'random\.c\.per: expected one of run, vu, iteration, got "hour"$' "an unknown per"
like "$out" 'random\.d\.per: expected one of run, vu, iteration, got "vus" \(did you mean "vu"\?\)' "a near one, with did-you-mean"
like "$out" 'random: expected a variable name .* got "vu"' "a built-in's name"
ok $(printf '%s' "$out" | grep -q 'unknown variable'; [ $? -ne 0 ]; echo $?) "no cascade: the steps' references to them are not unknown"

# ---- k6's default name: the URL
jq --arg url "$DEMO_URL" '.baseUrl = $url | .thresholds = {("http_req_duration{name:" + $url + "/api/users}"): ["p(95)<500"]}' \
	"$TOP_SRCDIR/etc/examples/url-names.json" >"$SANDBOX/url-names.json"
"$RAMPAGE" run "$SANDBOX/url-names.json" -q --out summary="$SANDBOX/un.json" >"$SANDBOX/out" 2>&1
is "$?" 0 "url-names.json: the threshold on an endpoint named by its URL passes"
is "$(jq -c --arg u "$DEMO_URL" '[.rampage.endpoints[] | [(.name | sub($u; "BASE")), .requests]]' "$SANDBOX/un.json")" \
	'[["BASE/api/users",6],["BASE/api/users/{{vu}}",6],["health",6]]' \
	"unnamed steps are named by their URL as written (one endpoint per step, references kept); a name wins"
jq 'del(.defaultName) | del(.thresholds)' "$SANDBOX/url-names.json" >"$SANDBOX/un2.json"
"$RAMPAGE" run "$SANDBOX/un2.json" -q --out summary="$SANDBOX/un2s.json" >"$SANDBOX/out" 2>&1
is "$(jq -c '[.rampage.endpoints[].name]' "$SANDBOX/un2s.json")" '["GET /api/users","GET /api/users/{{vu}}","health"]' \
	"without it: METHOD path, as before"
jq '.defaultName = "URL"' "$SANDBOX/url-names.json" >"$SANDBOX/un3.json"
like "$("$RAMPAGE" validate "$SANDBOX/un3.json" 2>&1)" '^defaultName: expected "method-path" \("GET /api/users"\) or "url"' \
	"an unknown defaultName, by path"

start_daemon
is "$(curl -s -X POST -H 'Content-Type: application/json' -d "$body" "$URL/api/runs" | jq -r '.error.errors[0] | "\(.path): \(.message)"')" \
	'feeds.p.json: CSV and JSON files are read only from definitions given as files (rampage run, rampage validate); use "rows"' \
	"the daemon reads no JSON file either"

done_testing
