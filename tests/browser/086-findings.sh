#!/bin/sh
# A finished run's Findings panel in a real browser (issue 14): a ramp of VUs against a demo target
# with a capacity limit ends with findings (capacity, availability); the panel lists every finding of
# GET /api/runs/{id}/findings with its severity and sentence, red flags first.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
start_demo demo --capacity 4 --latency-ms 50
start_daemon --web-root "$WEB_ROOT"

RUN=$(curl -H 'Content-Type: application/json' -s -X POST "$URL/api/runs" -d "{\"definition\": {\"name\": \"findings panel\", \"baseUrl\": \"$DEMO_URL\",
	\"scenarios\": {\"ramp\": {\"executor\": \"ramping-vus\", \"startVUs\": 0, \"gracefulRampDown\": \"0s\",
	\"stages\": [{\"duration\": \"10s\", \"target\": 12}],
	\"tasks\": [{\"name\": \"user\", \"path\": \"/api/users/1\"}]}}}}" | jq .id)
for _ in $(seq 300); do
	st=$(curl -s "$URL/api/runs/$RUN" | jq -r .state)
	case $st in queued|running|stopping) sleep 0.1 ;; *) break ;; esac
done
[ "$st" = finished ] || bail "the run did not finish ($st)"
curl -s "$URL/api/runs/$RUN/findings" >"$SANDBOX/findings.json"
jq -c '.findings[] | {id, severity}' "$SANDBOX/findings.json" | sed 's/^/# /'

BASE=$URL SANDBOX=$SANDBOX RUN=$RUN node "$TOP_SRCDIR/tests/browser/findings.mjs"
