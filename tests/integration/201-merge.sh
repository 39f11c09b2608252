#!/bin/sh
# rampage merge: three shares of one test run by hand (--execution-segment, --out summary= with
# --summary-histograms), merged into one summary. The request count is the sum of the shares'; the
# merged p50 and p99 are those of one histogram of all the requests: this test decodes the shares'
# histogram blobs itself (the format of metrics/hist.h, in Python), adds their buckets and reads the
# percentiles with the histogram's own rule, and the merged values must match within its stated
# 1/256 bound. Summaries without histograms are refused.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo --latency-ms 1 --jitter-ms 25
SEQ=0,1/3,2/3,1
cat >"$SANDBOX/t.json" <<JSON
{ "baseUrl": "$DEMO_URL", "scenarios": { "s": { "executor": "constant-arrival-rate", "rate": 150,
  "duration": "2s", "preAllocatedVUs": 30, "maxVUs": 90,
  "tasks": [ { "name": "health", "path": "/api/health", "checks": [ { "status": 200 } ] },
             { "name": "items", "path": "/api/items" } ] } } }
JSON
n=0
for seg in 0:1/3 1/3:2/3 2/3:1; do
	n=$((n + 1))
	"$RAMPAGE" run "$SANDBOX/t.json" -q --execution-segment "$seg" --execution-segment-sequence "$SEQ" \
		--out summary="$SANDBOX/share$n.json" --summary-histograms >>"$SANDBOX/run.log" 2>&1
	is $? 0 "share $seg runs"
done
ok "$(jq '.rampage.histograms.metrics.http_req_duration | type == "string"' "$SANDBOX/share1.json" | grep -qx true; echo $?)" \
	"--summary-histograms puts the histograms into the summary"

"$RAMPAGE" merge "$SANDBOX"/share1.json "$SANDBOX"/share2.json "$SANDBOX"/share3.json -o "$SANDBOX/m.json" 2>"$SANDBOX/merge.err"
is $? 0 "rampage merge merges the three shares"
like "$(cat "$SANDBOX/merge.err")" 'merge: 3 summaries, [0-9]+ requests; their execution segments make up the whole sequence' \
	"and says that they make up the whole sequence"
sum=$(jq -s 'map(.rampage.total.requests) | add' "$SANDBOX"/share[123].json)
is "$(jq .rampage.total.requests "$SANDBOX/m.json")" "$sum" "the merged request count is the sum of the shares' ($sum)"
is "$(jq .metrics.http_reqs.values.count "$SANDBOX/m.json")" "$sum" "and so is http_reqs"
is "$(jq '.rampage.iterations | .completed + .dropped + .interrupted' "$SANDBOX/m.json")" 300 \
	"the merged iterations are the whole schedule's 300"
is "$(jq '[.rampage.endpoints[].requests] | add' "$SANDBOX/m.json")" "$sum" "the endpoints add up too"
is "$(jq '.root_group.checks[0] | .passes + .fails' "$SANDBOX/m.json")" \
	"$(jq -s 'map(.root_group.checks[0] | .passes + .fails) | add' "$SANDBOX"/share[123].json)" "and the checks"
is "$(jq -c .rampage.merge.complete "$SANDBOX/m.json")" true "rampage.merge.complete"

# One histogram of every request, built here from the shares' blobs, and its p50 and p99.
python3 - "$SANDBOX"/share1.json "$SANDBOX"/share2.json "$SANDBOX"/share3.json "$SANDBOX/m.json" \
	>"$SANDBOX/check.out" 2>&1 <<'PY'
import base64, json, math, sys, zlib

def varints(b, pos):
    r = s = 0
    while True:
        x = b[pos]; pos += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return r, pos

def bucket_of(v):
    msb = (v | 128).bit_length() - 1
    shift = msb - 7
    return (shift << 7) + (v >> shift)

def bucket_range(i):
    r = i >> 7
    shift = max(r, 1) - 1
    return (i - (shift << 7)) << shift, 1 << shift

def decode(s):
    b = base64.b64decode(s)
    assert b[0] == ord('H') and b[1] == 1, "magic"
    assert zlib.crc32(b[:-4]) == int.from_bytes(b[-4:], 'little'), "crc"
    count, pos = varints(b, 2)
    if count == 0:
        return {'count': 0, 'buckets': {}}
    mn, pos = varints(b, pos); dmax, pos = varints(b, pos); _, pos = varints(b, pos); _, pos = varints(b, pos)
    prev = bucket_of(mn); buckets = {}
    while pos < len(b) - 4:
        gap, pos = varints(b, pos); c, pos = varints(b, pos)
        buckets[prev + gap] = c; prev = prev + gap + 1
    assert sum(buckets.values()) == count
    return {'count': count, 'min': mn, 'max': mn + dmax, 'buckets': buckets}

def percentile(h, p):
    x = p / 100.0 * h['count']
    rank = max(1, math.ceil(x - min(x * 1e-12, 0.5)))
    cum = 0
    for i in sorted(h['buckets']):
        cum += h['buckets'][i]
        if cum >= rank:
            break
    lo, w = bucket_range(i)
    return min(max(lo + w // 2, h['min']), h['max'])

union = {'count': 0, 'min': None, 'max': None, 'buckets': {}}
for f in sys.argv[1:4]:
    h = decode(json.load(open(f))['rampage']['histograms']['metrics']['http_req_duration'])
    union['count'] += h['count']
    union['min'] = h['min'] if union['min'] is None else min(union['min'], h['min'])
    union['max'] = h['max'] if union['max'] is None else max(union['max'], h['max'])
    for i, c in h['buckets'].items():
        union['buckets'][i] = union['buckets'].get(i, 0) + c
m = json.load(open(sys.argv[4]))['metrics']['http_req_duration']['values']
for p, key in ((50, 'med'), (99, 'p(99)')):
    want = percentile(union, p) / 1000.0
    got = m[key]
    within = abs(got - want) <= want / 256 + 1e-9
    print("%s %s merged %.3f ms, one histogram of all %d requests %.3f ms" %
          ("ok" if within else "BAD", key, got, union['count'], want))
PY
is "$(grep -c '^ok' "$SANDBOX/check.out")" 2 "merged p50 and p99 equal those of one histogram of all requests (within 1/256)"
diag "$(cat "$SANDBOX/check.out")"

# Refusals
"$RAMPAGE" run "$SANDBOX/t.json" -q --execution-segment 0:1/3 --execution-segment-sequence "$SEQ" \
	--out summary="$SANDBOX/plain.json" >>"$SANDBOX/run.log" 2>&1
out=$("$RAMPAGE" merge "$SANDBOX/share1.json" "$SANDBOX/plain.json" 2>&1 >/dev/null)
is $? 2 "a summary without histograms cannot be merged (exit 2)"
like "$out" 'plain\.json: the summary has no histograms, so its percentiles cannot be merged: write it with .*--summary-histograms' \
	"and the error names the file and the option"
out=$("$RAMPAGE" run "$SANDBOX/t.json" -q --summary-histograms 2>&1)
like "$out" '--summary-histograms: it adds the histograms to --out summary=PATH' "--summary-histograms alone is refused"
is "$("$RAMPAGE" merge -q "$SANDBOX/share2.json" | jq .rampage.total.requests)" "$(jq .rampage.total.requests "$SANDBOX/share2.json")" \
	"without -o the merged summary goes to standard output"
done_testing
