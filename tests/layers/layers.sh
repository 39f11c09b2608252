#!/bin/sh
# The include graph of daemon/ against the layer order (tests/layers/check-layers.py says which).
# First a made-up tree with an upward include and a mutual one, to show the checker catches both;
# then the real tree.
set -u
: "${TOP_SRCDIR:?TOP_SRCDIR must be set (make check sets it)}"
check="$TOP_SRCDIR/tests/layers/check-layers.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rampage-layers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "1..4"

mkdir -p "$tmp/daemon/core" "$tmp/daemon/engine"
printf '#include "engine/vu.h"\n' > "$tmp/daemon/core/log.c"
printf '#include "engine/b.h"\n' > "$tmp/daemon/engine/a.c"
printf '#include "engine/a.h"\n' > "$tmp/daemon/engine/b.c"
out=$(python3 "$check" "$tmp" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -q 'daemon/core/log.c: #include "engine/vu.h": core may not include engine'; then
	echo "ok 1 - an upward include is caught"; else echo "not ok 1 - an upward include is caught"; echo "$out" | sed 's/^/#   /'; fi
if echo "$out" | grep -q 'engine/a and engine/b include each other'; then
	echo "ok 2 - two modules including each other are caught"; else echo "not ok 2 - two modules including each other are caught"; fi

out=$(python3 "$check" "$TOP_SRCDIR" 2>&1); rc=$?
if [ "$rc" -eq 0 ]; then echo "ok 3 - daemon/ includes point down the layers"; else
	echo "not ok 3 - daemon/ includes point down the layers"; echo "$out" | sed 's/^/#   /'; fi
n=$(find "$TOP_SRCDIR/daemon" -name '*.[ch]' | wc -l)
if [ "$n" -gt 50 ]; then echo "ok 4 - and the real tree was read ($n files)"; else echo "not ok 4 - the real tree was read ($n files)"; fi
