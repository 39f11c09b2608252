#!/bin/sh
# Checks, extraction and cookies end to end. Checks are counted per name (two steps sharing a name
# share a counter) and fail a request only with failRequest; values extracted from a JSON body, a
# regex over the body and a response header are sent in later requests, and the target's answers
# prove they arrived; extraction that finds nothing or a value over the 4 KiB cap is counted per
# endpoint. Cookies: each VU has its own jar, emptied when its session starts again.
. "$TOP_SRCDIR/tests/integration/lib.sh"
# The node id is a status code: echoed back through ?status=, it shows a header's value was used.
start_demo demo --node-id 203

cat >"$SANDBOX/flow.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 2, "iterations": 10,
    "tasks": [ { "name": "flow", "steps": [
      { "name": "create", "method": "POST", "path": "/api/users",
        "json": { "name": "u{{vu}}", "email": "u{{vu}}@example.com" },
        "extract": { "id": { "json": "/id" }, "rid": { "regex": "\"id\":(\\\\d+)" },
                     "srv": { "header": "X-Served-By" }, "nothing": { "json": "/nope" },
                     "nomatch": { "regex": "zzz(\\\\d)" } },
        "checks": [ { "status": 201 } ] },
      { "name": "by json id", "path": "/api/users/{{id}}", "checks": [ { "status": 200 },
          { "json": "/name", "equals": "u{{vu}}", "name": "name is templated? no: literal" } ] },
      { "name": "by regex id", "path": "/api/users/{{rid}}", "checks": [ { "status": 200 } ] },
      { "name": "by header", "path": "/api/health?status={{srv}}" },
      { "name": "missing", "path": "/api/users/99999", "checks": [ { "status": 200 } ] },
      { "name": "strict", "path": "/api/users/1",
        "checks": [ { "bodyContains": "no such text", "name": "strict check", "failRequest": true },
                    { "bodyContains": "no such text either", "name": "lenient check" } ] },
      { "name": "big", "path": "/api/health?bytes=5000", "extract": { "big": { "regex": "(x+)" } } }
    ] } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/flow.json" -q --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is $? 0 "the run exits 0"
S="$SANDBOX/s.json"
ep() { jq -c --arg n "$1" ".rampage.endpoints[] | select(.name == \$n) | $2" "$S"; }
is "$(ep "by json id" .status)" '{"200":20}' "an id extracted with a JSON Pointer fetched the created user, 20 times"
is "$(ep "by regex id" .status)" '{"200":20}' "an id extracted with a regex (\\d+) did too"
is "$(ep "by header" .status)" '{"203":20}' "a header's value (X-Served-By: 203) came back as the status asked for"
is "$(ep create '[.extract_failures, .extract_truncated]')" '[40,0]' \
	"create: 2 of its 5 extractions find nothing, 20 times each: 40 failures counted"
is "$(ep big '[.extract_failures, .extract_truncated]')" '[0,20]' "a 5,000-byte value over the 4 KiB cap is cut and counted"
checks=$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$S")
like "$checks" '\["status is 200",40,20\]' "status is 200 shared by three steps: 40 passes, 20 fails (the 404s)"
like "$checks" '\["status is 201",20,0\]' "status is 201: 20 passes"
like "$checks" '\["strict check",0,20\]' "strict check: 20 fails"
like "$checks" '\["lenient check",0,20\]' "lenient check: 20 fails"
like "$checks" '\["name is templated\? no: literal",0,20\]' "equals compares with the literal text"
is "$(ep strict .failed)" 20 "failRequest: the strict check's failures fail its requests (200 answers)"
is "$(jq '.metrics.http_req_failed.values.passes' "$S")" 40 \
	"http_req_failed: the 20 404s and the 20 strict failures, not the lenient ones"
is "$(jq '.metrics.checks.values | [.passes, .fails] | add' "$S")" 140 "the checks rate: 7 checks x 20 iterations"
out=$(cat "$SANDBOX/out")
like "$out" '✗ status is 200' "text: a failing check is marked"
like "$out" '↳  66% — ✓ 40 / ✗ 20' "with its pass rate and counts"

# Cookies: /visit sets a cookie when the request has none (201) and answers 200 when it has one.
cat >"$SANDBOX/cookies.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        has = "sid=" in (self.headers.get("Cookie") or "")
        self.send_response(200 if has else 201)
        if not has:
            self.send_header("Set-Cookie", "sid=%d; Path=/" % id(self))
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print("listening on http://127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
PY
/usr/bin/python3 "$SANDBOX/cookies.py" >"$SANDBOX/cookies.log" 2>&1 &
PIDS="$PIDS $!"
CPORT=$(wait_for_log "$SANDBOX/cookies.log" 'listening on http://127\.0\.0\.1:[0-9]+' | grep -Eo '[0-9]+$') ||
	bail "the cookie server did not start"
# two VUs, two sessions each (ramp to 0 and back): a fresh jar per session means 4 first visits
cat >"$SANDBOX/jar.json" <<JSON
{ "scenarios": { "s": { "executor": "ramping-vus", "startVUs": 0, "thinkTime": "20ms",
  "stages": [ { "duration": "0s", "target": 2 }, { "duration": "600ms", "target": 2 },
              { "duration": "0s", "target": 0 }, { "duration": "400ms", "target": 0 },
              { "duration": "0s", "target": 2 }, { "duration": "600ms", "target": 2 } ],
  "tasks": [ { "name": "visit", "url": "http://127.0.0.1:$CPORT/visit" } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/jar.json" -q --out summary="$SANDBOX/jar.s.json" >"$SANDBOX/out" 2>&1
st=$(jq -c '.rampage.endpoints[0].status' "$SANDBOX/jar.s.json")
is "$(printf '%s' "$st" | jq '.["201"]')" 4 "cookies: 2 VUs x 2 sessions = 4 first visits, each with an empty jar ($st)"
ok $(printf '%s' "$st" | jq -e '.["200"] > 20' >/dev/null; echo $?) "every other visit sent the VU's cookie back"
jq '.scenarios.s.cookies = false' "$SANDBOX/jar.json" >"$SANDBOX/nojar.json"
"$RAMPAGE" run "$SANDBOX/nojar.json" -q --out summary="$SANDBOX/nojar.s.json" >"$SANDBOX/out" 2>&1
is "$(jq -c '.rampage.endpoints[0].status | keys' "$SANDBOX/nojar.s.json")" '["201"]' \
	'"cookies": false: no cookie is ever sent back'
done_testing
