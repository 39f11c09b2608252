#!/bin/sh
# On a terminal (stderr a TTY, emulated with script(1)) a progress line is redrawn in place each
# second: elapsed/total, VUs, req/s, p95, errors; --quiet and a non-TTY stderr show none.
. "$TOP_SRCDIR/tests/integration/lib.sh"
command -v script >/dev/null || { echo "1..0 # SKIP script(1) (util-linux) is missing"; exit 0; }
start_demo demo

cmd="'$RAMPAGE' run --url '$DEMO_URL/api/health' -c 1 -d 2s 2>&1 >/dev/null"
script -qec "$cmd" /dev/null >"$SANDBOX/tty" 2>&1
ok $? "runs under a pseudo-terminal"
tty=$(tr '\r' '\n' <"$SANDBOX/tty")
like "$tty" '^  1s/2s  vus 1/1  [0-9]+\.[0-9] req/s  p95 [0-9.]+(ns|µs|ms|s)  errors 0\.00%' \
	"a progress line after the first second"
like "$tty" '^  2s/2s  vus' "and after the second"
n=$(printf '%s' "$tty" | grep -c 'req/s')
ok $([ "$n" -ge 2 ]; echo $?) "redrawn each second ($n lines)"
grep -q "$(printf '\033\\[K')" "$SANDBOX/tty"; ok $? "each redraw erases the rest of the line"

script -qec "'$RAMPAGE' run --url '$DEMO_URL/api/health' -c 1 -d 1s -q 2>&1 >/dev/null" /dev/null >"$SANDBOX/q" 2>&1
grep -q 'req/s' "$SANDBOX/q"; ok $([ $? -ne 0 ]; echo $?) "--quiet: no progress line on a terminal"
"$RAMPAGE" run --url "$DEMO_URL/api/health" -c 1 -d 1s 2>"$SANDBOX/err" >/dev/null
grep -q 'req/s' "$SANDBOX/err"; ok $([ $? -ne 0 ]; echo $?) "no progress line when stderr is not a terminal"
done_testing
