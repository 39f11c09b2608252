// Rampage dashboard: the page's entry point. A hash router (#/tests, #/tests/new,
// #/tests/12, #/tests/12/edit, #/runs, #/runs/34, #/schedules, #/agents) mounts one view at a time into <main>; each view
// is a function (main, params) that may return a cleanup function (close subscriptions, timers,
// charts). The header holds the live connection state and the API token form; a 401 from any call
// opens that form with an explanation.
import { getToken, setToken } from "./js/api.js";
import * as live from "./js/live.js";
import { banner, fill, h, leaveGuard } from "./js/dom.js";
import { chartsLoaded } from "./js/charts.js";
import { testsView } from "./js/view-tests.js";
import { editView } from "./js/view-edit.js";
import { testView } from "./js/view-test.js";
import { runsView } from "./js/view-runs.js";
import { runView } from "./js/view-run.js";
import { compareView } from "./js/view-compare.js";
import { schedulesView } from "./js/schedules.js";
import { agentsView } from "./js/view-agents.js";

const routes = [
  [/^#?\/?$/, () => testsView, "tests"],
  [/^#\/tests$/, () => testsView, "tests"],
  [/^#\/tests\/new$/, () => editView, "new"],
  [/^#\/tests\/(\d+)\/edit$/, () => editView, "tests"],
  [/^#\/tests\/(\d+)$/, () => testView, "tests"],
  [/^#\/runs$/, () => runsView, "runs"],
  [/^#\/runs\/(\d+)$/, () => runView, "runs"],
  [/^#\/runs\/(\d+)\/compare\/(\d+)$/, () => (main, id, to) => compareView(main, id, to), "runs"],
  [/^#\/runs\/(\d+)\/compare\/baseline$/, () => (main, id) => compareView(main, id, "baseline"), "runs"],
  [/^#\/runs\/(\d+)\/compare\/previous$/, () => (main, id) => compareView(main, id, "previous"), "runs"],
  [/^#\/schedules$/, () => schedulesView, "schedules"],
  [/^#\/agents$/, () => agentsView, "agents"],
];

const main = document.getElementById("main");
let cleanup = null;
// A banner kept on every page (route() clears the others): the chart library did not load.
const standing = chartsLoaded ? null
  : "The chart library is missing (vendor/uPlot.esm.js): serve the web root that make assembles (webroot/ in the build folder), not web/.";

// Marks each .table-wrap whose table is wider than the frame (class "scrolls": app.css draws the
// cue), as tables fill and windows resize.
const wrapSizes = new ResizeObserver((entries) => {
  for (const e of entries) {
    const w = e.target.closest(".table-wrap");
    if (w) w.classList.toggle("scrolls", w.scrollWidth > w.clientWidth + 1);
  }
});
new MutationObserver(() => {
  for (const w of main.querySelectorAll(".table-wrap:not([data-watched])")) {
    w.dataset.watched = "";
    wrapSizes.observe(w);
    if (w.firstElementChild) wrapSizes.observe(w.firstElementChild);
  }
}).observe(main, { childList: true, subtree: true });

let mounted = null;   // the hash of the mounted view

// Asks the mounted view whether it may be left; false keeps it (and puts its address back).
function mayLeave() {
  const why = leaveGuard.check ? leaveGuard.check() : null;
  if (!why || confirm(why + "\n\nLeave this page and lose them?")) return true;
  history.replaceState(null, "", mounted);   // no hashchange: the view stays as it is
  return false;
}

window.addEventListener("beforeunload", (ev) => {
  if (leaveGuard.check && leaveGuard.check()) { ev.preventDefault(); ev.returnValue = ""; }
});

function route() {
  if (mounted !== null && !mayLeave()) return;   // also a re-render of the same page (a new token)
  leaveGuard.check = null;
  mounted = location.hash;
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  banner(standing);
  const hash = location.hash || "#/tests";
  for (const [re, view, nav] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    for (const a of document.querySelectorAll("[data-nav]"))
      a.toggleAttribute("aria-current", a.dataset.nav === nav);
    main.replaceChildren();
    const params = m.slice(1).map(Number);
    Promise.resolve(view()(main, ...params)).then((c) => { cleanup = c || null; },
      (err) => { console.error(err); fill(main, h("p", { class: "error" }, String(err.message || err))); });
    return;
  }
  fill(main, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/tests" }, "Back to the tests")));
}

function setupAuth() {
  const details = document.getElementById("auth");
  const form = document.getElementById("auth-form");
  const input = document.getElementById("auth-token");
  const stateEl = document.getElementById("auth-state");
  const show = () => {
    const t = getToken();
    stateEl.textContent = t ? `A token is saved (…${t.slice(-4)}).` : "No token saved.";
    details.querySelector("summary").textContent = t ? "API token ✓" : "API token";
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    setToken(input.value.trim());
    input.value = "";
    show();
    banner(null);
    live.reconnect();
    route();
  });
  document.getElementById("auth-clear").addEventListener("click", () => {
    setToken("");
    show();
    live.reconnect();
  });
  window.addEventListener("rampage:unauthorized", (ev) => {
    const had = getToken() !== "";
    banner(had
      ? `The daemon refused the saved API token (401 on ${ev.detail.method} ${ev.detail.path}): enter a valid token under “API token”.`
      : `This daemon requires an API token for ${ev.detail.method} ${ev.detail.path} (401 unauthorized): enter one under “API token” (the daemon's [security] api_tokens or token_file).`);
    details.open = true;
    input.focus();
  });
  show();
}

function setupLive() {
  const el = document.getElementById("live-state");
  live.onStatus((s, detail) => {
    el.textContent = "live: " + (s === "open" ? "connected" : s) + (detail ? ` (${detail})` : "");
    el.className = "pill " + (s === "open" ? "ok" : s === "closed" ? "bad" : "");
  });
  live.start();
}

setupAuth();
setupLive();
window.addEventListener("hashchange", route);
route();
