// run-head: the top of a run's page: its title and state, when it was queued, started and ended,
// the controls (Stop / Force stop / Cancel while it runs or waits; downloads and Delete once it has
// ended), and the progress: elapsed, remaining (from the daemon's plan of the definition), the
// current stage of each scenario, and the last second's figures from the stream.
import { post, del, request, ENDED } from "./api.js";
import { h, fill, banner } from "./dom.js";
import { count, rps, us, pct, dur, date, errorText, parseDuration } from "./fmt.js";
import { shapeOf } from "./shape.js";
import { runBadge, neverRan } from "./run-state.js";

// The current stage of a definition's ramping scenario at `elapsed` seconds, as text.
function stageText(def, elapsed) {
  const scen = def.scenarios && typeof def.scenarios === "object" ? Object.entries(def.scenarios)
    : [["default", { executor: def.stages ? "ramping-vus" : def.iterations ? "shared-iterations" : def.duration ? "constant-vus" : "per-vu-iterations", stages: def.stages }]];
  const parts = [];
  for (const [name, s] of scen) {
    const start = parseDuration(s.startTime || "0s") || 0;
    if (elapsed < start) { parts.push(`${name}: starts in ${dur(start - elapsed)}`); continue; }
    if (Array.isArray(s.stages) && s.stages.length) {
      let t = start, i = 0;
      for (; i < s.stages.length; i++) {
        const d = parseDuration(s.stages[i].duration);
        if (!isFinite(d)) break;
        if (elapsed < t + d) break;
        t += d;
      }
      if (i < s.stages.length) {
        const st = s.stages[i];
        const unit = s.executor === "ramping-arrival-rate" ? " it/" + (s.timeUnit || "1s") : " VUs";
        parts.push(`${name}: stage ${i + 1} of ${s.stages.length} (→ ${st.target}${unit} over ${st.duration})`);
      } else parts.push(`${name}: stages done`);
    } else parts.push(`${name}: ${s.executor || "?"}`);
  }
  return parts.join(" · ");
}

export class RunHead {
  // `page` is what the head reads of the page: `run` (as the daemon last described it) and `ended`
  // (the page shows the run as finished). `on.stopped(state)` gets the state the daemon answered to
  // Stop (the page decides whether it is still news).
  constructor(id, page, on) {
    this.id = id;
    this.page = page;
    this.on = on;
    this.lastTick = null;
    this.plannedS = null;   // the planned length in seconds (graceful tails apart), for "remaining"
    this.gracefulS = 0;     // how much longer in-flight iterations may take after it (gracefulStop)
    this.byIterations = false;  // some scenario ends when its iterations are done: plannedS is a bound
    this.el = {
      head: h("div", { class: "page-head" }),
      shape: h("dl", { class: "shape", id: "run-shape" }),
      meta: h("p", { class: "muted small", id: "run-meta" }),
      controls: h("div", { class: "buttons", id: "run-controls" }),
      progress: h("dl", { class: "stats", id: "run-progress" }),
    };
  }

  // Title, meta line and controls for the run's state as it is now.
  render() {
    const r = this.page.run, id = this.id;
    fill(this.el.head,
      h("h1", {}, `Run #${r.id} `, r.test_id ? h("a", { href: "#/tests/" + r.test_id }, r.name) : r.name, " ", runBadge(r)));
    const sh = shapeOf(r.definition);
    fill(this.el.shape, h("div", {}, h("dt", {}, "Target"), h("dd", { id: "run-target" }, sh.target)),
      h("div", {}, h("dt", {}, "Load"), h("dd", { id: "run-load" }, sh.load)));
    fill(this.el.meta, `trigger ${r.trigger || "–"} · queued ${date(r.queued_ms)}`,
      r.started_ms ? ` · started ${date(r.started_ms)}` : "", r.ended_ms ? ` · ended ${date(r.ended_ms)}` : "",
      r.note ? h("span", {}, " · note: ", h("q", {}, r.note)) : "",
      r.error ? h("span", { class: "error" }, " · " + r.error) : "",
      // seconds the database could not store (a full disk): the charts have a hole there
      r.incomplete ? h("span", { class: "error", id: "run-incomplete",
        title: "not stored: " + (r.missing || []).map(([a, b]) => a === b ? `${a}` : `${a}–${b}`).join(", ") },
        ` · history incomplete: ${r.missing_seconds} second${r.missing_seconds === 1 ? "" : "s"} missing`) : "");
    const btns = [];
    if (!ENDED.has(r.state)) {
      btns.push(h("button", { type: "button", id: "stop", class: "danger", disabled: r.state === "stopping",
        onclick: () => this.stop(false) }, r.state === "queued" ? "Cancel" : r.state === "stopping" ? "Stopping…" : "Stop"));
      if (r.state !== "queued")
        btns.push(h("button", { type: "button", id: "force-stop", class: "danger", onclick: () => this.stop(true) }, "Force stop"));
    } else if (r.state !== "cancelled") {   // a cancelled run has neither summary nor samples
      btns.push(h("a", { class: "button", href: `/api/runs/${id}/summary`, download: `run-${id}-summary.json`, id: "dl-summary" }, "k6 summary (JSON)"));
      btns.push(h("a", { class: "button", href: `/api/runs/${id}/samples.csv`, id: "dl-csv" }, "Samples (CSV)"));
      if (r.summary !== null) // a run that ended without a summary (error, cancelled) has no report
        btns.push(h("a", { class: "button", href: `/api/runs/${id}/report.html`, download: `run-${id}-report.html`, id: "dl-report" }, "Download report"));
    }
    if (ENDED.has(r.state))
      btns.push(h("button", { type: "button", class: "danger", onclick: () => this.remove() }, "Delete run"));
    if (r.test_id) btns.push(h("a", { class: "button", href: "#/tests/" + r.test_id }, "Test & history"));
    fill(this.el.controls, btns);
  }

  // The last second's figures (a tick of the live stream).
  tick(m) {
    this.lastTick = m;
    this.progress();
  }

  async stop(force) {
    const id = this.id;
    const msg = force ? `Force stop run #${id}? In-flight requests are interrupted now.`
      : this.page.run.state === "queued" ? `Cancel queued run #${id}?`
        : `Stop run #${id}? Iterations in flight finish first (their gracefulStop).`;
    if (!confirm(msg)) return;
    try {
      const r = await post(`/api/runs/${id}/stop` + (force ? "?force=true" : ""));
      this.on.stopped(r.state);
    } catch (err) {
      banner("Cannot stop: " + errorText(err));
    }
  }

  async remove() {
    const id = this.id;
    if (!confirm(`Delete run #${id} and all its data?`)) return;
    try {
      await del("/api/runs/" + id);
      location.hash = this.page.run.test_id ? "#/tests/" + this.page.run.test_id : "#/runs";
    } catch (err) {
      banner("Cannot delete: " + errorText(err));
    }
  }

  // Asks the daemon for the planned length (its validation of the run's definition), for "remaining".
  async plan() {
    if (ENDED.has(this.page.run.state)) return;
    try {
      const v = await request("POST", "/api/tests/validate", this.page.run.definition, { quiet: true });
      this.plannedS = v.planned_ms ? v.planned_ms / 1000 : null;
      this.gracefulS = v.max_end_ms && v.planned_ms ? Math.max(0, v.max_end_ms - v.planned_ms) / 1000 : 0;
      this.byIterations = !!v.ends_by_iterations;
      this.progress();
    } catch { /* without a token on a protected daemon: no "remaining" */ }
  }

  // Queue position, or elapsed, remaining, stage and the last second's (or the whole run's) figures.
  progress() {
    const r = this.page.run, ended = this.page.ended;
    const items = [];
    const item = (k, v, id) => items.push(h("div", { class: "stat", id }, h("dt", {}, k), h("dd", {}, v)));
    if (r.state === "queued") {
      item("Queue position", r.position ? String(r.position) : "waiting", "st-position");
    } else if (neverRan(r)) {
      items.push(h("p", { class: "never-ran", id: "st-never-ran" }, neverRan(r)));
    } else if (r.started_ms) {
      const end = r.ended_ms || Date.now();
      const elapsed = (end - r.started_ms) / 1000;
      item("Elapsed", dur(elapsed), "st-elapsed");
      if (!ended && this.plannedS) {
        // The planned length, and the graceful tail apart: a 10 s test is not "about 40 s" long.
        const left = this.plannedS - elapsed;
        item("Remaining", left > 0 ? (this.byIterations ? "at most " : "about ") + dur(left) + " of " + dur(this.plannedS)
          : "finishing in-flight iterations", "st-remaining");
        if (this.gracefulS > 0) item("Graceful stop", "up to " + dur(this.gracefulS) + " after", "st-graceful");
      }
      if (!ended && r.definition) item("Stage", stageText(r.definition, elapsed) || "–", "st-stage");
      const t = this.lastTick;
      if (!ended && t) {
        item("Throughput", rps(t.total.requests), "st-rps");
        item("p95 (last s)", us(t.total.lat_p95_us), "st-p95");
        item("Errors (last s)", pct(t.error_rate), "st-errors");
        item("VUs", `${count(t.vus)} of ${count(t.vus_max)}`, "st-vus");
        item("Requests", count(t.run.requests), "st-requests");
        item("Generator CPU", t.total.cpu_pct !== null ? Math.round(t.total.cpu_pct) + " %" : "–", "st-cpu");
      } else if (ended && r.stats) {
        item("Requests", count(r.stats.requests), "st-requests");
        item("Throughput", rps(r.stats.rps), "st-rps");
        item("p95", us(r.stats.p95_us), "st-p95");
        item("Errors", pct(r.stats.error_rate), "st-errors");
      }
    }
    fill(this.el.progress, items);
  }
}
