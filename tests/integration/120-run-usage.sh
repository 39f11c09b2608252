#!/bin/sh
# `rampage run`: usage errors and invalid definitions exit 2 with one error per line on stderr, each
# naming its JSON path (straight from the parser); nothing runs, nothing is written.
. "$TOP_SRCDIR/tests/integration/lib.sh"

out=$("$RAMPAGE" run --help); ok $? "run --help exits 0"
like "$out" '--summary-export PATH' "help lists --summary-export"
like "$out" '--rate R' "help lists --rate"

err=$("$RAMPAGE" run 2>&1); is $? 2 "no FILE and no --url exits 2"
like "$err" 'FILE or --url URL is required' "and says what is missing"
err=$("$RAMPAGE" run x.json --url http://127.0.0.1:1/ 2>&1); is $? 2 "a FILE and --url exits 2"
err=$("$RAMPAGE" run x.json -c 5 2>&1); is $? 2 "-c with a FILE that does not exist exits 2"
like "$err" '^x\.json' "and the FILE is what is wrong (-c overrides a FILE's VUs: 190-k6-flags.sh)"
err=$("$RAMPAGE" run --url http://127.0.0.1:1/ -c 0 2>&1); is $? 2 "-c 0 exits 2"
err=$("$RAMPAGE" run --url http://127.0.0.1:1/ -d 30 2>&1); is $? 2 "a duration without unit exits 2"
like "$err" 'duration like 30s' "and names the format"
err=$("$RAMPAGE" run --url http://127.0.0.1:1/ --rate -3 2>&1); is $? 2 "a negative --rate exits 2"
err=$("$RAMPAGE" run --url http://127.0.0.1:1/ --workers 0 2>&1); is $? 2 "--workers 0 exits 2"
err=$("$RAMPAGE" run --url http://127.0.0.1:1/ --out xml=foo 2>&1); is $? 2 "an unknown --out kind exits 2"
like "$err" 'csv=PATH, json=PATH, summary=PATH, junit=PATH or html=PATH' "and lists the kinds"
err=$("$RAMPAGE" run --url http://127.0.0.1:1/ --bogus 2>&1); is $? 2 "an unknown flag exits 2"
err=$("$RAMPAGE" run "$SANDBOX/missing.json" 2>&1); is $? 2 "a missing file exits 2"
like "$err" 'missing\.json' "and names it"

# Quick mode goes through the parser too: a bad URL is the parser's error, with its path.
err=$("$RAMPAGE" run --url ftp://127.0.0.1/x -d 1s 2>&1); is $? 2 "--url with a non-http scheme exits 2"
like "$err" '^--url: scenarios\.quick\.tasks\[0\]\.url: ' "the error names the generated definition's path"

# An invalid definition: every error, one per line, with its JSON path, prefixed with the file.
cat >"$SANDBOX/bad.json" <<'JSON'
{ "baseUrl": "http://127.0.0.1:1",
  "scenarios": {
    "a": { "executor": "constant-vus", "vus": 2, "duration": "30 seconds",
           "tasks": [ { "path": "/api/health" } ] },
    "b": { "executor": "constant-arrival-rate", "rate": 10, "duration": "1s",
           "preAllocatedVUs": 10, "maxVUs": 5, "tasks": [ { "path": "/x", "json": {}, "body": "y" } ] }
  } }
JSON
err=$("$RAMPAGE" run "$SANDBOX/bad.json" --summary-export "$SANDBOX/s.json" --out csv="$SANDBOX/o.csv" 2>&1)
is $? 2 "an invalid definition exits 2"
like "$err" "bad\\.json: scenarios\\.a\\.duration: " "error 1 names scenarios.a.duration"
like "$err" "bad\\.json: scenarios\\.b\\.maxVUs: " "error 2 names scenarios.b.maxVUs"
like "$err" "bad\\.json: scenarios\\.b\\.tasks\\[0\\]\\.body: " "error 3 names scenarios.b.tasks[0].body"
n=$(printf '%s\n' "$err" | grep -c 'bad\.json: scenarios\.')
is "$n" 3 "one line per error"
ok $([ ! -e "$SANDBOX/s.json" ] && [ ! -e "$SANDBOX/o.csv" ]; echo $?) "nothing is written for an invalid definition"

printf '{ "vus": 1, ' >"$SANDBOX/trunc.json"
err=$("$RAMPAGE" run "$SANDBOX/trunc.json" 2>&1); is $? 2 "invalid JSON exits 2"
like "$err" 'invalid JSON' "and says so"

# Could not start: an --out file in a folder that does not exist is a run-time failure (1).
cat >"$SANDBOX/ok.json" <<'JSON'
{ "baseUrl": "http://127.0.0.1:1", "vus": 1, "iterations": 1, "tasks": [ { "path": "/" } ] }
JSON
err=$("$RAMPAGE" run "$SANDBOX/ok.json" --out csv="$SANDBOX/no/such/dir.csv" 2>&1); is $? 1 "an unwritable --out exits 1"
done_testing
