# lib.sh: what the browser tests need besides tests/integration/lib.sh (sourced after it).
# WEB_ROOT: the dashboard as make assembles it in the build tree (the files of web/, the chart
# library and the examples); a browser test starts its daemon with `start_daemon --web-root "$WEB_ROOT"`.
: "${WEB_ROOT:=${TOP_BUILDDIR:-$(dirname "$RAMPAGE")}/webroot}"

# browser_prereqs: Chromium, node, playwright-core and the assembled web root must be there; a
# missing one fails the test with what to run (never a skip: CI must not pass without them).
browser_prereqs() {
	: "${RAMPAGE_NODE_MODULES:=$TOP_SRCDIR/tests/node/node_modules}"
	export RAMPAGE_NODE_MODULES PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 TOP_BUILDDIR
	[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
		bail "${CHROMIUM:-/usr/bin/chromium} is missing: apt-get install chromium (./bootstrap installs it)"
	command -v node >/dev/null 2>&1 || bail "node is missing: apt-get install nodejs (./bootstrap installs it)"
	[ -f "$RAMPAGE_NODE_MODULES/playwright-core/package.json" ] ||
		bail "playwright-core is not in $RAMPAGE_NODE_MODULES: run npm ci --prefix tests/node (./bootstrap does)"
	[ -f "$WEB_ROOT/index.html" ] && [ -f "$WEB_ROOT/vendor/uPlot.esm.js" ] ||
		bail "$WEB_ROOT is not a complete web root: run make (and npm ci --prefix web before it)"
}
