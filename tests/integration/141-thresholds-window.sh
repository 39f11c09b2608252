#!/bin/sh
# 141: sliding-window thresholds (beyond k6). A steady scenario runs 8 s; a second one starts at 5 s
# and hits ?status=500 for 3 s. Over the whole run fewer than 20% of requests fail, so k6's
# whole-run `rate<0.2` passes, but every 2-second window inside the burst is above 20%, so
# `rate<0.2 over 2s` fails the run (exit 99) and names the window where it first broke.
. "$TOP_SRCDIR/tests/integration/lib.sh"

"$RAMPAGE" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP rampage run is not available"; exit 0; }
start_demo demo

def() { # def THRESHOLDS-JSON
	cat <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": {
    "steady": { "executor": "constant-vus", "vus": 8, "duration": "8s",
                "tasks": [ { "name": "ok", "path": "/api/health?delay_ms=5" } ] },
    "burst": { "executor": "constant-vus", "vus": 3, "duration": "3s", "startTime": "5s",
               "tasks": [ { "name": "crash", "path": "/api/health?status=500&delay_ms=5" } ] } },
  "thresholds": $1 }
JSON
}

def '{ "http_req_failed": ["rate<0.2"] }' >"$SANDBOX/whole.json"
"$RAMPAGE" run "$SANDBOX/whole.json" --quiet --out summary="$SANDBOX/whole-s.json" >"$SANDBOX/whole.out" 2>&1
is "$?" 0 "whole-run rate<0.2 passes: the burst is diluted by the run"
rate=$(jq '.metrics.http_req_failed.values.rate' "$SANDBOX/whole-s.json")
ok "$(echo "$rate" | awk '{ exit !($1 > 0.05 && $1 < 0.2) }'; echo $?)" "whole-run failure rate is between 5% and 20% ($rate)"

def '{ "http_req_failed": ["rate<0.2", "rate<0.2 over 2s"] }' >"$SANDBOX/win.json"
"$RAMPAGE" run "$SANDBOX/win.json" --quiet --out summary="$SANDBOX/win-s.json" >"$SANDBOX/win.out" 2>&1
is "$?" 99 "rate<0.2 over 2s fails the same run: exit 99"
S="$SANDBOX/win-s.json"
is "$(jq '.metrics.http_req_failed.thresholds["rate<0.2"].ok' "$S")" true "export: whole-run rate<0.2 ok"
is "$(jq '.metrics.http_req_failed.thresholds["rate<0.2 over 2s"].ok' "$S")" false "export: rate<0.2 over 2s not ok"
start=$(jq '.rampage.thresholds[] | select(.source == "rate<0.2 over 2s") | .failed_window_start' "$S")
ok "$([ "$start" -ge 4 ] && [ "$start" -le 7 ] && echo 0 || echo 1)" \
	"the first failing window starts when the burst does (second $start, burst from 5)"
value=$(jq '.rampage.thresholds[] | select(.source == "rate<0.2 over 2s") | .value' "$S")
ok "$(echo "$value" | awk '{ exit !($1 >= 0.2) }'; echo $?)" "the failing window's rate is at least 20% ($value)"
is "$(jq '.rampage.thresholds[] | select(.source == "rate<0.2 over 2s") | .window_s' "$S")" 2 "window_s 2"
like "$(cat "$SANDBOX/win.out")" "✗ 'rate<0.2 over 2s' rate=[0-9.]+% \(window [0-9]+s-[0-9]+s\)" \
	"text: ✗ with the failing window's rate and seconds"
like "$(cat "$SANDBOX/win.out")" "✓ 'rate<0.2' rate=" "text: ✓ for the whole-run threshold"
done_testing
