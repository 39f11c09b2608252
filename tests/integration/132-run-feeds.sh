#!/bin/sh
# Data feeds end to end. The demo target answers ?status=CODE with that status, so a feed of codes
# shows which row each request read: `unique` gives each VU its own row for all its iterations,
# `sequential` hands rows out in turn across VUs, `random` spreads them. A CSV file is found next to
# the definition (not in the working folder); logins with each VU's own credentials succeed for
# exactly the VU that has the right ones.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo
mkdir -p "$SANDBOX/defs/data" "$SANDBOX/elsewhere"
printf 'code,label\r\n200,"ok, fine"\r\n201,"created ""new"""\r\n202,accepted\r\n203,info\r\n' >"$SANDBOX/defs/data/codes.csv"

# feed MODE EXECUTOR-JSON: a definition reading codes.csv in MODE
feed() {
	cat >"$SANDBOX/defs/$1.json" <<JSON
{ "baseUrl": "$DEMO_URL", "feeds": { "codes": { "csv": "data/codes.csv", "mode": "$1" } },
  "scenarios": { "s": $2 } }
JSON
}
statuses() { jq -c '.rampage.endpoints[0].status' "$1"; }

feed unique '{ "executor": "per-vu-iterations", "vus": 3, "iterations": 5,
  "tasks": [ { "name": "code", "path": "/api/health?status={{codes.code}}", "headers": { "X-Label": "{{codes.label}}" } } ] }'
(cd "$SANDBOX/elsewhere" && "$RAMPAGE" run ../defs/unique.json -q --out summary="$SANDBOX/u.json" >"$SANDBOX/out" 2>&1)
is $? 0 "unique: runs from another folder (the CSV is found next to the definition)"
is "$(statuses "$SANDBOX/u.json")" '{"200":5,"201":5,"202":5}' \
	"unique: 3 VUs x 5 iterations, VU n always row n: 3 codes exactly 5 times each, the 4th row unused"

feed sequential '{ "executor": "shared-iterations", "vus": 3, "iterations": 12,
  "tasks": [ { "name": "code", "path": "/api/health?status={{codes.code}}" } ] }'
"$RAMPAGE" run "$SANDBOX/defs/sequential.json" -q --out summary="$SANDBOX/q.json" >"$SANDBOX/out" 2>&1
is $? 0 "sequential: runs"
is "$(statuses "$SANDBOX/q.json")" '{"200":3,"201":3,"202":3,"203":3}' \
	"sequential: 12 iterations over 3 VUs take the 4 rows in turn: each exactly 3 times"

feed random '{ "executor": "shared-iterations", "vus": 2, "iterations": 400,
  "tasks": [ { "name": "code", "path": "/api/health?status={{codes.code}}" } ] }'
"$RAMPAGE" run "$SANDBOX/defs/random.json" -q --out summary="$SANDBOX/r.json" >"$SANDBOX/out" 2>&1
is "$(jq '[.rampage.endpoints[0].status[]] | (add == 400) and (length == 4) and (min > 60)' "$SANDBOX/r.json")" true \
	"random: 400 iterations spread over all 4 rows"

feed unique '{ "executor": "constant-vus", "vus": 5, "duration": "1s",
  "tasks": [ { "path": "/api/health?status={{codes.code}}" } ] }'
out=$("$RAMPAGE" run "$SANDBOX/defs/unique.json" -q 2>&1)
is $? 2 "unique with more VUs than rows is refused"
like "$out" 'feeds\.codes: expected at least as many rows as VUs in the run \(5\) for mode "unique"' "and says why"

cat >"$SANDBOX/login.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "feeds": { "creds": { "mode": "unique", "rows": [
    { "username": "nobody", "password": "password" },
    { "username": "test", "password": "password" },
    { "username": "test", "password": "wrong" } ] } },
  "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 3, "iterations": 4,
    "tasks": [ { "name": "login", "method": "POST", "path": "/api/auth/login",
      "json": { "username": "{{creds.username}}", "password": "{{creds.password}}" },
      "checks": [ { "status": 200, "name": "logged in" } ] } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/login.json" -q --out summary="$SANDBOX/l.json" >"$SANDBOX/out" 2>&1
is "$(statuses "$SANDBOX/l.json")" '{"200":4,"401":8}' \
	"inline rows, unique: only the VU with the right credentials logs in, all 4 of its iterations"
is "$(jq -c '.root_group.checks[0] | [.passes, .fails]' "$SANDBOX/l.json")" '[4,8]' "the check agrees"
is "$(curl -s "$DEMO_URL/api/stats" | jq '.tokens.issued')" 4 "the target issued exactly 4 tokens"
done_testing
