#!/bin/sh
# Redirects, as k6 and Locust users expect: followed by default (up to 10, k6's maxRedirects) with
# the final response checked and extracted from; one request per step, timed over the whole chain
# (Locust's model); `redirects` per step and `maxRedirects` per test change the limit; past it the
# last redirect response is the answer (as in k6: a 3xx, not a failure); 0 keeps the 3xx so that
# its Location can be extracted; a POST answered 302 continues as a GET. The demo target counts the
# hops it served, so each number below is what really went over the wire.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

hops() { curl -s "$DEMO_URL/api/stats" | jq --arg r "$1" '.requests.by_route[$r]'; }
run_def() { # run_def NAME JSON-BODY: runs it with a summary export in $SANDBOX/NAME.json
	curl -s -X POST "$DEMO_URL/api/stats/reset" >/dev/null
	printf '%s\n' "$2" >"$SANDBOX/$1.def.json"
	"$RAMPAGE" run "$SANDBOX/$1.def.json" -q --out summary="$SANDBOX/$1.json" >"$SANDBOX/$1.out" 2>&1
	RC=$?
	S="$SANDBOX/$1.json"
}
ep() { jq -c --arg n "$1" ".rampage.endpoints[] | select(.name == \$n) | $2" "$S"; }

run_def follow "{ \"baseUrl\": \"$DEMO_URL\",
  \"scenarios\": { \"s\": { \"executor\": \"per-vu-iterations\", \"vus\": 2, \"iterations\": 5,
    \"tasks\": [ { \"name\": \"flow\", \"steps\": [
      { \"name\": \"chain\", \"path\": \"/api/redirect/3\",
        \"checks\": [ { \"status\": 200 }, { \"json\": \"/status\", \"equals\": \"ok\" } ] },
      { \"name\": \"kept\", \"path\": \"/api/redirect/3\", \"redirects\": 0,
        \"extract\": { \"n\": { \"regex\": \"/api/redirect/(\\\\d+)\", \"group\": 1 } },
        \"checks\": [ { \"status\": 302 },
                      { \"header\": \"Location\", \"matches\": \"^/api/redirect/2$\", \"name\": \"location\" } ] },
      { \"name\": \"from location\", \"path\": \"/api/redirect/{{n}}\", \"checks\": [ { \"status\": 200 } ] },
      { \"name\": \"limited\", \"path\": \"/api/redirect/5\", \"redirects\": 2,
        \"checks\": [ { \"json\": \"/location\", \"exists\": true, \"name\": \"body past the limit\" } ] },
      { \"name\": \"put\", \"method\": \"PUT\", \"path\": \"/api/redirect/1\", \"json\": { \"a\": 1 } },
      { \"name\": \"post\", \"method\": \"POST\", \"path\": \"/api/redirect/1\", \"json\": { \"a\": 1 },
        \"checks\": [ { \"json\": \"/status\", \"equals\": \"ok\", \"name\": \"landed on health\" } ] }
    ] } ] } } }"
is "$RC" 0 "the run exits 0"
is "$(ep chain '[.requests, .status]')" '[10,{"200":10}]' \
	"a 3-hop chain is followed by default: one request per step, answered 200"
is "$(ep kept .status)" '{"302":10}' "redirects: 0 keeps the 302"
is "$(ep 'from location' .status)" '{"200":10}' "the hop read from it leads on (/api/redirect/2 -> 200)"
is "$(ep limited '[.status, .failed]')" '[{"302":10},0]' \
	"redirects: 2 on a 5-hop chain ends on the third 302, which is an answer, not a failure (as k6)"
is "$(ep post .status)" '{"200":10}' "a POST answered 302 lands with 200"
is "$(ep put .status)" '{"405":10}' "a PUT is repeated as a PUT (/api/health answers it 405; a GET would get 200)"
checks=$(jq -c '[.root_group.checks[] | [.name, .passes, .fails]]' "$S")
like "$checks" '\["landed on health",10,0\]' "... on /api/health, fetched with GET (a POST there would be a 405)"
like "$checks" '\["status is 200",20,0\]' "the chain's checks ran on the final response"
like "$checks" '\["location",10,0\]' "the kept 302's Location header is there to check"
like "$checks" '\["body past the limit",0,10\]' "past the limit the 302's body is not kept (libcurl drops it; documented)"
# hops at the target: chain 3 + kept 1 + from location 2 + limited 3 + put 1 + post 1 = 11 per iteration
is "$(hops '* /api/redirect/{n}')" 110 \
	"the target served exactly the hops expected (chain 3, kept 1, from location 2, limited 3, put 1, post 1) x 10"
is "$(hops 'GET /api/health')" 30 "and the chains' ends (chain, from location, post) x 10"
is "$(hops other)" 10 "and the PUT's end, refused with 405, x 10"

run_def nofollow "{ \"baseUrl\": \"$DEMO_URL\", \"maxRedirects\": 0, \"iterations\": 4, \"vus\": 1,
  \"tasks\": [ { \"name\": \"f\", \"steps\": [ { \"name\": \"r\", \"path\": \"/api/redirect/2\" },
               { \"name\": \"one\", \"path\": \"/api/redirect/2\", \"redirects\": 1 } ] } ] }"
is "$RC" 0 "maxRedirects: 0 runs"
is "$(ep r .status)" '{"302":4}' "maxRedirects: 0 follows nothing"
is "$(ep one .status)" '{"302":4}' "a step's redirects: 1 follows one hop, to the next 302"
is "$(hops '* /api/redirect/{n}')" 12 "the target saw one hop per r and two per one, 4 times"

run_def bad "{ \"baseUrl\": \"$DEMO_URL\", \"maxRedirects\": \"ten\", \"iterations\": 1, \"vus\": 1,
  \"tasks\": [ { \"path\": \"/api/redirect/2\", \"redirects\": -1 },
               { \"path\": \"/api/redirect/2\", \"redirects\": 101 } ] }"
is "$RC" 2 "invalid redirect limits: exit 2"
out=$(cat "$SANDBOX/bad.out")
like "$out" 'maxRedirects: expected an integer from 0 to 100' "maxRedirects is checked, by name"
like "$out" 'tasks\[0\]\.redirects: expected an integer from 0 to 100, got -1' "a step's redirects too, with its path"
like "$out" 'tasks\[1\]\.redirects: expected an integer from 0 to 100, got 101' "and its upper bound"
done_testing
