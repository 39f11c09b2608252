// testhook: what the browser tests read of a page that is not on screen (the seconds the charts
// hold, their redraw times) and the calls they make (redraw, read again at a step). A page installs
// it as window.rampageDebug only when the test harness asked before the page loaded, by setting
// window.rampageTestHooks (tests/browser/lib.mjs, with Playwright's addInitScript): a production
// page has no rampageDebug.

// Installs `hooks` as window.rampageDebug if the tests asked for it.
export function exposeForTests(hooks) {
  if (window.rampageTestHooks === true) window.rampageDebug = hooks;
}
