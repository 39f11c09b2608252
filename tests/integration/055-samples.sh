#!/bin/sh
# The data of a finished run: per-second samples (total and per endpoint, from/to), server-side
# downsampling with step (counters add up, max of max, percentiles from the MERGED histograms: one
# window over the whole run gives exactly the whole-run percentiles), the endpoint table, the CSV
# export and the k6-shaped summary.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo --latency-ms 1 --jitter-ms 3
start_daemon

RUN=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"data\", \"baseUrl\": \"$DEMO_URL\",
	\"vus\": 4, \"duration\": \"5s\", \"tasks\": [{\"name\": \"health\", \"path\": \"/api/health\"},
	{\"name\": \"users\", \"path\": \"/api/users\"}]}}" | jq .id)
for _ in $(seq 200); do
	st=$(curl -s "$URL/api/runs/$RUN" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
is "$st" finished "a 5 s run against the demo target finished (no thresholds)"

S1=$(curl -s "$URL/api/runs/$RUN/samples")
N=$(printf '%s' "$S1" | jq '.samples | length')
ok "$([ "$N" -ge 5 ] && [ "$N" -le 7 ]; echo $?)" "step=1: one row per second ($N)"
is "$(printf '%s' "$S1" | jq -c '[.endpoint.name, .endpoint.idx, .step, .from, .to]')" '["total",0,1,0,null]' \
	"the total by default, step 1"
is "$(printf '%s' "$S1" | jq '.samples[0] | has("seconds")')" false "step=1 rows have no seconds column"

# step=2: windows aligned to multiples of 2
S2=$(curl -s "$URL/api/runs/$RUN/samples?step=2")
is "$(printf '%s' "$S2" | jq -c '[.samples[].second]')" "$(printf '%s' "$S1" | jq -c '[.samples[].second / 2 | floor * 2] | unique')" \
	"step=2: one row per 2-second window"
is "$(printf '%s' "$S2" | jq -c '[.samples[].requests]')" \
	"$(printf '%s' "$S1" | jq -c '[.samples | group_by(.second / 2 | floor)[] | map(.requests) | add]')" \
	"counters add up over each window"
is "$(printf '%s' "$S2" | jq -c '[.samples[].lat_max_us]')" \
	"$(printf '%s' "$S1" | jq -c '[.samples | group_by(.second / 2 | floor)[] | map(.lat_max_us) | max]')" \
	"max is the max of the window"
is "$(printf '%s' "$S2" | jq -c '[.samples[].seconds]')" \
	"$(printf '%s' "$S1" | jq -c '[.samples | group_by(.second / 2 | floor)[] | length]')" \
	"each window says how many seconds it merged"

# one window over the whole run: the percentiles of the merged histograms are the whole run's
ALL=$(curl -s "$URL/api/runs/$RUN/samples?step=86400" | jq -c '.samples[0]')
E=$(curl -s "$URL/api/runs/$RUN/endpoints")
is "$(printf '%s' "$E" | jq -r .source)" run_histograms "the endpoint table uses the whole-run histograms"
for k in lat_p50_us lat_p90_us lat_p95_us lat_p99_us lat_mean_us lat_max_us requests failures; do
	is "$(printf '%s' "$ALL" | jq ".$k")" "$(printf '%s' "$E" | jq ".total.$k")" \
		"step=86400 $k equals the whole run's ($(printf '%s' "$ALL" | jq ".$k"))"
done
SUM=$(curl -s "$URL/api/runs/$RUN/summary")
is "$(printf '%s' "$SUM" | jq '.metrics.http_req_duration.values["p(95)"] * 1000 | round')" \
	"$(printf '%s' "$ALL" | jq .lat_p95_us)" "and the summary's p(95)"
ok "$(printf '%s' "$S1" | jq -e "[.samples[].lat_p95_us] | max >= $(printf '%s' "$ALL" | jq .lat_p95_us)" >/dev/null; echo $?)" \
	"(a merged p95 is not an average of the seconds' p95)"
U=$(curl -s "$URL/api/runs/$RUN/samples?endpoint=users&step=86400" | jq -c '.samples[0]')
is "$(printf '%s' "$U" | jq -c '[.lat_p95_us, .requests]')" \
	"$(printf '%s' "$E" | jq -c '.endpoints[] | select(.name == "users") | [.lat_p95_us, .requests]')" \
	"per endpoint too (users)"
is "$(curl -s "$URL/api/runs/$RUN/samples?endpoint=users" | jq -c '[.endpoint.idx, (.samples | length)]')" \
	"[2,$N]" "?endpoint=users: that endpoint's rows"
is "$(printf '%s' "$E" | jq -c '[.endpoints[].name, .total.status_codes["200"] == .total.requests]')" \
	'["health","users",true]' "the endpoint table: names and status codes"
is "$(printf '%s' "$E" | jq '[.endpoints[].requests] | add')" "$(printf '%s' "$E" | jq .total.requests)" \
	"its endpoints add up to the total"

# the latency distribution: the same histograms, at percentiles halving the tail, ending at the max
L=$(curl -s "$URL/api/runs/$RUN/latency")
is "$(printf '%s' "$L" | jq -c '[.source, .count]')" "[\"run_histograms\",$(printf '%s' "$E" | jq .total.requests)]" \
	"latency: from the whole-run histogram, every request counted"
is "$(printf '%s' "$L" | jq '.percentiles[] | select(.p == 50) | .us')" "$(printf '%s' "$E" | jq .total.lat_p50_us)" \
	"latency: its 50th percentile is the endpoint table's p50"
is "$(printf '%s' "$L" | jq '.percentiles[-1] | [.p, .us] == [100, '"$(printf '%s' "$E" | jq .total.lat_max_us)"']')" true \
	"latency: it ends at p 100, the maximum"
is "$(printf '%s' "$L" | jq '[.percentiles[].p] as $p | [range(1; $p | length)] | all(. as $i | $p[$i] > $p[$i - 1])')" true \
	"latency: percentiles rise"
is "$(printf '%s' "$L" | jq '[.percentiles[].us] as $v | [range(1; $v | length)] | all(. as $i | $v[$i] >= $v[$i - 1])')" true \
	"latency: values never fall"
is "$(printf '%s' "$L" | jq --argjson n "$(printf '%s' "$L" | jq .count)" \
	'[.percentiles[] | select(.p < 100) | (1 - .p / 100) * $n] | min >= 1')" true \
	"latency: no percentile but the max claims a tail with less than one request in it"
is "$(curl -s "$URL/api/runs/$RUN/latency?endpoint=users" | jq .count)" \
	"$(printf '%s' "$E" | jq '.endpoints[] | select(.name == "users") | .requests')" "latency?endpoint=users: that endpoint's"
is "$(http_status GET "$URL/api/runs/$RUN/latency?endpoint=nope")" 400 "latency of an unknown endpoint: 400"
is "$(http_status GET "$URL/api/runs/99999/latency")" 404 "latency of an unknown run: 404"

# from / to
is "$(curl -s "$URL/api/runs/$RUN/samples?from=1&to=3" | jq -c '[.samples[].second]')" '[1,2,3]' \
	"from=1&to=3: seconds 1..3"
is "$(curl -s "$URL/api/runs/$RUN/samples?from=1&to=3&step=2" | jq -c '[.samples[] | [.second, .seconds]]')" \
	'[[0,1],[2,2]]' "with step=2 the windows stay aligned and merge only the seconds asked for"

# CSV
curl -s -D "$SANDBOX/csv.h" -o "$SANDBOX/total.csv" "$URL/api/runs/$RUN/samples.csv"
like "$(cat "$SANDBOX/csv.h")" 'Content-Type: text/csv' "samples.csv is text/csv"
like "$(cat "$SANDBOX/csv.h")" "Content-Disposition: attachment; filename=\"run-$RUN-total.csv\"" \
	"as an attachment named after the run"
is "$(head -1 "$SANDBOX/total.csv" | tr -d '\r' | cut -d, -f1-3)" "second,requests,failures" "a header line"
is "$(tr -d '\r' <"$SANDBOX/total.csv" | awk -F, 'NR == 1 { print NF }')" 40 "40 columns (second and the 39 of a samples row)"
is "$(($(wc -l <"$SANDBOX/total.csv") - 1))" "$N" "one line per second"
is "$(tr -d '\r' <"$SANDBOX/total.csv" | awk -F, 'NR > 1 { print $2 }')" \
	"$(printf '%s' "$S1" | jq -r '.samples[].requests')" "the same numbers as the JSON"
curl -s -D "$SANDBOX/csv2.h" -o "$SANDBOX/users.csv" "$URL/api/runs/$RUN/samples.csv?endpoint=users&step=2"
like "$(cat "$SANDBOX/csv2.h")" "filename=\"run-$RUN-endpoint-2.csv\"" "an endpoint's CSV is named after it"
is "$(head -1 "$SANDBOX/users.csv" | tr -d '\r' | awk -F, '{ print $NF }')" seconds "with step, a seconds column"

# summary
is "$(printf '%s' "$SUM" | jq -S -c .)" "$(curl -s "$URL/api/runs/$RUN" | jq -S -c .summary)" \
	"GET summary is the document stored with the run"
is "$(printf '%s' "$SUM" | jq -c '[.metrics.http_reqs.values.count, (.root_group | type), (.state | type)]')" \
	"[$(printf '%s' "$E" | jq .total.requests),\"object\",\"object\"]" "k6 shape: metrics, root_group, state"
done_testing
