// view-tests (#/tests): every saved test with its last run (state, p95, throughput) and a trend of
// its recent runs, and the queue (runs running and waiting), kept current by the `runs` topic.
import { get, del } from "./api.js";
import { h, fill, timeEl, stateBadge, banner } from "./dom.js";
import { rps, us, pct, count, errorText, dur } from "./fmt.js";
import { sparkline } from "./charts.js";
import { runBadge } from "./run-state.js";
import * as live from "./live.js";
import { nextFireByTest } from "./schedules.js";

export function testsView(main) {
  const list = h("div", { id: "tests-list" }, h("p", { class: "muted" }, "Loading…"));
  const queue = h("div", { id: "queue" });
  const sparks = [];
  let timer = null;

  async function loadTests() {
    let tests, fires = new Map();
    try {
      [tests, fires] = await Promise.all([get("/api/tests").then((r) => r.tests),
        nextFireByTest().catch(() => new Map())]);
    } catch (err) {
      fill(list, h("p", { class: "error" }, "Cannot list the tests: " + errorText(err)));
      return;
    }
    for (const s of sparks.splice(0)) s.destroy();
    if (tests.length === 0) {
      fill(list, h("div", { class: "empty" },
        h("p", {}, "No tests yet."),
        h("p", {}, h("a", { class: "button primary", href: "#/tests/new" }, "Create a test"),
          " from an example (the demo target's smoke test is a good first one).")));
      return;
    }
    const rows = tests.map((t) => {
      const last = t.last_run;
      const st = last && last.stats;
      const recent = [...(t.recent || [])].reverse().filter((r) => r.stats);
      const rpsCell = h("div", { class: "spark" });
      const p95Cell = h("div", { class: "spark" });
      const tr = h("tr", { dataset: { test: t.id } },
        h("th", { scope: "row" }, h("a", { href: "#/tests/" + t.id }, t.name),
          fires.has(t.id) ? h("div", { class: "muted small scheduled", title: "scheduled" }, "⏱ ",
            fires.get(t.id).iso ? "next " + fires.get(t.id).iso.replace("T", " ").slice(0, 16) : "paused") : null),
        h("td", { class: "num" }, count(t.runs)),
        h("td", {}, last ? h("a", { href: "#/runs/" + last.id }, runBadge(last)) : h("span", { class: "muted" }, "never run"),
          last ? h("div", { class: "muted small" }, timeEl(last.started_ms || last.queued_ms)) : null),
        h("td", { class: "num" }, st ? us(st.p95_us) : "–"),
        h("td", { class: "num" }, st ? rps(st.rps) : "–"),
        h("td", { class: "num" }, st ? pct(st.error_rate) : "–"),
        h("td", {}, rpsCell),
        h("td", {}, p95Cell),
        h("td", { class: "actions" },
          h("a", { class: "button primary", href: "#/tests/" + t.id, "aria-label": "Start or open " + t.name }, "Open / start"),
          h("a", { class: "button", href: "#/tests/" + t.id + "/edit", "aria-label": "Edit " + t.name }, "Edit"),
          h("button", { type: "button", class: "danger", "aria-label": "Delete " + t.name, onclick: () => remove(t) }, "Delete")));
      if (recent.length) {
        queueMicrotask(() => {
          sparks.push(sparkline(rpsCell, recent.map((r) => r.stats.rps), { label: "requests per second of the last " + recent.length + " runs" }));
          sparks.push(sparkline(p95Cell, recent.map((r) => r.stats.p95_us / 1000), { color: getComputedStyle(document.documentElement).getPropertyValue("--c-p95").trim(), label: "p95 of the last " + recent.length + " runs" }));
        });
      }
      return tr;
    });
    fill(list, h("div", { class: "table-wrap" }, h("table", { class: "tests" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Test"), h("th", { scope: "col", class: "num" }, "Runs"),
        h("th", { scope: "col" }, "Last run"), h("th", { scope: "col", class: "num" }, "p95"),
        h("th", { scope: "col", class: "num" }, "Throughput"), h("th", { scope: "col", class: "num" }, "Errors"),
        h("th", { scope: "col" }, "req/s trend"), h("th", { scope: "col" }, "p95 trend"),
        h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))),
      h("tbody", {}, rows))));
  }

  async function remove(t) {
    if (!confirm(`Delete the test “${t.name}”? Its ${t.runs} run(s) stay in the history.`)) return;
    try {
      await del("/api/tests/" + t.id);
      banner(`Deleted “${t.name}”.`, "info");
      loadTests();
    } catch (err) {
      banner("Cannot delete: " + errorText(err));
    }
  }

  async function loadQueue() {
    try {
      const runs = (await get("/api/runs?state=queued,running,stopping&limit=50")).runs.reverse();
      if (!runs.length) { fill(queue, h("p", { class: "muted" }, "Nothing is running.")); return; }
      fill(queue, h("ul", { class: "queue" }, runs.map((r) => h("li", {},
        h("a", { href: "#/runs/" + r.id }, "#" + r.id + " " + r.name), " ", stateBadge(r.state),
        r.state === "queued" && r.position ? h("span", { class: "muted" }, ` position ${r.position}`) : null,
        r.live ? h("span", { class: "muted" }, ` · ${dur(r.live.elapsed_ms / 1000)} · ${rps(r.live.rps)} · p95 ${us(r.live.p95_us)}`) : null))));
    } catch (err) {
      fill(queue, h("p", { class: "error" }, "Cannot read the queue: " + errorText(err)));
    }
  }

  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, "Tests"),
      h("a", { class: "button primary", href: "#/tests/new" }, "New test")),
    list,
    h("section", { class: "card", "aria-labelledby": "queue-title" },
      h("h2", { id: "queue-title" }, "Running and queued"), queue));
  loadTests();
  loadQueue();
  const poll = setInterval(loadQueue, 5000);
  const sub = live.subscribe("runs", (m) => {
    clearTimeout(timer);
    timer = setTimeout(() => { loadQueue(); if (m.type !== "queue") loadTests(); }, 300);
  });
  const subSched = live.subscribe("schedules", (m) => {
    if (m.type !== "schedule_changed") return;
    clearTimeout(timer);
    timer = setTimeout(loadTests, 300);
  });
  return () => {
    clearInterval(poll);
    clearTimeout(timer);
    sub.unsubscribe();
    subSched.unsubscribe();
    for (const s of sparks) s.destroy();
  };
}
