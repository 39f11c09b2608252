#!/bin/sh
# The fuzzers' seed and regression corpora (tests/fuzz/corpus/), replayed through the harnesses
# built with the normal compiler (tests/fuzz/replay_*: no clang needed). In the --enable-debug
# build this runs under ASan and UBSan, so a crash, a leak, undefined behaviour or a broken
# invariant (a plan and errors, or neither) in any input fails here. Fuzzing itself:
# tests/fuzz/run.sh.
. "$TOP_SRCDIR/tests/integration/lib.sh"

for h in testdef security promparse; do
	dir="$TOP_SRCDIR/tests/fuzz/corpus/$h"
	replay="$TOP_BUILDDIR/tests/fuzz/replay_$h"
	n=$(ls "$dir" | wc -l)
	ok $([ "$n" -ge 10 ]; echo $?) "the $h corpus has inputs ($n)"
	"$replay" "$dir"/* >"$SANDBOX/$h.out" 2>&1
	st=$?
	is "$st" 0 "every $h input replays without a crash, leak or broken invariant"
	[ "$st" -eq 0 ] || tail -20 "$SANDBOX/$h.out" | sed 's/^/# /'
	is "$(grep -c '^ok ' "$SANDBOX/$h.out")" "$n" "all $n $h inputs ran to the end"
done

# The examples shipped in etc/examples/ (the seeds of the testdef corpus) as they are today.
n=$(ls "$TOP_SRCDIR"/etc/examples/*.json | wc -l)
"$TOP_BUILDDIR/tests/fuzz/replay_testdef" "$TOP_SRCDIR"/etc/examples/*.json >"$SANDBOX/ex.out" 2>&1
is "$?" 0 "the $n examples of etc/examples replay cleanly"
is "$(grep -c '^ok ' "$SANDBOX/ex.out")" "$n" "all of them"
done_testing
