#!/bin/sh
# web/js/shape.js (the target and load shape shown on the run and test pages), in node.
command -v node >/dev/null 2>&1 || { echo "Bail out! node is missing: apt-get install nodejs (./bootstrap installs it)"; exit 1; }
exec node "$TOP_SRCDIR/tests/web/shape.mjs"
