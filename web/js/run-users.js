// run-users: the run page's "Users" control, Locust's "Edit" while a test runs: while a run with a
// constant-vus scenario is running, an input and Apply give that scenario a new number of VUs
// (PATCH /api/runs/{id}, docs/api.md "Changing a running run's VUs"). A refusal is shown under the
// input with the field the daemon named. The changes made (here, by the CLI or over the API) are
// listed beside it; the charts draw them as markers (charts.js).
import { request } from "./api.js";
import { h, fill } from "./dom.js";
import { elapsed } from "./charts.js";
import { errorText } from "./fmt.js";
import { scenarios } from "./shape.js";

// The name of the first constant-vus scenario of a definition and its VUs, or null.
export function closedScenario(def) {
  if (!def || typeof def !== "object") return null;
  for (const [name, s] of scenarios(def))
    if (s.executor === "constant-vus") return { name, vus: s.vus ?? 1 };
  return null;
}

export class RunUsers {
  // `page.run` is the run as the daemon last described it; `on.changed(run)` gets the run the daemon
  // answered after a change.
  constructor(id, page, on) {
    this.id = id;
    this.page = page;
    this.on = on;
    this.el = h("div", { class: "users", id: "run-users" });
  }

  // The VUs the scenario runs now: its last change's, else the definition's.
  current(sc) {
    const ch = (this.page.run.changes || []).filter((c) => c.scenario === sc.name);
    return ch.length ? ch[ch.length - 1].to : sc.vus;
  }

  render() {
    const r = this.page.run;
    const sc = closedScenario(r.definition);
    const changes = r.changes || [];
    const list = changes.length ? h("p", { class: "muted small", id: "run-changes" }, "Changes: ",
      changes.map((c, i) => h("span", { class: "change" }, i ? " · " : "",
        `+${elapsed(c.at_ms / 1000)} ${c.scenario} ${c.from} → ${c.to} VUs (${c.trigger})`))) : null;
    if (r.state !== "running" || !sc) {
      fill(this.el, list);
      return;
    }
    // keep what is being typed across re-renders
    const old = this.el.querySelector("#users-input");
    const input = old && document.activeElement === old ? old : h("input", { id: "users-input", type: "number", min: 1,
      step: 1, inputmode: "numeric", value: this.current(sc), "aria-describedby": "users-error",
      onkeydown: (e) => { if (e.key === "Enter") { e.preventDefault(); this.apply(sc, input); } } });
    const err = this.el.querySelector("#users-error") || h("span", { class: "field-error", id: "users-error", role: "alert" });
    fill(this.el, h("div", { class: "field users-field" },
      h("label", { for: "users-input" }, "Users", sc.name !== "default" ? ` (${sc.name})` : ""),
      h("span", { class: "users-row" }, input,
        h("button", { type: "button", id: "users-apply", onclick: () => this.apply(sc, input) }, "Apply")),
      err), list);
  }

  async apply(sc, input) {
    const err = this.el.querySelector("#users-error");
    const v = input.value.trim();
    err.textContent = "";
    if (!/^[0-9]+$/.test(v) || Number(v) < 1) {
      err.textContent = "Users: a whole number from 1";
      return;
    }
    try {
      const run = await request("PATCH", `/api/runs/${this.id}`, { vus: Number(v), scenario: sc.name });
      this.on.changed(run);
    } catch (e) {
      // the daemon names the field (vus, scenario): the message starts with it
      err.textContent = errorText(e);
    }
  }
}
