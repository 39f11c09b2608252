// view-test (#/tests/12): one test: start it (with optional overrides: VUs, duration, rate,
// iterations, agents, a note), its schedules (schedules.js), its webhooks (notify.js), its definition, the trend of its
// runs (trend.js: p95, throughput, errors, change points) and its runs (history with a state
// filter, VUs from the trend, two ticked runs compared).
import { get, post, del } from "./api.js";
import { h, fill, banner } from "./dom.js";
import { errorText, date } from "./fmt.js";
import { shapeOf } from "./shape.js";
import { runHistory } from "./history.js";
import { testTrend } from "./trend.js";
import { testSchedules } from "./schedules.js";
import { notifyForm } from "./notify.js";

// Which overrides apply to a definition (docs/api.md "Overrides"), for the form's hints.
function knobs(def) {
  const ex = [];
  if (def.scenarios && typeof def.scenarios === "object") {
    for (const s of Object.values(def.scenarios)) ex.push(s.executor);
  } else if (def.stages) ex.push("ramping-vus");
  else if (def.iterations) ex.push("shared-iterations");
  else if (def.duration) ex.push("constant-vus");
  else ex.push("per-vu-iterations");
  const has = (...names) => ex.some((e) => names.includes(e));
  return {
    vus: has("constant-vus", "constant-arrival-rate", "ramping-arrival-rate", "per-vu-iterations", "shared-iterations"),
    duration: has("constant-vus", "constant-arrival-rate", "per-vu-iterations", "shared-iterations"),
    rate: has("constant-arrival-rate"),
    // the iteration executors, and a shortcut definition without stages (it becomes shared-iterations)
    iterations: has("per-vu-iterations", "shared-iterations") || (!def.scenarios && !def.stages),
    executors: [...new Set(ex)],
  };
}

// What the definition says about agents, as the Agents field's placeholder.
function agentsAsDefined(def) {
  const a = def && def.agents;
  return a === undefined || a === null ? "none: this daemon" : a === "all" ? "all (as defined)" : `${a} (as defined)`;
}

export async function testView(main, id) {
  let test;
  try {
    test = await get("/api/tests/" + id);
  } catch (err) {
    fill(main, h("h1", {}, "Test #" + id), h("p", { class: "error" }, errorText(err)),
      h("p", {}, h("a", { href: "#/tests" }, "Back to the tests")));
    return;
  }
  const k = knobs(test.definition || {});
  const field = (name, label, attrs, hint) => h("div", { class: "field", dataset: { field: name } },
    h("label", { for: "start-" + name }, label),
    h("input", { id: "start-" + name, name, "aria-describedby": "start-" + name + "-hint", ...attrs }),
    h("small", { id: "start-" + name + "-hint", class: "hint" }, hint),
    h("small", { class: "field-error", role: "alert" }));
  const form = h("form", { class: "start-form card", id: "start-form", "aria-labelledby": "start-title" },
    h("h2", { id: "start-title" }, "Start a run"),
    h("p", { class: "muted small" }, "Leave a field empty to keep the definition's value. Executors: ",
      k.executors.join(", "), "."),
    h("div", { class: "fields" },
      field("vus", "VUs", { type: "number", min: 1, step: 1, inputmode: "numeric", disabled: !k.vus },
        k.vus ? "virtual users (or pre-allocated VUs)" : "not used by this test's executors"),
      field("duration", "Duration", { type: "text", placeholder: "e.g. 45s, 5m", disabled: !k.duration },
        k.duration ? "how long load lasts" : "follows the stages: edit the test to change"),
      field("rate", "Rate", { type: "number", min: 0, step: "any", disabled: !k.rate },
        k.rate ? "iterations per time unit" : "only for constant-arrival-rate"),
      field("iterations", "Iterations", { type: "number", min: 1, step: 1, inputmode: "numeric", disabled: !k.iterations },
        k.iterations ? "iterations (per VU for per-vu-iterations)" : "only for the iteration executors"),
      field("agents", "Agents", { type: "text", autocomplete: "off", spellcheck: "false",
        placeholder: agentsAsDefined(test.definition) },
        "how many of the daemon's agents run it: 1–256, all, or 0 (on the daemon itself)"),
      field("note", "Note", { type: "text", maxlength: 4096, placeholder: "e.g. after deploy 1.2" }, "kept with the run")),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", id: "start" }, "Start run")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const e of form.querySelectorAll(".field-error")) e.textContent = "";
    const body = {};
    const v = (n) => form.elements[n].value.trim();
    if (v("vus")) body.vus = Number(v("vus"));
    if (v("duration")) body.duration = v("duration");
    if (v("rate")) body.rate = Number(v("rate"));
    if (v("iterations")) body.iterations = Number(v("iterations"));
    // "all", or a number (the daemon says why an out-of-range one is refused, under the field)
    if (v("agents")) body.agents = /^all$/i.test(v("agents")) ? "all" : /^\d+$/.test(v("agents")) ? Number(v("agents")) : v("agents");
    if (v("note")) body.note = v("note");
    const btn = form.querySelector("#start");
    btn.disabled = true;
    try {
      const run = await post(`/api/tests/${id}/runs`, body);
      location.hash = "#/runs/" + run.id;
    } catch (err) {
      if (err.code === "invalid_overrides" || err.code === "invalid_definition") {
        for (const e of err.errors) {
          const slot = form.querySelector(`[data-field="${CSS.escape(e.path.split(/[.[]/)[0])}"] .field-error`);
          if (slot) slot.textContent = e.message;
          else banner(`${e.path || "definition"}: ${e.message}`);
        }
      } else {
        banner("Cannot start: " + errorText(err));
      }
    } finally {
      btn.disabled = false;
    }
  });

  async function remove() {
    if (!confirm(`Delete the test “${test.name}”? Its runs stay in the history.`)) return;
    try {
      await del("/api/tests/" + id);
      banner(`Deleted “${test.name}”.`, "info");
      location.hash = "#/tests";
    } catch (err) {
      banner("Cannot delete: " + errorText(err));
    }
  }

  const history = h("section", { class: "card", id: "history" });
  const trendEl = h("section", { class: "card", id: "trend" });
  const schedules = h("section", { class: "card", id: "schedules-card" });
  fill(main,
    h("div", { class: "page-head" },
      h("h1", {}, test.name),
      h("div", { class: "buttons" },
        h("a", { class: "button", href: `#/tests/${id}/edit` }, "Edit"),
        h("button", { type: "button", class: "danger", onclick: remove }, "Delete"))),
    (() => { const sh = shapeOf(test.definition); return h("dl", { class: "shape", id: "test-shape" },
      h("div", {}, h("dt", {}, "Target"), h("dd", { id: "test-target" }, sh.target)),
      h("div", {}, h("dt", {}, "Load"), h("dd", { id: "test-load" }, sh.load))); })(),
    h("p", { class: "muted small" }, `Test #${id} · created ${date(test.created_ms)} · changed ${date(test.updated_ms)} · ${test.runs} run(s)`),
    form,
    schedules,
    trendEl,
    history,
    notifyForm(test),
    h("details", { class: "card" }, h("summary", {}, "Definition"),
      h("pre", { class: "code-view" }, JSON.stringify(test.definition, null, 2))));
  const stopSchedules = testSchedules(schedules, id);
  const trend = await testTrend(trendEl, id);
  const stopHistory = runHistory(history, { test: id, title: "Runs of this test", compare: true,
    vusOf: (run) => trend.vus.get(run) });
  return () => { stopSchedules(); stopHistory(); trend.destroy(); };
}
