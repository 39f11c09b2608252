#!/bin/sh
# batch steps (k6's http.batch) end to end against the demo target: the example
# (etc/examples/batch.json) runs; a batch's requests are each timed, named, checked and counted on
# their own, one extracts a value a later step sends; they are in flight at once, at most
# `parallel` of them: five requests held 300 ms by the target take about 1 x 300 ms with parallel 5,
# 3 x with parallel 2 and 5 x with parallel 1 (asserted as ratios of the iteration durations, with
# wide margins); a batch under `when` is skipped; errors by JSON path.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

# 1. The example, shortened.
jq --arg url "$DEMO_URL" '.baseUrl = $url | .scenarios.pages.duration = "2s" | .scenarios.pages.vus = 3' \
	"$TOP_SRCDIR/etc/examples/batch.json" >"$SANDBOX/ex.json"
"$RAMPAGE" run "$SANDBOX/ex.json" -q --out summary="$SANDBOX/ex-s.json" >"$SANDBOX/out" 2>&1
is $? 0 "the batch example runs and exits 0"
n() { jq --arg n "$2" '[.rampage.endpoints[] | select(.name == $n) | .requests] | add // 0' "$1"; }
page=$(n "$SANDBOX/ex-s.json" page)
diag "pages: $page"
ok $([ "$page" -ge 3 ]; echo $?) "pages loaded ($page)"
for e in users worker stats "slow widget"; do
	c=$(n "$SANDBOX/ex-s.json" "$e")
	ok $([ "$c" -ge $((page - 3)) ] && [ "$c" -le "$page" ]; echo $?) "batch request \"$e\" is its own endpoint, once per page ($c)"
done
is "$(jq -c '[.rampage.endpoints[] | select(.name == "user") | .status]' "$SANDBOX/ex-s.json" | jq -c '.[0] | keys')" '["200"]' \
	"the user id a batch request extracted was sent by the next step (all 200)"

# 2. Parallelism and its cap; per-request names, statuses and checks.
mk() { # mk PARALLEL FILE
	cat >"$2" <<JSON
{ "baseUrl": "$DEMO_URL", "thresholds": { "http_reqs{name:b3}": ["count==2"] },
  "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 1, "iterations": 2,
  "tasks": [ { "name": "t", "steps": [
    { "name": "five", "parallel": $1, "batch": [
      { "name": "b1", "path": "/api/health?delay_ms=300" },
      { "name": "b2", "path": "/api/health?delay_ms=300", "checks": [ { "status": 200 } ] },
      { "name": "b3", "path": "/api/health?delay_ms=300&status=503" },
      { "name": "b4", "path": "/api/users?delay_ms=300", "extract": { "first": { "json": "/0/id" } } },
      { "name": "b5", "path": "/api/health?delay_ms=300", "checks": [ { "status": 201, "name": "never" } ] } ] },
    { "name": "after", "path": "/api/users/{{first}}" },
    { "name": "skipped", "when": { "var": "first", "exists": false }, "batch": [ { "path": "/api/health" } ] }
  ] } ] } } }
JSON
}
for p in 5 2 1; do
	mk $p "$SANDBOX/p$p.json"
	"$RAMPAGE" run "$SANDBOX/p$p.json" -q --out summary="$SANDBOX/p$p-s.json" >"$SANDBOX/out" 2>&1
	is $? 0 "parallel $p: exits 0"
done
S="$SANDBOX/p5-s.json"
is "$(jq -c '[.rampage.endpoints[] | [.name, .requests, .status]]' "$S")" \
	'[["b1",2,{"200":2}],["b2",2,{"200":2}],["b3",2,{"503":2}],["b4",2,{"200":2}],["b5",2,{"200":2}],["after",2,{"200":2}],["GET /api/health",0,{}]]' \
	"each request of the batch is its own endpoint with its own statuses; the skipped batch's request sent nothing"
is "$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$S")" '[["status is 200",2,0],["never",0,2]]' \
	"each request's checks are counted"
is "$(jq '.metrics.http_req_failed.values.passes' "$S")" 2 "the 503s are failed requests"
is "$(jq -c '.metrics["http_reqs{name:b3}"] | [.values.count, .thresholds["count==2"].ok]' "$S")" '[2,true]' \
	"a threshold on one request of a batch (a sub-metric by its name) counts it"
med() { jq '.metrics.iteration_duration.values.med' "$1"; }
d5=$(med "$SANDBOX/p5-s.json"); d2=$(med "$SANDBOX/p2-s.json"); d1=$(med "$SANDBOX/p1-s.json")
diag "iteration medians (ms): parallel 5 $d5, parallel 2 $d2, parallel 1 $d1"
ok $(awk -v a="$d1" -v b="$d5" 'BEGIN { exit !(a / b > 2.5) }'; echo $?) \
	"in flight at once: parallel 5 is far quicker than one at a time (ratio $(awk -v a="$d1" -v b="$d5" 'BEGIN{printf "%.1f", a/b}'), ideal 5)"
ok $(awk -v a="$d2" -v b="$d5" 'BEGIN { exit !(a / b > 1.8) }'; echo $?) \
	"parallel 2 caps it: slower than parallel 5 (ratio $(awk -v a="$d2" -v b="$d5" 'BEGIN{printf "%.1f", a/b}'), ideal 3)"
ok $(awk -v a="$d1" -v b="$d2" 'BEGIN { exit !(a / b > 1.3) }'; echo $?) \
	"and quicker than parallel 1 (ratio $(awk -v a="$d1" -v b="$d2" 'BEGIN{printf "%.1f", a/b}'), ideal 5/3)"

# Cookies: a batch's requests share the VU's jar (k6's http.batch does). /visit answers 201 and sets
# a cookie when the request has none, 200 when it has one: after the VU's first visit set it, every
# batch request carries it; a batch request that sets it first (a new jar) lets the step after it
# carry it too; with "cookies": false none is kept.
cat >"$SANDBOX/cookies.py" <<'PY'
import http.server
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
for cookies in true false; do
	cat >"$SANDBOX/jar-$cookies.json" <<JSON
{ "baseUrl": "http://127.0.0.1:$CPORT", "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 2,
  "iterations": 3, "cookies": $cookies, "tasks": [ { "name": "t", "steps": [
    { "name": "first", "path": "/visit", "when": { "var": "seen", "exists": false } ,
      "extract": { "seen": { "header": "Content-Length" } } },
    { "name": "both", "parallel": 2, "batch": [ { "name": "j1", "path": "/visit" }, { "name": "j2", "path": "/visit" } ] }
  ] } ] } } }
JSON
	"$RAMPAGE" run "$SANDBOX/jar-$cookies.json" -q --out summary="$SANDBOX/jar-$cookies-s.json" >"$SANDBOX/out" 2>&1
	is $? 0 "cookies $cookies: exits 0"
done
st() { jq -c --arg n "$2" '.rampage.endpoints[] | select(.name == $n) | .status' "$1"; }
is "$(st "$SANDBOX/jar-true-s.json" first) $(st "$SANDBOX/jar-true-s.json" j1) $(st "$SANDBOX/jar-true-s.json" j2)" \
	'{"201":2} {"200":6} {"200":6}' "the batch's requests carry the cookie the VU's own request got"
is "$(st "$SANDBOX/jar-false-s.json" j1) $(st "$SANDBOX/jar-false-s.json" j2)" '{"201":6} {"201":6}' \
	"with cookies false, none is kept"

# 3. Errors.
cat >"$SANDBOX/bad.json" <<JSON
{ "baseUrl": "$DEMO_URL", "vus": 1, "iterations": 1,
  "setup": [ { "batch": [ { "path": "/a" } ] } ],
  "tasks": [ { "steps": [
    { "batch": [ { "path": "/a", "when": { "status": 200 } } ], "paralel": 2 },
    { "batch": [], "parallel": 0 },
    { "batch": [ { "path": "/a", "methd": "GET" } ] }
  ] } ] }
JSON
out=$("$RAMPAGE" validate "$SANDBOX/bad.json" 2>&1)
is $? 2 "validate refuses it"
like "$out" 'tasks\[0\]\.steps\[0\]\.batch\[0\]\.when: not inside a batch' "when inside a batch"
like "$out" 'tasks\[0\]\.steps\[0\]\.paralel: unknown key \(did you mean "parallel"\?\)' "a mistyped parallel"
like "$out" 'tasks\[0\]\.steps\[1\]\.batch: expected an array of 1 to 100 requests' "an empty batch"
like "$out" 'tasks\[0\]\.steps\[1\]\.parallel: expected an integer from 1 to 100, got 0' "parallel 0"
like "$out" 'tasks\[0\]\.steps\[2\]\.batch\[0\]\.methd: unknown key \(did you mean "method"\?\)' "a batch request's keys are checked"
like "$out" 'setup\[0\]\.batch: not supported in setup' "no batch in setup"

done_testing
