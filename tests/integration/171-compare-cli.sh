#!/bin/sh
# `rampage compare A B` (issue 13): two summary files of `rampage run --out summary=` (no daemon)
# against a demo target at 5 ms and then at 50 ms print the table and exit 99 (practical verdicts,
# said so); the other way round exits 0; two run ids on a daemon give the daemon's comparison; a
# file and an id, an unreadable file or an unknown run exit 2.
. "$TOP_SRCDIR/tests/integration/lib.sh"

unset RAMPAGE_TOKEN
start_demo fast --latency-ms 5
FAST=$DEMO_URL
start_demo slow --latency-ms 50
SLOW=$DEMO_URL

# def BASEURL: a named endpoint, so the two runs' endpoints match whatever the target
def() {
	echo "{\"name\": \"cmp\", \"baseUrl\": \"$1\", \"vus\": 2, \"duration\": \"2s\",
		\"tasks\": [{\"name\": \"users\", \"path\": \"/api/users/1\"}]}"
}
def "$FAST" >"$SANDBOX/fast.json"
def "$SLOW" >"$SANDBOX/slow.json"
"$RAMPAGE" run "$SANDBOX/fast.json" --quiet --out summary="$SANDBOX/a.json" --summary-export "$SANDBOX/a-k6.json" >/dev/null 2>&1
ok $? "the fast run wrote its summary"
"$RAMPAGE" run "$SANDBOX/slow.json" --quiet --out summary="$SANDBOX/b.json" >/dev/null 2>&1
ok $? "the slow run wrote its summary"

out=$("$RAMPAGE" compare "$SANDBOX/a.json" "$SANDBOX/b.json")
is "$?" 99 "slower than the baseline file: exit 99"
like "$out" '^ENDPOINT +METRIC +BASE +RUN +DIFF +RATIO +VERDICT$' "a table with a header"
like "$out" '^total +rps ' "the total's throughput"
like "$out" '^ +p95_us +[0-9.]+ms +[0-9.]+ms +\+[0-9.]+ms +[0-9.]+x +regressed$' \
	"p95: both values, a positive difference, a ratio, regressed"
like "$out" '^GET users +rps ' "the endpoint matched by method and name"
like "$out" 'no per-second data.*floor only' "the output says its verdicts are practical only"
like "$out" '^verdict: regressed$' "the verdict line"
ok "$(printf '%s' "$out" | grep -c "$(printf '\033')" | grep -qx 0; echo $?)" "no colour when not on a terminal"
R=$(printf '%s' "$out" | grep -A6 '^total' | awk '$1 == "p95_us" {print $5}' | tr -d x)
ok "$(awk -v r="$R" 'BEGIN { exit !(r > 3 && r < 30) }'; echo $?)" "the p95 ratio is near 10 ($R)"

"$RAMPAGE" compare "$SANDBOX/b.json" "$SANDBOX/a.json" >/dev/null
is "$?" 0 "faster than the baseline file: exit 0"
err=$("$RAMPAGE" compare "$SANDBOX/a-k6.json" "$SANDBOX/b.json" 2>&1 >/dev/null)
is "$?" 2 "k6's --summary-export shape (no per-endpoint figures): exit 2"
like "$err" 'not a full rampage summary.*--out summary=PATH' "saying which file to write instead"
J=$("$RAMPAGE" compare --json "$SANDBOX/a.json" "$SANDBOX/b.json")
is "$?" 99 "--json exits the same"
is "$(printf '%s' "$J" | jq -c '[.verdict, .method.practical_only, .total.metrics.p95_us.practical_only, .total.metrics.p95_us.ci]')" \
	'["regressed",true,true,null]' "--json: the document, practical only, without intervals"

echo '{"metrics": {}}' >"$SANDBOX/not-ours.json"
err=$("$RAMPAGE" compare "$SANDBOX/a.json" "$SANDBOX/not-ours.json" 2>&1)
is "$?" 2 "a file that is not a rampage summary: exit 2"
like "$err" 'not a full rampage summary' "saying so"
"$RAMPAGE" compare "$SANDBOX/a.json" "$SANDBOX/missing.json" 2>/dev/null
is "$?" 2 "a missing file: exit 2"
"$RAMPAGE" compare 1 "$SANDBOX/a.json" 2>/dev/null
is "$?" 2 "an id and a file: exit 2"
"$RAMPAGE" compare "$SANDBOX/a.json" 2>/dev/null
is "$?" 2 "one argument: exit 2"

# run ids on a daemon
start_daemon
J='Content-Type: application/json'
finish() {
	for _ in $(seq 400); do
		st=$(curl -s "$URL/api/runs/$1" | jq -r .state)
		case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
	done
}
A=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $(def "$FAST")}" | jq .id)
finish "$A"
B=$(curl -s -H "$J" -X POST "$URL/api/runs" -d "{\"definition\": $(def "$SLOW")}" | jq .id)
finish "$B"
out=$("$RAMPAGE" compare "$A" "$B" --server "$URL")
is "$?" 99 "two run ids, the second slower: exit 99"
like "$out" "^base: run $A +run: run $B +steady part: constant stages" "it names both runs and the steady part"
"$RAMPAGE" compare "$B" "$A" --server "$URL" >/dev/null
is "$?" 0 "the other way round: exit 0"
err=$("$RAMPAGE" compare "$A" 99999 --server "$URL" 2>&1)
is "$?" 2 "an unknown run: exit 2"
like "$err" 'no run 99999' "with the daemon's message"
done_testing
