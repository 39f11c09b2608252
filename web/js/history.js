// history: a table of runs (GET /api/runs, newest first) with a state filter and keyset paging,
// refreshed when the `runs` live topic says a run changed. Used by a test's page (its runs) and by
// #/runs (every run).
import { get, qs } from "./api.js";
import { h, fill, timeEl } from "./dom.js";
import { count, rps, us, pct, dur, errorText } from "./fmt.js";
import * as live from "./live.js";
import { runBadge } from "./run-state.js";

const STATES = ["queued", "running", "stopping", "passed", "failed", "finished", "stopped", "cancelled", "aborted", "error"];

// Mounts the history into el. opts.test: only that test's runs; opts.showTest: a column with the
// test's name. Returns a cleanup function.
export function runHistory(el, { test = null, showTest = false, title = "History" } = {}) {
  const select = h("select", { id: "history-state", name: "state" },
    h("option", { value: "" }, "every state"),
    h("option", { value: "passed,failed,finished,stopped,cancelled,aborted,error" }, "ended"),
    h("option", { value: "queued,running,stopping" }, "queued or running"),
    STATES.map((s) => h("option", { value: s }, s)));
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Older runs");
  const note = h("p", { class: "muted", role: "status" });
  let cursor = null;
  let timer = null;

  const row = (r) => {
    const s = r.stats || {};
    const end = r.ended_ms || (r.state === "running" || r.state === "stopping" ? Date.now() : null);
    return h("tr", { dataset: { run: r.id, state: r.state } },
      h("td", {}, h("a", { href: "#/runs/" + r.id }, "#" + r.id)),
      showTest ? h("td", {}, r.test_id ? h("a", { href: "#/tests/" + r.test_id }, r.name) : r.name) : null,
      h("td", {}, runBadge(r)),
      h("td", {}, timeEl(r.started_ms || r.queued_ms)),
      h("td", {}, r.trigger || "–"),
      h("td", { class: "num" }, r.started_ms && end ? dur((end - r.started_ms) / 1000) : "–"),
      h("td", { class: "num" }, s.rps !== undefined ? rps(s.rps) : r.live ? rps(r.live.rps) : "–"),
      h("td", { class: "num" }, s.p95_us !== undefined ? us(s.p95_us) : r.live ? us(r.live.p95_us) : "–"),
      h("td", { class: "num" }, s.error_rate !== undefined ? pct(s.error_rate) : "–"),
      h("td", { class: "num" }, s.requests !== undefined ? count(s.requests) : "–"),
      h("td", { class: "note-cell" }, r.note || ""));
  };

  async function load(append = false) {
    try {
      const page = await get("/api/runs" + qs({ test, state: select.value, limit: 25, cursor: append ? cursor : null }));
      cursor = page.next_cursor;
      if (!append) body.replaceChildren();
      body.append(...page.runs.map(row));
      more.hidden = !cursor;
      note.textContent = body.children.length ? "" : "No runs" + (select.value ? " in this state" : " yet") + ".";
    } catch (err) {
      note.textContent = "Cannot list the runs: " + errorText(err);
    }
  }

  select.addEventListener("change", () => load(false));
  more.addEventListener("click", () => load(true));
  fill(el,
    h("div", { class: "section-head" }, h("h2", {}, title),
      h("label", { for: "history-state", class: "inline" }, "Show ", select)),
    h("div", { class: "table-wrap" }, h("table", { class: "runs" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Run"), showTest ? h("th", { scope: "col" }, "Test") : null,
        h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, "Started"),
        h("th", { scope: "col" }, "Trigger"), h("th", { scope: "col", class: "num" }, "Duration"),
        h("th", { scope: "col", class: "num" }, "Throughput"), h("th", { scope: "col", class: "num" }, "p95"),
        h("th", { scope: "col", class: "num" }, "Errors"), h("th", { scope: "col", class: "num" }, "Requests"),
        h("th", { scope: "col" }, "Note"))),
      body)),
    note, more);
  load(false);
  // a run changed: reload the first page (at most once a second)
  const sub = live.subscribe("runs", (m) => {
    if (m.type === "queue") return;
    if (test && m.type === "run_state" && m.test_id !== test) return;
    clearTimeout(timer);
    timer = setTimeout(() => load(false), 300);
  });
  return () => { clearTimeout(timer); sub.unsubscribe(); };
}
