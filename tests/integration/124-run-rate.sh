#!/bin/sh
# --rate holds the rate: an open-model quick test of 50 iterations/s for 4 s completes 200 iterations
# (within 2%), drops none against a fast target, and every second of the CSV carries about 50.
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

"$RAMPAGE" run --url "$DEMO_URL/api/users/1" --rate 50 -c 5 -d 4s -q \
	--out summary="$SANDBOX/s.json" --out csv="$SANDBOX/o.csv" >"$SANDBOX/out" 2>&1
is $? 0 "--rate 50 -d 4s exits 0"
it=$(jq '.metrics.iterations.values.count' "$SANDBOX/s.json")
ok $([ "$it" -ge 196 ] && [ "$it" -le 204 ]; echo $?) "200 iterations +-2% ($it)"
is "$(jq '.metrics.dropped_iterations.values.count' "$SANDBOX/s.json")" 0 "none dropped against a fast target"
is "$(jq '.metrics.http_req_failed.values.passes' "$SANDBOX/s.json")" 0 "none failed"
full=$(awk -F, 'NR > 1 && $2 == "total" && $1 >= 0 && $1 <= 3 { if ($3 < 45 || $3 > 55) bad++; n++ }
	END { print n + 0, bad + 0 }' "$SANDBOX/o.csv")
is "$full" "4 0" "each of the 4 full seconds has 50 +-5 requests"
is "$(jq '.rampage.open_model | [.used, (.service_time | has("p(95)"))] | all' "$SANDBOX/s.json")" true \
	"the open model reports service time"
like "$(cat "$SANDBOX/out")" 'open model: http_req_duration counts from each iteration' \
	"the text summary explains what the latency includes"
done_testing
