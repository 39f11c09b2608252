// schedules: recurring runs of a saved test (docs/api.md "Schedules"). On a test's page, its
// schedules: add and edit (a cron field, a time-zone picker, a live preview of the next fire times
// in the schedule's zone and in this browser's), pause/resume, run now, delete, and each schedule's
// fire history with its runs' outcome badges. The Schedules page (#/schedules) lists every
// schedule; the tests list marks scheduled tests with their next fire (nextFireByTest). Kept
// current by the live topic `schedules` (and `runs`, for the outcome of a fire's run).
import { get, post, put, del, request, qs } from "./api.js";
import { h, fill, banner, stateBadge } from "./dom.js";
import { errorText } from "./fmt.js";
import * as live from "./live.js";

export const browserZone = (() => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch { return "UTC"; }
})();

function zoneNames() {
  let z = [];
  try { z = Intl.supportedValuesOf("timeZone"); } catch { /* older browsers: the two we know */ }
  return [...new Set(["UTC", browserZone, ...z])];
}

// An ISO time with offset as the schedule's zone shows it: "2026-03-29 03:00:00 +02:00".
function zoned(iso) {
  return iso ? iso.replace("T", " ").replace(/([+-]\d\d:\d\d)$/, " $1") : "–";
}

// The same instant in this browser's zone.
function local(ms) {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

// A fire record's outcome: the run with its state, or skipped / missed with the reason as title.
export function fireOutcome(f) {
  if (!f) return h("span", { class: "muted" }, "never fired");
  if (f.outcome === "started" && f.run_id)
    return h("span", {}, h("a", { href: "#/runs/" + f.run_id }, "#" + f.run_id), " ",
      stateBadge(f.run_state || "queued"));
  if (f.outcome === "missed")
    return h("span", { class: "badge state-aborted", title: f.reason || "" },
      f.count > 1 ? `missed ${f.count}` : "missed");
  return h("span", { class: "badge state-stopped", title: f.reason || "" }, f.outcome);
}

// Map test id -> the earliest next fire of its active schedules ({iso, ms, count}).
export async function nextFireByTest() {
  const map = new Map();
  const list = (await get("/api/schedules")).schedules;
  for (const s of list) {
    const cur = map.get(s.test_id) || { iso: null, ms: null, count: 0 };
    cur.count++;
    if (!s.paused && s.next_fire_ms !== null && (cur.ms === null || s.next_fire_ms < cur.ms)) {
      cur.ms = s.next_fire_ms;
      cur.iso = s.next_fires[0];
    }
    map.set(s.test_id, cur);
  }
  return map;
}

// The editor: a form for a new schedule of test testId, or for schedule s. onSaved(schedule).
function editor(testId, s, onSaved, onCancel) {
  const field = (name, label, input, hint) => h("div", { class: "field", dataset: { field: name } },
    h("label", { for: "sched-" + name }, label), input,
    hint ? h("small", { class: "hint" }, hint) : null,
    h("small", { class: "field-error", role: "alert" }));
  const ov = (s && s.overrides) || {};
  const cron = h("input", { id: "sched-cron", name: "cron", required: true, autocomplete: "off",
    spellcheck: "false", placeholder: "0 2 * * *", value: s ? s.cron : "" });
  const tz = h("input", { id: "sched-timezone", name: "timezone", list: "sched-zones", autocomplete: "off",
    value: s ? s.timezone : browserZone });
  const zones = h("datalist", { id: "sched-zones" }, zoneNames().map((z) => h("option", { value: z })));
  const select = (name, opts, v) => h("select", { id: "sched-" + name, name },
    opts.map(([val, text]) => h("option", { value: val, selected: val === v }, text)));
  const preview = h("ol", { id: "schedule-preview", class: "preview", "aria-live": "polite" });
  const previewNote = h("p", { class: "muted small", id: "schedule-preview-note" });
  const form = h("form", { class: "card schedule-form", id: "schedule-form", "aria-label": s ? "Edit schedule" : "New schedule" },
    h("h3", {}, s ? `Edit schedule #${s.id}` : "New schedule"),
    h("div", { class: "fields" },
      field("cron", "Cron expression", cron, "minute hour day-of-month month day-of-week; a 6th leading field for seconds; @daily…"),
      field("timezone", "Time zone", tz, "IANA name; the expression is read in it"),
      field("overlap", "While the last run goes on", select("overlap", [["skip", "skip the fire"], ["queue", "queue a run"]], s ? s.overlap : "skip")),
      field("catchup", "After downtime", select("catchup", [["latest", "run the latest missed"], ["none", "run nothing"]], s ? s.catchup : "latest")),
      field("vus", "VUs", h("input", { id: "sched-vus", name: "vus", type: "number", min: 1, step: 1, value: ov.vus ?? "" }), "empty: the test's"),
      field("duration", "Duration", h("input", { id: "sched-duration", name: "duration", placeholder: "e.g. 8h", value: ov.duration ?? "" }), "empty: the test's"),
      field("note", "Note", h("input", { id: "sched-note", name: "note", maxlength: 4096, value: ov.note ?? "" }), "kept with each run")),
    zones,
    h("div", { class: "preview-box" }, h("h4", {}, "Next fire times"), previewNote, preview),
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary", id: "schedule-save" }, s ? "Save" : "Add schedule"),
      h("button", { type: "button", onclick: onCancel }, "Cancel")));
  const slot = (name) => form.querySelector(`[data-field="${name}"] .field-error`);

  let timer = null, seq = 0;
  async function refresh() {
    const n = ++seq;
    slot("cron").textContent = "";
    slot("timezone").textContent = "";
    if (!cron.value.trim()) { fill(preview); previewNote.textContent = "Type an expression to see when it fires."; return; }
    try {
      const p = await request("GET", "/api/schedules/preview" + qs({ cron: cron.value.trim(), tz: tz.value.trim() || "UTC", count: 5 }), undefined, { quiet: true });
      if (n !== seq) return;
      previewNote.textContent = p.never_fires ? "This expression never fires." :
        `In ${p.timezone}, and in this browser's zone (${browserZone}):`;
      fill(preview, p.next.map((iso, i) => h("li", { dataset: { ms: p.next_ms[i] } },
        h("span", { class: "zoned" }, zoned(iso)), " · ", h("span", { class: "muted local" }, local(p.next_ms[i])))));
    } catch (err) {
      if (n !== seq) return;
      fill(preview);
      previewNote.textContent = "";
      const target = err.code === "bad_request" && /^tz:/.test(err.message) ? "timezone" : "cron";
      slot(target).textContent = err.message.replace(/^(cron|tz): /, "");
    }
  }
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 250); };
  cron.addEventListener("input", later);
  tz.addEventListener("input", later);
  tz.addEventListener("change", later);
  refresh();

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const e of form.querySelectorAll(".field-error")) e.textContent = "";
    const v = (n) => form.elements[n].value.trim();
    const overrides = {};
    if (v("vus")) overrides.vus = Number(v("vus"));
    if (v("duration")) overrides.duration = v("duration");
    if (v("note")) overrides.note = v("note");
    const body = { test_id: testId, cron: v("cron"), timezone: v("timezone") || "UTC",
      overlap: v("overlap"), catchup: v("catchup"), overrides,
      paused: s ? s.paused : false, catchup_max_age: s ? s.catchup_max_age : null, notify: s ? s.notify : null };
    const btn = form.querySelector("#schedule-save");
    btn.disabled = true;
    try {
      const saved = s ? await put("/api/schedules/" + s.id, body) : await post("/api/schedules", body);
      onSaved(saved);
    } catch (err) {
      if (err.code === "invalid_schedule") {
        for (const e of err.errors) {
          const name = e.path.split(/[.[]/)[0];
          const target = slot(name) || (name === "overrides" ? slot(/vus/.test(e.message) ? "vus" : "duration") : null);
          if (target) target.textContent = e.message;
          else banner(`${e.path || "schedule"}: ${e.message}`);
        }
      } else {
        banner("Cannot save the schedule: " + errorText(err));
      }
    } finally {
      btn.disabled = false;
    }
  });
  return { form, close: () => clearTimeout(timer) };
}

// The fire history of schedule id into el (a table, newest first, with "older" paging).
async function fireHistory(el, id) {
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Older fires");
  let cursor = null;
  async function load(append) {
    try {
      const page = await get(`/api/schedules/${id}/fires` + qs({ limit: 20, cursor: append ? cursor : null }));
      cursor = page.next_cursor;
      if (!append) body.replaceChildren();
      body.append(...page.fires.map((f) => h("tr", { dataset: { fire: f.id, outcome: f.outcome } },
        h("td", {}, zoned(f.due), f.last_due ? h("div", { class: "muted small" }, "to " + zoned(f.last_due)) : null),
        h("td", {}, fireOutcome(f)),
        h("td", { class: "note-cell" }, f.reason || ""))));
      more.hidden = !cursor;
      if (!body.children.length) body.append(h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No fires yet.")));
      return true;
    } catch (err) {
      fill(el, h("p", { class: "error" }, "Cannot read the fires: " + errorText(err)));
      return false;
    }
  }
  more.addEventListener("click", () => load(true));
  // the table replaces the old one only once its rows are read: a redraw never shows an empty list
  if (!(await load(false))) return;
  fill(el, h("div", { class: "table-wrap" }, h("table", { class: "fires", id: "fires-" + id },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Due"), h("th", { scope: "col" }, "Outcome"),
      h("th", { scope: "col" }, "Reason"))), body)), more);
}

// Pauses or resumes, runs now, deletes: the row's actions. reload() after each.
function actions(s, reload, { edit } = {}) {
  const act = async (what, fn) => {
    try { await fn(); } catch (err) { banner(`Cannot ${what}: ` + errorText(err)); }
    reload();
  };
  return h("td", { class: "actions" },
    edit ? h("button", { type: "button", onclick: () => edit(s), "aria-label": `Edit schedule ${s.id}` }, "Edit") : null,
    h("button", { type: "button", dataset: { act: "pause" },
      onclick: () => act(s.paused ? "resume" : "pause", () => request("PATCH", "/api/schedules/" + s.id, { paused: !s.paused })) },
      s.paused ? "Resume" : "Pause"),
    h("button", { type: "button", dataset: { act: "run" },
      onclick: () => act("start a run", async () => {
        const r = await post(`/api/schedules/${s.id}/run`);
        banner(`Run #${r.run_id} queued.`, "info");
      }) }, "Run now"),
    h("button", { type: "button", class: "danger", dataset: { act: "delete" },
      onclick: () => {
        if (!confirm(`Delete schedule #${s.id} (${s.cron})? The runs it started stay.`)) return;
        act("delete", () => del("/api/schedules/" + s.id));
      } }, "Delete"));
}

function scheduleRow(s, reload, opts) {
  return h("tr", { dataset: { schedule: s.id, paused: String(s.paused) } },
    opts.showTest ? h("td", {}, s.test_name ? h("a", { href: "#/tests/" + s.test_id }, s.test_name) : h("span", { class: "muted" }, "(deleted test)")) : null,
    h("td", {}, h("code", {}, s.cron)),
    h("td", {}, s.timezone),
    h("td", {}, s.paused ? h("span", { class: "badge state-stopped" }, "paused") : h("span", { class: "badge state-running" }, "on")),
    h("td", { class: "next" }, s.never_fires ? h("span", { class: "muted" }, "never") :
      s.next_fires.length ? h("span", {}, zoned(s.next_fires[0]),
        h("div", { class: "muted small" }, local(s.next_fire_ms ?? Date.parse(s.next_fires[0])))) : "–"),
    h("td", { class: "last" }, fireOutcome(s.last_fire)),
    actions(s, reload, opts));
}

function scheduleTable(list, reload, opts) {
  return h("div", { class: "table-wrap" }, h("table", { class: "schedules", id: "schedules" },
    h("thead", {}, h("tr", {},
      opts.showTest ? h("th", { scope: "col" }, "Test") : null,
      h("th", { scope: "col" }, "Cron"), h("th", { scope: "col" }, "Zone"), h("th", { scope: "col" }, "State"),
      h("th", { scope: "col" }, "Next fire"), h("th", { scope: "col" }, "Last fire"),
      h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))),
    h("tbody", {}, list.map((s) => scheduleRow(s, reload, opts)))));
}

// Keeps a view current: calls reload (debounced) on schedule changes and fires, and on run state
// changes of the runs shown. Returns the unsubscribe function.
function follow(reload) {
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(reload, 300); };
  const a = live.subscribe("schedules", later);
  const b = live.subscribe("runs", (m) => { if (m.type === "run_state") later(); });
  return () => { clearTimeout(timer); a.unsubscribe(); b.unsubscribe(); };
}

// Mounts test testId's schedules into el; returns a cleanup function.
export function testSchedules(el, testId) {
  const listEl = h("div", { id: "test-schedules" }, h("p", { class: "muted" }, "Loading…"));
  const editorEl = h("div");
  const firesEl = h("div", { id: "schedule-fires" });
  let current = null, shownFires = null;

  function openEditor(s) {
    if (current) current.close();
    current = editor(testId, s, (saved) => {
      current.close();
      current = null;
      fill(editorEl);
      banner(`Schedule #${saved.id} saved: next fire ${zoned(saved.next_fires[0])}.`, "info");
      reload();
    }, () => { current.close(); current = null; fill(editorEl); });
    fill(editorEl, current.form);
    current.form.querySelector("#sched-cron").focus();
  }

  async function reload() {
    let list;
    try {
      list = (await get("/api/schedules" + qs({ test: testId }))).schedules;
    } catch (err) {
      fill(listEl, h("p", { class: "error" }, "Cannot list the schedules: " + errorText(err)));
      return;
    }
    if (!list.length) {
      fill(listEl, h("p", { class: "muted" }, "No schedule: this test runs only when started."));
    } else {
      const table = scheduleTable(list, reload, { edit: openEditor });
      for (const tr of table.querySelectorAll("tr[data-schedule]")) {
        const id = Number(tr.dataset.schedule);
        tr.querySelector(".actions").append(h("button", { type: "button", dataset: { act: "fires" },
          "aria-expanded": String(shownFires === id),
          onclick: () => { shownFires = shownFires === id ? null : id; showFires(); reload(); } }, "Fires"));
      }
      fill(listEl, table);
    }
    showFires();
  }

  // the history is read into a detached box and swapped in once read, and only by the newest redraw:
  // a live redraw never leaves the list empty in between
  let firesDraw = 0;
  function showFires() {
    const draw = ++firesDraw;
    if (shownFires === null) { fill(firesEl); return; }
    const id = shownFires, box = h("div");
    fireHistory(box, id).then(() => {
      if (draw === firesDraw) fill(firesEl, h("h3", {}, `Fires of schedule #${id}`), box);
    });
  }

  fill(el,
    h("div", { class: "section-head" }, h("h2", {}, "Schedules"),
      h("button", { type: "button", id: "schedule-add", onclick: () => openEditor(null) }, "Add schedule")),
    listEl, editorEl, firesEl);
  reload();
  const stop = follow(reload);
  return () => { stop(); if (current) current.close(); };
}

// #/schedules: every schedule with its next fire and last outcome.
export function schedulesView(main) {
  const listEl = h("div", { id: "all-schedules" }, h("p", { class: "muted" }, "Loading…"));
  async function reload() {
    try {
      const list = (await get("/api/schedules")).schedules;
      fill(listEl, list.length ? scheduleTable(list, reload, { showTest: true }) :
        h("p", { class: "muted" }, "No schedules. Add one on a test's page."));
    } catch (err) {
      fill(listEl, h("p", { class: "error" }, "Cannot list the schedules: " + errorText(err)));
    }
  }
  fill(main, h("div", { class: "page-head" }, h("h1", {}, "Schedules")),
    h("p", { class: "muted small" }, `Times are shown in each schedule's zone, and below in this browser's (${browserZone}).`),
    h("section", { class: "card" }, listEl));
  reload();
  return follow(reload);
}
