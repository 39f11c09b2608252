#!/bin/sh
# run.sh [SECONDS] [JOBS] [HARNESS]: build a libFuzzer harness with clang and fuzz it.
#
#   tests/fuzz/run.sh 600            # fuzz the definition parser for 10 minutes, one process
#   tests/fuzz/run.sh 600 4          # 4 processes (libFuzzer -fork)
#   tests/fuzz/run.sh 300 1 security # the security parsers (websocket head, origins, lists)
#   tests/fuzz/run.sh 300 1 promparse # the Prometheus text format parser (metrics/promparse.h)
#
# Needs clang with libFuzzer (Debian: clang-14 libclang-rt-14-dev). The whole library is built with
# -fsanitize=fuzzer-no-link,address,undefined in $FUZZ_BUILD (default: _build-fuzz at the top of the
# tree); the harness links it with -fsanitize=fuzzer. Seeds come from tests/fuzz/corpus/HARNESS/
# (never written to); new inputs go to $FUZZ_BUILD/corpus-HARNESS/, crashes to
# $FUZZ_BUILD/crashes-HARNESS/. Reproduce a crash with: $FUZZ_BUILD/fuzz_HARNESS CRASH-FILE.
# A crash fixed in the code gets its input added to tests/fuzz/corpus/HARNESS/ so that
# tests/integration/060-fuzz-corpus.sh replays it in every `make check`.
set -eu
SECS=${1:-60}
JOBS=${2:-1}
H=${3:-testdef}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${FUZZ_BUILD:-$TOP/_build-fuzz}
CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

command -v "$CC" >/dev/null || { echo "run.sh: $CC not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
[ -f "$TOP/tests/fuzz/fuzz_$H.c" ] || { echo "run.sh: no harness tests/fuzz/fuzz_$H.c" >&2; exit 2; }
mkdir -p "$B"
cd "$B"
if [ ! -f Makefile ]; then
	"$TOP/configure" -q CC="$CC" CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $SAN"
fi
make -s -j"$(nproc)" librampage.a
DEP_LIBS=$(printf 'print-dep-libs:\n\t@echo $(DEP_LIBS)\n' | make -s -f Makefile -f - print-dep-libs 2>/dev/null | tail -1)
"$CC" -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer $SAN -I"$TOP/daemon" -I"$B" \
	-o "fuzz_$H" "$TOP/tests/fuzz/fuzz_$H.c" librampage.a $DEP_LIBS -pthread
mkdir -p "corpus-$H" "crashes-$H"
DICT=""
[ -f "$TOP/tests/fuzz/$H.dict" ] && DICT="-dict=$TOP/tests/fuzz/$H.dict"
echo "fuzzing $H for $SECS s with $JOBS job(s); new inputs in $B/corpus-$H, crashes in $B/crashes-$H/"
# -rss_limit_mb: a definition may ask for big allocations legitimately (1 MiB bodies, many tasks).
exec "./fuzz_$H" -max_total_time="$SECS" -fork="$JOBS" -ignore_crashes=1 -max_len=16384 \
	-timeout=10 -rss_limit_mb=4096 -print_final_stats=1 $DICT -artifact_prefix="crashes-$H/" \
	"corpus-$H" "$TOP/tests/fuzz/corpus/$H"
