#!/bin/sh
# Test definitions: every shipped example passes both the JSON Schema (docs/test-definition.schema.json,
# checked with a real draft 2020-12 validator) and the C parser (`rampage validate`); the obvious
# mistakes fail both, and the parser names the JSON path.
. "$TOP_SRCDIR/tests/integration/lib.sh"

PY=/usr/bin/python3
SCHEMA="$TOP_SRCDIR/docs/test-definition.schema.json"
$PY -c 'import jsonschema' 2>/dev/null || bail "python3-jsonschema is missing (apt-get install python3-jsonschema)"

VALIDATE="$RAMPAGE validate"

# schema_check FILE...: prints "FILE: ok" or "FILE: invalid: <first error>" per file.
cat >"$SANDBOX/check.py" <<'EOF'
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema)
for path in sys.argv[2:]:
    errors = sorted(v.iter_errors(json.load(open(path))), key=lambda e: list(e.absolute_path))
    print("%s: %s" % (path, "ok" if not errors else "invalid: " + errors[0].message[:200]))
EOF
schema_check() { $PY "$SANDBOX/check.py" "$SCHEMA" "$@" 2>&1; }

$PY -c "import json,sys; from jsonschema import Draft202012Validator as V; V.check_schema(json.load(open(sys.argv[1])))" \
	"$SCHEMA" 2>"$SANDBOX/schema.err"
ok $? "the schema is a valid JSON Schema draft 2020-12 document"

n=0
for f in "$TOP_SRCDIR"/etc/examples/*.json; do
	n=$((n + 1))
	name=$(basename "$f")
	is "$(schema_check "$f")" "$f: ok" "schema accepts $name"
	out=$($VALIDATE "$f" 2>&1)
	is "$?:$out" "0:ok" "the C parser accepts $name"
	grep -q "etc/examples/$name" "$TOP_SRCDIR/Makefile.am"
	ok $? "$name is installed (dist_examples_DATA)"
done
ok $([ "$n" -ge 5 ]; echo $?) "at least five examples ($n)"

# The summary names the executors the examples are about.
out=$($VALIDATE -v "$TOP_SRCDIR/etc/examples/ramp-up.json")
like "$out" "scenario browse: ramping-vus, up to 50 VUs, 3 tasks" "-v summarises the ramp-up example"
like "$out" "ends by 2m30s" "with its end (2m of stages + 30s gracefulStop)"

# Obvious mistakes: each fails the schema and the parser, which names the path.
bad() { # bad NAME JSON EXPECTED-PARSER-LINE [parser-only]
	printf '%s\n' "$2" >"$SANDBOX/$1.json"
	if [ "${4:-}" = parser-only ]; then
		# Rules across fields (maxVUs >= preAllocatedVUs, ...) are beyond JSON Schema.
		is "$(schema_check "$SANDBOX/$1.json")" "$SANDBOX/$1.json: ok" "schema cannot see $1 (a rule across fields)"
	else
		like "$(schema_check "$SANDBOX/$1.json")" ": invalid: " "schema rejects $1"
	fi
	out=$($VALIDATE "$SANDBOX/$1.json" 2>&1)
	st=$?
	is "$st" 2 "the parser rejects $1 with exit 2"
	like "$out" "^$3" "and says: $3"
}
B='"baseUrl": "http://127.0.0.1:8000"'
bad typo "{$B, \"scenarios\": {\"s\": {\"executor\": \"ramping-vus\", \"stags\": [], \"stages\": [{\"duration\": \"1s\", \"target\": 1}], \"tasks\": [{\"path\": \"/\"}]}}}" \
	'scenarios\.s\.stags: unknown key \(did you mean "stages"\?\)'
bad duration "{$B, \"scenarios\": {\"s\": {\"executor\": \"ramping-vus\", \"stages\": [{\"duration\": \"1s\", \"target\": 1}, {\"duration\": \"30 seconds\", \"target\": 2}], \"tasks\": [{\"path\": \"/\"}]}}}" \
	'scenarios\.s\.stages\[1\]\.duration: expected a duration like "30s", got "30 seconds"'
bad two-bodies "{$B, \"vus\": 1, \"duration\": \"5s\", \"tasks\": [{\"path\": \"/\", \"json\": {}, \"body\": \"x\"}]}" \
	'tasks\[0\]\.body: conflicts with "json"'
bad foreign-param "{$B, \"scenarios\": {\"s\": {\"executor\": \"constant-vus\", \"duration\": \"5s\", \"rate\": 5, \"tasks\": [{\"path\": \"/\"}]}}}" \
	'scenarios\.s\.rate: not a parameter of constant-vus'
bad no-executor "{$B, \"scenarios\": {\"s\": {\"duration\": \"5s\", \"tasks\": [{\"path\": \"/\"}]}}}" \
	'scenarios\.s\.executor: expected one of constant-vus'
bad shortcut-conflict "{$B, \"duration\": \"5s\", \"stages\": [{\"duration\": \"1s\", \"target\": 1}], \"tasks\": [{\"path\": \"/\"}]}" \
	'stages: conflicts with "duration"'
bad relative-url "{$B, \"tasks\": [{\"url\": \"/api\"}]}" \
	'tasks\[0\]\.url: expected an absolute http:// or https:// URL'
bad zero-rate "{$B, \"scenarios\": {\"s\": {\"executor\": \"constant-arrival-rate\", \"rate\": 0, \"duration\": \"5s\", \"preAllocatedVUs\": 1, \"tasks\": [{\"path\": \"/\"}]}}}" \
	'scenarios\.s\.rate: expected a number > 0'
bad max-below-pre "{$B, \"scenarios\": {\"s\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": 5, \"maxVUs\": 2, \"stages\": [{\"duration\": \"1s\", \"target\": 1}], \"tasks\": [{\"path\": \"/\"}]}}}" \
	'scenarios\.s\.maxVUs: expected an integer >= preAllocatedVUs \(5\), got 2' parser-only
bad unknown-variable "{$B, \"tasks\": [{\"path\": \"/users/{{token}}\"}]}" \
	'tasks\[0\]\.path: unknown variable "token" in "\{\{token\}\}"' parser-only

# Many mistakes, one run: every error, one per line, in document order.
printf '{"baseUrl": "ftp://x", "vus": -1, "tasks": [{"path": "api"}, {"path": "/", "weight": 0}]}\n' >"$SANDBOX/many.json"
out=$($VALIDATE "$SANDBOX/many.json")
is "$out" 'baseUrl: expected an absolute http:// or https:// URL, got "ftp://x"
vus: expected an integer from 1 to 1000000, got -1
tasks[0].path: expected a path starting with "/" or with a variable ("{{next}}"), got "api"
tasks[1].weight: expected an integer from 1 to 1000000, got 0' "all errors at once (no cascade from the bad baseUrl)"

# Duplicate keys are refused by the loader, not silently merged.
printf '{"baseUrl": "http://h", "tasks": [{"path": "/"}], "tasks": []}\n' >"$SANDBOX/dup.json"
out=$($VALIDATE "$SANDBOX/dup.json")
like "$out" '^definition: invalid JSON at line 1, column [0-9]+: duplicate object key' "duplicate keys are an error"

# Several files: one line each, prefixed; the exit code says whether all were valid.
out=$($VALIDATE "$TOP_SRCDIR/etc/examples/smoke.json" "$SANDBOX/typo.json")
st=$?
is "$st" 2 "one bad file among several exits 2"
like "$out" "smoke\.json: ok" "the good one says ok"
like "$out" "typo\.json: scenarios\.s\.stags: unknown key" "the bad one is prefixed with its name"
out=$($VALIDATE - <"$TOP_SRCDIR/etc/examples/spike.json")
is "$?:$out" "0:ok" "- reads standard input"
$VALIDATE "$SANDBOX/none.json" >"$SANDBOX/out" 2>&1
is "$?" 2 "a missing file exits 2"
like "$(cat "$SANDBOX/out")" "cannot open .*none\.json: No such file" "and says so"
$VALIDATE >/dev/null 2>&1
is "$?" 2 "no file is a usage error"

done_testing
