// history: a table of runs (GET /api/runs, newest first) with a state filter and keyset paging,
// refreshed when the `runs` live topic says a run changed. Used by a test's page (its runs) and by
// #/runs (every run).
import { get, qs } from "./api.js";
import { h, fill, timeEl } from "./dom.js";
import { count, rps, us, pct, dur, errorText } from "./fmt.js";
import * as live from "./live.js";
import { runBadge } from "./run-state.js";

const STATES = ["queued", "running", "stopping", "passed", "failed", "finished", "stopped", "cancelled", "aborted", "error"];

// The states of a run that ended with data: what can be compared (and what a trend shows).
const ENDED_WITH_DATA = ["passed", "failed", "finished", "stopped"];

// Mounts the history into el. opts.test: only that test's runs; opts.showTest: a column with the
// test's name; opts.vusOf(run id): a VUs column, with the VUs of an ended run (the test page has them
// from its trend; a running run's are live);
// opts.compare: a tick box per ended run, and a link comparing the two ticked (docs/dashboard.md).
// Returns a cleanup function.
export function runHistory(el, { test = null, showTest = false, title = "History", vusOf = null, compare = false } = {}) {
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
  // compare: the ticked runs, oldest tick first (a third tick unticks the oldest)
  const ticked = [];
  const compareLink = h("a", { id: "compare-link", class: "button", hidden: true }, "Compare");
  const compareNote = h("span", { class: "muted small", id: "compare-note" }, "Tick two runs to compare them.");
  const syncCompare = () => {
    for (const box of body.querySelectorAll("input.pick")) box.checked = ticked.includes(Number(box.value));
    if (ticked.length === 2) {
      // the newer run compared with the older: #/runs/NEW/compare/OLD (the compare view)
      const [older, newer] = [...ticked].sort((a, b) => a - b);
      compareLink.href = `#/runs/${newer}/compare/${older}`;
      compareLink.textContent = `Compare #${newer} with #${older}`;
      compareLink.hidden = false;
      compareNote.textContent = "";
    } else {
      compareLink.hidden = true;
      compareNote.textContent = ticked.length ? "Tick one more run to compare." : "Tick two runs to compare them.";
    }
  };
  const pick = (id, on) => {
    const i = ticked.indexOf(id);
    if (on && i < 0) { ticked.push(id); if (ticked.length > 2) ticked.shift(); }
    if (!on && i >= 0) ticked.splice(i, 1);
    syncCompare();
  };

  const row = (r) => {
    const s = r.stats || {};
    const end = r.ended_ms || (r.state === "running" || r.state === "stopping" ? Date.now() : null);
    const vus = s.vus ?? (vusOf ? vusOf(r.id) : undefined) ?? (r.live ? r.live.vus : undefined);
    const comparable = ENDED_WITH_DATA.includes(r.state);
    return h("tr", { dataset: { run: r.id, state: r.state } },
      compare ? h("td", { class: "pick-cell" }, h("input", { type: "checkbox", class: "pick", value: r.id,
        "aria-label": `compare run #${r.id}`, disabled: !comparable, checked: ticked.includes(r.id),
        title: comparable ? "tick two runs to compare them" : "only a run that ended with data can be compared",
        onchange: (ev) => pick(r.id, ev.target.checked) })) : null,
      h("td", {}, h("a", { href: "#/runs/" + r.id }, "#" + r.id)),
      showTest ? h("td", {}, r.test_id ? h("a", { href: "#/tests/" + r.test_id }, r.name) : r.name) : null,
      h("td", {}, runBadge(r)),
      h("td", {}, timeEl(r.started_ms || r.queued_ms)),
      h("td", { class: "trigger" }, r.trigger || "–"),
      h("td", { class: "num" }, r.started_ms && end ? dur((end - r.started_ms) / 1000) : "–"),
      vusOf ? h("td", { class: "num vus" }, vus !== undefined && vus !== null ? count(vus) : "–") : null,
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
        compare ? h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Compare")) : null,
        h("th", { scope: "col" }, "Run"), showTest ? h("th", { scope: "col" }, "Test") : null,
        h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, "Started"),
        h("th", { scope: "col" }, "Trigger"), h("th", { scope: "col", class: "num" }, "Duration"),
        vusOf ? h("th", { scope: "col", class: "num" }, "VUs") : null,
        h("th", { scope: "col", class: "num" }, "Throughput"), h("th", { scope: "col", class: "num" }, "p95"),
        h("th", { scope: "col", class: "num" }, "Errors"), h("th", { scope: "col", class: "num" }, "Requests"),
        h("th", { scope: "col" }, "Note"))),
      body)),
    note, more,
    compare ? h("div", { class: "compare-bar", id: "compare-bar" }, compareNote, " ", compareLink) : null);
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
