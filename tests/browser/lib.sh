# lib.sh: what the browser tests need besides tests/integration/lib.sh (sourced after it).
# browser_prereqs: Chromium, node, playwright-core and the dashboard's chart library must be there;
# a missing one fails the test with what to run (never a skip: CI must not pass without them).
browser_prereqs() {
	: "${RAMPAGE_NODE_MODULES:=$TOP_SRCDIR/tests/node/node_modules}"
	export RAMPAGE_NODE_MODULES PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 TOP_BUILDDIR
	[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
		bail "${CHROMIUM:-/usr/bin/chromium} is missing: apt-get install chromium (./bootstrap installs it)"
	command -v node >/dev/null 2>&1 || bail "node is missing: apt-get install nodejs (./bootstrap installs it)"
	[ -f "$RAMPAGE_NODE_MODULES/playwright-core/package.json" ] ||
		bail "playwright-core is not in $RAMPAGE_NODE_MODULES: run npm ci --prefix tests/node (./bootstrap does)"
	[ -f "$TOP_SRCDIR/web/vendor/uPlot.iife.min.js" ] ||
		bail "web/vendor/uPlot.iife.min.js is missing: run npm ci --prefix web, then make"
}
