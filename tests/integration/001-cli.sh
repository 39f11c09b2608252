#!/bin/sh
# The command line: dispatch, usage errors and exit codes.
. "$TOP_SRCDIR/tests/integration/lib.sh"

out=$("$RAMPAGE" version); ok $? "version exits 0"
like "$out" '^rampage [0-9]+\.[0-9]+\.[0-9]+' "version prints the version"

"$RAMPAGE" >/dev/null 2>&1; is $? 2 "no command exits 2"
err=$("$RAMPAGE" frobnicate 2>&1); is $? 2 "an unknown command exits 2"
like "$err" 'unknown command "frobnicate"' "and names it"

out=$("$RAMPAGE" help); ok $? "help exits 0"
like "$out" 'serve' "help lists serve"
like "$out" 'demo-target' "help lists demo-target"

err=$("$RAMPAGE" serve --bogus 2>&1); is $? 2 "an unknown serve flag exits 2"
done_testing
