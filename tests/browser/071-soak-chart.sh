#!/bin/sh
# An 8-hour run's charts in a real browser: bench/bench_run_store writes a synthetic 8-hour run
# (28,800 seconds, 2 endpoints) through the daemon's own store jobs; the dashboard must load it with
# server-side downsampling (`step`) and redraw it quickly. Prints the redraw times it measured; it
# asserts no wall-clock bound (timing goals live in docs, not in tests), only that a downsampled
# redraw costs less than one at full resolution, measured in the same run.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/browser/lib.sh"

browser_prereqs
BENCH="$TOP_BUILDDIR/bench/bench_run_store"
[ -x "$BENCH" ] || bail "$BENCH is missing (make check builds it)"
"$BENCH" "$SANDBOX/soak.db" 8 2 200 >"$SANDBOX/bench.log" 2>&1 || { cat "$SANDBOX/bench.log" >&2; bail "bench_run_store failed"; }
start_daemon --web-root "$WEB_ROOT" --db "$SANDBOX/soak.db"

BASE=$URL SANDBOX=$SANDBOX node "$TOP_SRCDIR/tests/browser/soak-chart.mjs"
