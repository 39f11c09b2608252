#!/bin/sh
# `rampage test push FILE [--id N]` saves a definition as a test from CI without curl (creates it,
# updates the one test of that name, or the test --id names; refuses to guess between two of a name),
# and a mistyped command or option gets one line naming it, with a "did you mean", never the whole
# usage.
. "$TOP_SRCDIR/tests/integration/lib.sh"

unset RAMPAGE_TOKEN
start_daemon

def() { # def NAME VUS
	printf '{"name": "%s", "baseUrl": "http://127.0.0.1:9", "vus": %s, "duration": "1s",
	  "tasks": [{"path": "/api/health"}]}\n' "$1" "$2"
}
def orders 2 >"$SANDBOX/orders.json"
out=$("$RAMPAGE" test push "$SANDBOX/orders.json" --server "$URL")
is "$?" 0 "push of a new definition exits 0"
like "$out" '^created test [0-9]+ "orders"$' "and says it created the test"
ID=$(printf '%s' "$out" | sed 's/^created test \([0-9]*\) .*/\1/')
is "$(curl -s "$URL/api/tests/$ID" | jq -r .definition.vus)" 2 "the test holds the definition"

def orders 5 >"$SANDBOX/orders.json"
out=$("$RAMPAGE" test push "$SANDBOX/orders.json" --server "$URL")
is "$out" "updated test $ID \"orders\"" "pushing the same name again updates that test"
is "$(curl -s "$URL/api/tests" | jq '.tests | length')" 1 "and creates no second one"
is "$(curl -s "$URL/api/tests/$ID" | jq -r .definition.vus)" 5 "with the new definition"

out=$(def payments 3 | "$RAMPAGE" test push - --server "$URL")
like "$out" '^created test [0-9]+ "payments"$' "push - reads standard input"
PAY=$(printf '%s' "$out" | sed 's/^created test \([0-9]*\) .*/\1/')
out=$(def renamed 4 | "$RAMPAGE" test push - --id "$PAY" --server "$URL")
is "$out" "updated test $PAY \"renamed\"" "--id N updates test N whatever the name"
is "$("$RAMPAGE" test push "$SANDBOX/orders.json" --json --server "$URL" | jq -r .id)" "$ID" \
    "--json prints the API's Test"

# Two tests of one name: push does not guess.
curl -s -X POST "$URL/api/tests" -H 'Content-Type: application/json' --data-binary @"$SANDBOX/orders.json" >/dev/null
"$RAMPAGE" test push "$SANDBOX/orders.json" --server "$URL" 2>"$SANDBOX/err"
is "$?" 1 "push with two tests of that name exits 1"
like "$(cat "$SANDBOX/err")" '2 saved tests are named "orders"; say which with --id N' "and says why"

# What the daemon refuses is printed with its JSON paths; a file that is not JSON, with its line.
printf '{"name": "bad", "baseUrl": "http://127.0.0.1:9", "vus": 0, "tasks": [{"path": "/"}]}' >"$SANDBOX/bad.json"
"$RAMPAGE" test push "$SANDBOX/bad.json" --server "$URL" 2>"$SANDBOX/err"
is "$?" 1 "an invalid definition exits 1"
like "$(cat "$SANDBOX/err")" "^  vus: " "the error names the JSON path"
is "$(curl -s "$URL/api/tests" | jq '[.tests[] | select(.name == "bad")] | length')" 0 "nothing was saved"
printf '{"name": "x",\n "vus": 1,,\n}' >"$SANDBOX/broken.json"
"$RAMPAGE" test push "$SANDBOX/broken.json" --server "$URL" 2>"$SANDBOX/err"
is "$?" 2 "a file that is not JSON exits 2"
like "$(cat "$SANDBOX/err")" "broken.json:2:[0-9]+: not JSON" "with the line and column"
"$RAMPAGE" test push "$SANDBOX/missing.json" --server "$URL" 2>"$SANDBOX/err"
is "$?" 1 "a missing file exits 1"
like "$(cat "$SANDBOX/err")" "missing.json: No such file" "and is named"

# show prints a threshold's value in its metric's unit: a rate as a percentage, a time in ms.
printf '{"name": "th", "baseUrl": "http://127.0.0.1:9", "vus": 1, "duration": "1s",
  "thresholds": {"http_req_failed": ["rate<0.5"], "http_req_duration": ["p(95)<60000"],
                 "http_reqs": ["rate>0"]},
  "tasks": [{"path": "/api/health"}]}' >"$SANDBOX/th.json"
TH=$("$RAMPAGE" test push "$SANDBOX/th.json" --json --server "$URL" | jq -r .id)
"$RAMPAGE" start "$TH" --wait --server "$URL" >"$SANDBOX/wait.out" 2>/dev/null
is "$?" 99 "a run against a closed port fails its error-rate threshold"
RUN=$(curl -s "$URL/api/runs?test=$TH" | jq -r '.runs[0].id')
out=$("$RAMPAGE" show "$RUN" --server "$URL")
like "$out" "✗ http_req_failed: rate<0.5  \(100\.00%\)" "show: a rate as a percentage, not a fraction"
like "$out" "✓ http_req_duration: p\(95\)<60000  \([0-9]+\.[0-9]{3} ms\)" "show: a time in ms"
like "$out" "✓ http_reqs: rate>0  \([0-9.]+/s\)" "show: a counter's rate per second"

# Typos: one line, naming the mistake and the likely intent; exit 2.
typo() { # typo EXPECTED-REGEX DESCRIPTION ARGS...
	local want=$1 what=$2; shift 2
	"$RAMPAGE" "$@" >"$SANDBOX/out" 2>"$SANDBOX/err"
	is "$?" 2 "$what exits 2"
	like "$(cat "$SANDBOX/err")" "$want" "$what: says so"
	is "$(wc -l <"$SANDBOX/err" | tr -d ' ')" 1 "$what: in one line, not the whole usage"
}
typo 'unknown command "strat" \(did you mean "start"\?\)' "a mistyped command" strat 1
typo 'rampage start: unknown option --duratoin \(did you mean --duration\?\)' "a mistyped option" \
    start 1 --duratoin 5s --server "$URL"
typo 'rampage run: unknown option --summary-exprot \(did you mean --summary-export\?\)' \
    "a mistyped option of run" run --summary-exprot x.json "$SANDBOX/orders.json"
typo 'rampage serve: unknown option --lisen \(did you mean --listen\?\)' "a mistyped option of serve" \
    serve --lisen 127.0.0.1:1
typo 'rampage runs: unknown option --frobnicate; see rampage runs --help' "an option far from any" \
    runs --frobnicate
typo 'rampage start: option --vus needs a value' "an option without its value" start 1 --vus
typo 'rampage stop: option --force takes no value' "a flag given a value" stop 1 --force=yes
typo 'rampage runs: option --s is ambiguous \(--state, --server\)' "an ambiguous abbreviation" runs --s x
typo 'rampage test: unknown verb "psuh" \(did you mean "push"\?\)' "a mistyped test verb" test psuh f
typo 'rampage demo-target: unknown option --jiter-ms \(did you mean --jitter-ms\?\)' \
    "a mistyped option of demo-target" demo-target --jiter-ms 5

done_testing
