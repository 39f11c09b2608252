#!/bin/sh
# 175: the reports a run leaves. `rampage run --summary-export` writes k6's flattened document, read
# here by the same jq paths as k6's file (metrics.<name>["p(95)"], metrics.http_req_failed.value,
# root_group.checks["<name>"], thresholds true when they FAILED: k6 issue #1498); `--out summary=`
# writes the full handleSummary()-shaped document with the opposite {"ok": bool}. `--out junit=` and
# GET /api/runs/{id}/junit.xml write JUnit XML that validates against the Ant-format schema
# (tests/junit/JUnit.xsd, xmllint): a test case per threshold and per check, failures where they failed.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

# 100 iterations of two requests: one answered 200, one 500. Half the requests fail, half the
# checks fail; rate<0.01 on http_req_failed fails, p(95)<5000 holds.
cat >"$SANDBOX/t.json" <<JSON
{ "name": "reports", "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "shared-iterations", "vus": 2, "iterations": 100,
    "tasks": [ { "name": "pair", "steps": [
      { "name": "ok", "path": "/api/health", "checks": [ { "status": 200, "name": "ok is 200" } ] },
      { "name": "broken", "path": "/api/health?status=500",
        "checks": [ { "status": 200, "name": "broken is 200" } ] } ] } ] } },
  "thresholds": { "http_req_failed": ["rate<0.01"], "http_req_duration": ["p(95)<5000"],
                  "checks": ["rate>0.2"] } }
JSON
"$RAMPAGE" run "$SANDBOX/t.json" -q --summary-export "$SANDBOX/k6.json" --out summary="$SANDBOX/rich.json" \
	--out junit="$SANDBOX/junit.xml" --out html="$SANDBOX/report.html" >"$SANDBOX/run.out" 2>&1
is "$?" 99 "a failed threshold: exit 99"

K="$SANDBOX/k6.json"
is "$(jq -c 'keys' "$K")" '["metrics","root_group"]' "k6 export: root_group and metrics only, as k6's file"
is "$(jq '.metrics.http_reqs.count' "$K")" 200 "metrics.http_reqs.count"
is "$(jq '.metrics.http_req_duration["p(95)"] | type' "$K")" '"number"' 'metrics.http_req_duration["p(95)"] is a number'
is "$(jq '.metrics.http_req_duration | has("values") or has("type")' "$K")" false "metrics are flattened: no values/type"
is "$(jq '.metrics.http_req_failed.value' "$K")" 0.5 "metrics.http_req_failed.value (k6 renames a rate's rate)"
is "$(jq -c '.metrics.http_req_failed | [.passes, .fails, has("rate")]' "$K")" '[100,100,false]' \
	"http_req_failed passes (the failed requests) and fails; no rate key"
is "$(jq -c '.metrics.checks | [.passes, .fails, .value]' "$K")" '[100,100,0.5]' "metrics.checks passes/fails/value"
is "$(jq -c '.root_group.checks["ok is 200"] | [.passes, .fails, .path]' "$K")" '[100,0,"::ok is 200"]' \
	'root_group.checks["ok is 200"], keyed by name as in k6'
is "$(jq -c '.root_group.checks["broken is 200"] | [.passes, .fails]' "$K")" '[0,100]' 'root_group.checks["broken is 200"]'
is "$(jq -c '.root_group | [.id, (.groups | type)]' "$K")" '["d41d8cd98f00b204e9800998ecf8427e","object"]' \
	"root_group id (MD5 of the empty path) and groups as an object"
is "$(jq '.metrics.http_req_failed.thresholds["rate<0.01"]' "$K")" true "k6 quirk: a FAILED threshold is true"
is "$(jq '.metrics.http_req_duration.thresholds["p(95)<5000"]' "$K")" false "k6 quirk: a threshold that held is false"
is "$(jq '.metrics.checks.thresholds["rate>0.2"]' "$K")" false "checks rate>0.2 held: false"
is "$(jq '.metrics.vus | has("value") and has("min") and has("max")' "$K")" true "a gauge: value, min, max"

R="$SANDBOX/rich.json"
is "$(jq -c 'keys' "$R")" '["findings","metrics","options","rampage","root_group","state"]' "--out summary=: the full document (with the findings)"
is "$(jq '.metrics.http_req_failed.values.rate' "$R")" 0.5 "full summary: values.rate"
is "$(jq '.metrics.http_req_failed.thresholds["rate<0.01"].ok' "$R")" false "full summary: ok=false for the failed one"
is "$(jq '.root_group.checks | type' "$R")" '"array"' "full summary: checks as an array (handleSummary)"
is "$(jq '.rampage.endpoints | length' "$R")" 2 "full summary: Rampage's endpoints"

# JUnit XML: valid against the Ant-format schema; the test cases and failures of the run.
XSD="$TOP_SRCDIR/tests/junit/JUnit.xsd"
# junit FILE: the suite's counts and each case as "classname|name|failure message" (xmllint --xpath)
junit() {
	printf '%s %s %s\n' "$(xmllint --xpath 'string(/testsuite/@tests)' "$1")" \
		"$(xmllint --xpath 'string(/testsuite/@failures)' "$1")" "$(xmllint --xpath 'string(/testsuite/@name)' "$1")"
	n=$(xmllint --xpath 'count(/testsuite/testcase)' "$1")
	for i in $(seq "$n"); do
		printf '%s|%s|%s\n' "$(xmllint --xpath "string(/testsuite/testcase[$i]/@classname)" "$1")" \
			"$(xmllint --xpath "string(/testsuite/testcase[$i]/@name)" "$1")" \
			"$(xmllint --xpath "string(/testsuite/testcase[$i]/failure/@message)" "$1")"
	done
}
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout --schema "$XSD" "$SANDBOX/junit.xml" 2>"$SANDBOX/xmllint.err"
	is "$?" 0 "--out junit=: valid against the Ant JUnit schema"
	J=$(junit "$SANDBOX/junit.xml")
	like "$J" "^5 2 reports$" "one suite named after the test: 5 cases (3 thresholds, 2 checks), 2 failed"
	like "$J" "thresholds.http_req_failed\|rate<0.01\|http_req_failed rate<0.01 failed: observed rate=0.5" \
		"the failed threshold: its expression, the observed value in the failure message"
	like "$J" "thresholds.http_req_duration\|p\(95\)<5000\|
" "the threshold that held: no failure"
	like "$J" "thresholds.checks\|rate>0.2\|
" "checks rate>0.2 held"
	like "$J" "checks\|ok is 200\|
" "a check that always passed: no failure"
	like "$J" "checks\|broken is 200\|0.00% passed \(0 of 100; 100 failed\)" "a failing check with its pass rate"
	like "$(cat "$SANDBOX/junit.xml")" "check ok is 200: 100.00% passed \(100 of 100; 0 failed\)" \
		"system-out gives every case's figures"
	# The schema is not a formality: a document without the required properties element fails it.
	sed '/<properties>/,/<\/properties>/d' "$SANDBOX/junit.xml" >"$SANDBOX/bad.xml"
	xmllint --noout --schema "$XSD" "$SANDBOX/bad.xml" 2>/dev/null
	isnt_zero=$?
	is "$([ "$isnt_zero" -ne 0 ] && echo refused)" refused "the schema refuses a document it should"
else
	echo "ok $((tap_n + 1)) # SKIP xmllint (libxml2-utils) is not installed"; tap_n=$((tap_n + 1))
fi

# The HTML report: one self-contained file (no script, style or image fetched from anywhere).
# selfcontained FILE: prints the src/href attributes that point outside the file
selfcontained() { grep -Eo '(src|href)=["'"'"']?[^"'"'"' >]+' "$1" | grep -Ev '(src|href)=["'"'"']?#' || true; }
H="$SANDBOX/report.html"
like "$(head -c 200 "$H")" '^<!DOCTYPE html>' "--out html=: an HTML document"
is "$(selfcontained "$H")" "" "no src or href attribute: scripts, styles and uPlot inlined"
is "$(grep -c '<script[^>]*src=\|<link' "$H")" 0 "no external script or stylesheet"
like "$(grep -o 'function uPlot(' "$H" | head -1)" 'function uPlot\(' "the chart library is inlined"
D=$(sed -n 's/.*<script type="application\/json" id="report-data">\(.*\)<\/script>.*/\1/p' "$H")
is "$(printf '%s' "$D" | jq -c '[.run.state, .run.verdict, .summary.metrics.http_reqs.values.count, (.series.t | length > 0), .definition.name]')" \
	'["failed","failed",200,true,"reports"]' "the report's data: state, verdict, summary, per-second series, definition"

# A run in the daemon: GET /api/runs/{id}/junit.xml from the stored summary.
start_daemon
ID=$(curl -s -H 'Content-Type: application/json' -X POST "$URL/api/runs" -d "{\"definition\": $(jq -c '.scenarios.s.iterations = 40' "$SANDBOX/t.json")}" | jq .id)
like "$ID" '^[0-9]+$' "a daemon run starts"
C=$(http_status GET "$URL/api/runs/$ID/junit.xml")
like "$C" '^(409|200)$' "junit.xml before the end: 409 (or 200 if it already ended)"
for _ in $(seq 400); do
	st=$(curl -s "$URL/api/runs/$ID" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
curl -s -D "$SANDBOX/h" -o "$SANDBOX/api.xml" "$URL/api/runs/$ID/junit.xml"
like "$(cat "$SANDBOX/h")" "HTTP/1.1 200" "GET /api/runs/{id}/junit.xml: 200"
like "$(cat "$SANDBOX/h")" "Content-Type: application/xml" "labelled XML"
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout --schema "$XSD" "$SANDBOX/api.xml" 2>/dev/null
	is "$?" 0 "the API's JUnit XML is valid against the schema"
	J=$(junit "$SANDBOX/api.xml")
	like "$J" "^5 2 reports$" "the same cases and failures as the CLI's"
	like "$J" "checks\|broken is 200\|0.00% passed \(0 of 40; 40 failed\)" "the daemon run's check figures"
	is "$(xmllint --xpath 'string(//property[@name="rampage.run_id"]/@value)' "$SANDBOX/api.xml")" "$ID" \
		"the run's id as a property"
fi
# GET /api/runs/{id}/report.html: the same self-contained report, from the stored run and seconds.
curl -s -D "$SANDBOX/rh" -o "$SANDBOX/api.html" "$URL/api/runs/$ID/report.html"
like "$(cat "$SANDBOX/rh")" "HTTP/1.1 200" "GET /api/runs/{id}/report.html: 200"
like "$(cat "$SANDBOX/rh")" "Content-Type: text/html" "labelled HTML"
is "$(selfcontained "$SANDBOX/api.html")" "" "the API's report is self-contained too"
D=$(sed -n 's/.*<script type="application\/json" id="report-data">\(.*\)<\/script>.*/\1/p' "$SANDBOX/api.html")
is "$(printf '%s' "$D" | jq -c '[.run.id, .run.state, .summary.metrics.http_reqs.values.count, .definition.name, .series.step]')" \
	"[$ID,\"failed\",80,\"reports\",1]" "its data: the run, its summary and definition, one point per second"
is "$(printf '%s' "$D" | jq '[.series.rps[]] | add')" 80 \
	"the stored seconds are in the series: their requests add up to the run's 80"
is "$(printf '%s' "$D" | jq '(.series.t | length) == (.series.rps | length) and (.series.p95 | length) == (.series.vus | length)')" true \
	"every series has a value per point"
is "$(http_status GET "$URL/api/runs/999/report.html")" 404 "report.html of no run: 404"
is "$(http_status GET "$URL/api/runs/999/junit.xml")" 404 "junit.xml of no run: 404"
is "$(http_status GET "$URL/api/runs/$ID/junit.xml?x=1")" 400 "an unknown parameter: 400"

# For Prometheus and Grafana users: the example scrape configuration and alerting rules pass promtool;
# every metric the Grafana dashboard and the rules query is one the daemon's /metrics declares.
ETC="$TOP_SRCDIR/etc"
if command -v promtool >/dev/null 2>&1; then
	promtool check config "$ETC/prometheus/prometheus.yml" >"$SANDBOX/promtool.out" 2>&1
	is "$?" 0 "promtool check config etc/prometheus/prometheus.yml"
	promtool check rules "$ETC/prometheus/rampage-alerts.yml" >>"$SANDBOX/promtool.out" 2>&1
	is "$?" 0 "promtool check rules etc/prometheus/rampage-alerts.yml"
else
	echo "ok $((tap_n + 1)) # SKIP promtool (Debian's prometheus package) is not installed"; tap_n=$((tap_n + 1))
fi
G="$ETC/grafana/rampage-dashboard.json"
is "$(jq -r '[.panels[].title] | join("|")' "$G")" \
	"Requests/s by endpoint|Latency percentiles|Failed requests/s (no answer, 4xx, 5xx)|Error rate|Virtual users|Checks/s|Runs by state|Daemon: queue and live clients" \
	"the Grafana dashboard's panels"
declared=$(curl -s "$URL/metrics" | sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' | sort -u)
used=$( (jq -r '.panels[].targets[].expr, .templating.list[].definition' "$G"; cat "$ETC/prometheus/rampage-alerts.yml") |
	grep -o 'rampage_[a-z_]*' | sed 's/_bucket$//' | sort -u)
unknown=$(printf '%s\n' "$used" | while read -r m; do printf '%s\n' "$declared" | grep -qx "$m" || echo "$m"; done)
is "$unknown" "" "every metric queried is declared by /metrics ($(printf '%s\n' "$used" | wc -l) names)"

# Usage: an end-of-run --out without a path is refused.
err=$("$RAMPAGE" run "$SANDBOX/t.json" -q --out summary= 2>&1); is $? 2 "--out summary= without a path exits 2"
like "$err" "--out summary=: expected a PATH" "the error names the option"

done_testing
