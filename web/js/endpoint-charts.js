// endpoint-charts: a small chart per endpoint picked in the run page's endpoint table (its "chart"
// checkbox): requests/s (left axis) and p95 (right axis, ms) of that endpoint over the run, from its
// stored samples (GET /api/runs/{id}/samples?endpoint=NAME, at the main charts' step) and then, for a
// live run, from each tick's `endpoints`. The cursor follows the main charts (uPlot's sync key
// "run"). Kept light: nothing is read or drawn for an endpoint nobody picked.
import { get, qs } from "./api.js";
import { h } from "./dom.js";
import { elapsed, pointOf } from "./charts.js";
import { count, ms, errorText } from "./fmt.js";

let uPlot = null;
try {
  uPlot = (await import("../vendor/uPlot.esm.js")).default;
} catch { /* charts.js says what is missing */ }

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const RECENT = 30;
const SECOND_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];   // ticks kept to apply after a history read that they may have overtaken

export class EndpointCharts {
  // `stepOf()` is the main charts' current step (seconds per point).
  constructor(id, stepOf) {
    this.id = id;
    this.stepOf = stepOf;
    this.el = h("div", { class: "endpoint-charts", id: "endpoint-charts" });
    this.picked = new Map();   // name -> { el, u, x, rps, p95, last }
    this.recent = [];
    this.resizeObserver = new ResizeObserver(() => {
      const w = this.width();
      for (const c of this.picked.values()) if (c.u && Math.abs(c.u.width - w) >= 4) c.u.setSize({ width: w, height: c.u.height });
    });
    this.resizeObserver.observe(this.el);
  }

  width() { return Math.max(280, this.el.clientWidth - 8); }

  has(name) { return this.picked.has(name); }
  get names() { return [...this.picked.keys()]; }

  // Adds or removes the chart of endpoint `name`.
  async pick(name, on) {
    if (!on) {
      const c = this.picked.get(name);
      if (c) { if (c.u) c.u.destroy(); c.el.remove(); this.picked.delete(name); }
      return;
    }
    if (this.picked.has(name) || !uPlot) return;
    const c = { el: h("div", { class: "chart endpoint-chart", dataset: { endpoint: name } }), u: null,
      x: [], rps: [], p95: [], last: -1 };
    this.picked.set(name, c);
    this.el.append(c.el);
    const step = this.stepOf() || 1;
    let rows;
    try {
      rows = (await get(`/api/runs/${this.id}/samples` + qs({ endpoint: name, step: step > 1 ? step : null }))).samples;
    } catch (err) {
      c.el.append(h("p", { class: "error" }, `${name}: ${errorText(err)}`));
      return;
    }
    if (this.picked.get(name) !== c) return;   // unpicked meanwhile
    for (const r of rows) this.push(c, r.second, r, step > 1 ? (r.seconds || step) : 1);
    for (const m of this.recent) this.tickOne(c, name, m);
    this.draw(name, c);
  }

  push(c, second, row, span) {
    if (second <= c.last) return;
    const p = pointOf(row, span);
    c.x.push(second); c.rps.push(p.rps); c.p95.push(p.p95);
    c.last = second + span - 1;
  }

  tickOne(c, name, m) {
    const e = (m.endpoints || []).find((x) => x.name === name);
    if (e && m.second > c.last) this.push(c, m.second, e, 1);
  }

  // A tick of the live stream, after the main charts hold it.
  tick(m) {
    this.recent.push(m);
    if (this.recent.length > RECENT) this.recent.shift();
    for (const [name, c] of this.picked) {
      if (!c.u) continue;
      const before = c.x.length;
      this.tickOne(c, name, m);
      if (c.x.length !== before) c.u.setData([c.x, c.rps, c.p95]);
    }
  }

  draw(name, c) {
    const axis = (fmt, side) => ({ stroke: css("--muted"), grid: { show: side === 3 }, size: 60, side,
      scale: side === 3 ? "y" : "ms", values: (u, vals) => vals.map((v) => v === null ? "" : fmt(v)) });
    c.u = new uPlot({
      title: name, width: this.width(), height: 150,
      cursor: { sync: { key: "run" } },
      scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(max, 1) * 1.05] },
        ms: { range: (u, min, max) => [0, Math.max(max || 0, 0.001) * 1.1] } },
      axes: [{ stroke: css("--muted"), grid: { stroke: css("--grid") }, space: 70, incrs: SECOND_INCRS, values: (u, vals) => vals.map((v) => v === null ? "" : elapsed(v)) },
        axis((v) => count(v) + "/s", 3), axis((v) => ms(v), 1)],
      series: [{ label: "time", value: (u, v) => v === null || v === undefined ? "–" : "+" + elapsed(v) },
        { label: "requests/s", stroke: css("--c-rps"), width: 2, scale: "y", value: (u, v) => v === null ? "–" : count(v) + " req/s" },
        { label: "p95", stroke: css("--c-p95"), width: 2, scale: "ms", value: (u, v) => ms(v) }],
    }, [c.x, c.rps, c.p95], c.el);
  }

  destroy() {
    this.resizeObserver.disconnect();
    for (const c of this.picked.values()) if (c.u) c.u.destroy();
    this.picked.clear();
    this.el.replaceChildren();
  }
}
