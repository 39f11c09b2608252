// charts: the run's time series drawn with uPlot (its ES module build, from npm, which make copies
// into the web root's vendor/). RunCharts holds one column store for three charts -- throughput
// (requests/s and errors/s), latency (p50/p95/p99/max, log scale) and active VUs -- fed either with
// sample rows from the REST API (possibly downsampled: a row then covers `seconds` seconds) or with
// live ticks, and times every redraw. The x axis is the time since the run started (m:ss, h:mm:ss):
// what people compare between runs; the hover legend adds the wall-clock time, to the second. (setData to the last chart's draw hook) so that the page and
// the browser test can read what a redraw costs.
import { ms, count } from "./fmt.js";

// Imported when this module loads, but not statically: a web root without vendor/ (web/ of the
// source tree served as it is) must still run the rest of the dashboard and say what is missing.
let uPlot = null;
try {
  uPlot = (await import("../vendor/uPlot.esm.js")).default;
} catch (err) {
  console.warn("the chart library did not load: " + err.message);
}

// Whether the chart library is there (app.js shows a banner when it is not).
export const chartsLoaded = uPlot !== null;

// Seconds since the start as "0:05", "12:30", "1:02:03".
export function elapsed(s) {
  if (s === null || s === undefined || !isFinite(s)) return "–";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}
const clockFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

// Integer steps for axes that count things (VUs): never "1, 1, 0".
const COUNT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000,
  100000, 200000, 500000, 1000000];

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// The columns kept per point.
const COLS = ["x", "rps", "eps", "p50", "p95", "p99", "max", "vus"];

function lat(v) {
  // µs -> ms for a log scale (which cannot show 0)
  return v === null || v === undefined ? null : Math.max(v / 1000, 0.001);
}

// One point from a sample row or a tick's `total` (the same keys): its rates are per second of
// the `span` seconds it covers.
export function pointOf(row, span) {
  const n = Math.max(span || 1, 1);
  return {
    rps: row.requests / n,
    eps: row.failures / n,
    p50: lat(row.lat_p50_us),
    p95: lat(row.lat_p95_us),
    p99: lat(row.lat_p99_us),
    max: lat(row.lat_max_us),
    vus: row.vus ?? null,
  };
}

export class RunCharts {
  constructor(container, { startedMs }) {
    this.container = container;
    this.base = Math.round((startedMs || Date.now()) / 1000);   // the start, epoch seconds: x is seconds since it
    this.cols = Object.fromEntries(COLS.map((c) => [c, []]));
    this.seconds = [];   // run second each point starts at
    this.spans = [];     // seconds each point covers
    this.redraws = [];   // ms per redraw (all three charts)
    this.pending = null;
    this.drawn = 0;
    const w = this.width();
    // whole seconds at least: a run's points are seconds apart
    const incrs = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
    const axisX = { stroke: css("--muted"), space: 70, incrs, grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") },
      values: (u, vals) => vals.map((v) => v === null ? "" : elapsed(v)) };
    const axisY = (fmt, size = 70, extra = {}) => ({
      stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") }, size,
      values: (u, vals) => vals.map((v) => v === null ? "" : fmt(v)), ...extra,
    });
    const xSeries = { label: "time", value: (u, v) => v === null || v === undefined ? "–"
      : `+${elapsed(v)} (${clockFmt.format(new Date((this.base + v) * 1000))})` };
    const onDraw = () => this.onDraw();
    this.changes = [];   // the run's changes while it ran (docs/api.md): a marker each on every chart
    this.events = [];    // the run's events (Run.events: a reload, a deploy): a marker each too
    const marks = (u) => this.placeMarkers(u);
    const common = (title, height) => ({
      title, width: w, height, hooks: { draw: [onDraw, marks] },
      cursor: { sync: { key: "run" }, drag: { x: true, y: false } },
      legend: { live: true },
    });
    const fmtRate = (v) => count(v) + "/s";
    this.throughput = new uPlot({
      ...common("Throughput", 220),
      scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(max, 1) * 1.05] } },
      axes: [axisX, axisY(fmtRate)],
      series: [xSeries,
        { label: "requests/s", stroke: css("--c-rps"), width: 2, fill: css("--c-rps-fill"), value: (u, v) => v === null ? "–" : count(v) + " req/s" },
        { label: "errors/s", stroke: css("--bad"), width: 2, value: (u, v) => v === null ? "–" : count(v) + " err/s" }],
    }, [[], [], []], this.slot("chart-throughput"));
    this.latency = new uPlot({
      ...common("Latency", 220),
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [axisX, axisY((v) => ms(v))],
      series: [xSeries,
        { label: "p50", stroke: css("--c-p50"), width: 2, value: (u, v) => ms(v) },
        { label: "p95", stroke: css("--c-p95"), width: 2, value: (u, v) => ms(v) },
        { label: "p99", stroke: css("--c-p99"), width: 2, value: (u, v) => ms(v) },
        { label: "max", stroke: css("--c-max"), width: 1, dash: [4, 4], value: (u, v) => ms(v) }],
    }, [[], [], [], [], []], this.slot("chart-latency"));
    this.vus = new uPlot({
      ...common("Active VUs", 160),
      scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(Math.ceil(max * 1.1), 1)] } },
      axes: [axisX, axisY((v) => count(v), 70, { incrs: COUNT_INCRS })],
      series: [xSeries, { label: "VUs", stroke: css("--c-vus"), width: 2, fill: css("--c-vus-fill"), value: (u, v) => v === null ? "–" : count(v) }],
    }, [[], []], this.slot("chart-vus"));
    this.charts = [this.throughput, this.latency, this.vus];
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
  }

  slot(cls) {
    const el = document.createElement("div");
    el.className = "chart " + cls;
    this.container.append(el);
    return el;
  }

  width() {
    return Math.max(320, this.container.clientWidth - 8);
  }

  resize() {
    const w = this.width();
    if (Math.abs(w - this.throughput.width) < 4) return;
    for (const c of this.charts) c.setSize({ width: w, height: c.height });
  }

  onDraw() {
    if (this.pending === null) return;
    this.drawn++;
    if (this.drawn === this.charts.length) {
      this.redraws.push(performance.now() - this.pending);
      if (this.redraws.length > 1000) this.redraws.shift();
      this.pending = null;
    }
  }

  get length() { return this.seconds.length; }
  get lastSecond() {
    const n = this.seconds.length;
    return n ? this.seconds[n - 1] + this.spans[n - 1] - 1 : -1;
  }

  // Replaces every point with sample rows (`second`, and `seconds` when downsampled by step).
  setRows(rows, step) {
    this.cols = Object.fromEntries(COLS.map((c) => [c, []]));
    this.seconds = [];
    this.spans = [];
    for (const r of rows) this.push(r.second, step > 1 ? step : 1, r, step > 1 ? (r.seconds || step) : 1);
    this.draw();
  }

  // Adds points after the last one (ticks, or rows that fill a gap); drops what is not newer.
  append(rows) {
    let added = 0;
    for (const r of rows) {
      if (r.second <= this.lastSecond) continue;
      this.push(r.second, 1, r, 1);
      added++;
    }
    if (added) this.draw();
    return added;
  }

  push(second, span, row, covered) {
    const p = pointOf(row, covered);
    this.seconds.push(second);
    this.spans.push(span);
    this.cols.x.push(second);
    for (const c of COLS) if (c !== "x") this.cols[c].push(p[c]);
  }

  // Redraws all three charts; the time until the last one has drawn goes to `redraws`.
  draw() {
    const c = this.cols;
    this.pending = performance.now();
    this.drawn = 0;
    this.throughput.setData([c.x, c.rps, c.eps]);
    this.latency.setData([c.x, c.p50, c.p95, c.p99, c.max]);
    this.vus.setData([c.x, c.vus]);
  }

  // The run's changes (Run.changes: {second, at_ms, scenario, from, to, trigger}): each becomes a
  // labelled vertical marker on every chart, kept in place as the charts redraw.
  setChanges(changes) {
    this.changes = (changes || []).slice();
    for (const u of this.charts) this.placeMarkers(u);
  }

  // The run's events (Run.events: {second, at_ms, name, source, status}): drawn like the changes.
  setEvents(events) {
    this.events = (events || []).slice();
    for (const u of this.charts) this.placeMarkers(u);
  }

  placeMarkers(u) {
    const over = u.over;
    if (!over) return;
    for (const el of over.querySelectorAll(".change-marker, .event-marker")) el.remove();
    for (const ev of this.events) {
      const x = u.valToPos(ev.at_ms / 1000, "x");
      if (!isFinite(x) || x < 0 || x > over.clientWidth) continue;
      const req = ev.source === "definition" ? (ev.status ? ` (HTTP ${ev.status})` : ev.error ? " (request failed)" : "") : "";
      over.append(Object.assign(document.createElement("div"), {
        className: "event-marker",
        title: `+${elapsed(ev.at_ms / 1000)}: ${ev.name}${req} (${ev.source === "definition" ? "timed" : ev.trigger || "api"})`,
        textContent: ev.name,
      }));
      over.lastChild.style.left = x + "px";
    }
    for (const c of this.changes) {
      // at the start of the run second it took effect in: a point at x = s is second s
      const x = u.valToPos(c.second, "x");
      if (!isFinite(x) || x < 0 || x > over.clientWidth) continue;
      const text = `${c.from} → ${c.to} VUs`;
      over.append(Object.assign(document.createElement("div"), {
        className: "change-marker",
        title: `+${elapsed(c.at_ms / 1000)}: ${c.scenario} ${text} (${c.trigger})`,
        textContent: text,
      }));
      over.lastChild.style.left = x + "px";
    }
  }

  destroy() {
    this.resizeObserver.disconnect();
    for (const ch of this.charts) ch.destroy();
  }
}

// A tiny trend line (no axes, no legend) for the tests list; values may hold nulls.
export function sparkline(el, values, { color = css("--c-rps"), label = "" } = {}) {
  const x = values.map((_, i) => i);
  const u = new uPlot({
    width: 110, height: 28, pxAlign: 0,
    cursor: { show: false }, legend: { show: false }, select: { show: false },
    // one run: its point in the middle (an x range of one value draws nothing)
    scales: { x: values.length === 1 ? { time: false, auto: false, range: [-1, 1] } : { time: false },
      y: { range: (uu, min, max) => [Math.min(0, min ?? 0), (max ?? 1) * 1.1 || 1] } },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: color, width: 1.5, points: { show: values.length < 2, size: 6, fill: color } }],
  }, [x, values], el);
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", label);
  return u;
}

// The percentile spectrum of a finished run (GET /api/runs/{id}/latency): latency (ms, log) against
// 1/(1-p) on a log axis labelled in percentiles (50%, 90%, 99%, 99.9% ...), so the tail has room:
// where a run's 99.9th percentile bends away is where its users wait. Several series may be drawn
// together (an endpoint beside the total; the baselines work overlays runs).
export class LatencySpectrum {
  constructor(el, width) {
    this.el = el;
    this.u = null;
    this.width = width;
  }

  // sets: [{label, percentiles: [{p, us}], count}]; the maximum (p = 100) is drawn at 1/(1/count).
  set(sets) {
    if (!uPlot) return;
    // the maximum sits at 1/(1/count), or half a step (x √2) right of the last percentile when
    // rounding put that one at or past it: a point of its own, never on top of another
    const xsOf = (d) => d.percentiles.reduce((xs, q) => {
      const last = xs.length ? xs[xs.length - 1] : 1;
      xs.push(q.p >= 100 ? (Math.max(d.count, 2) > last ? Math.max(d.count, 2) : last * Math.SQRT2) : 1 / (1 - q.p / 100));
      return xs;
    }, []);
    const xs = [...new Set(sets.flatMap(xsOf))].sort((a, b) => a - b);
    const data = [xs, ...sets.map((d) => {
      const at = new Map(xsOf(d).map((x, i) => [x, Math.max(d.percentiles[i].us / 1000, 0.001)]));
      return xs.map((x) => at.has(x) ? at.get(x) : null);
    })];
    const colors = [css("--c-p95"), css("--c-rps"), css("--c-p99"), css("--c-max")];
    const pctOf = (x) => { const p = 100 * (1 - 1 / x); return (p >= 99 ? +p.toFixed(4) : +p.toFixed(1)) + "%"; };
    if (this.u) this.u.destroy();
    this.u = new uPlot({
      width: this.width, height: 240,
      scales: { x: { time: false, distr: 3, log: 10 }, y: { distr: 3 } },
      axes: [{ stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") }, space: 50,
        splits: (u, i, min, max) => [1, 2, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].filter((x) => x >= min && x <= max),
        values: (u, vals) => vals.map((v) => v === null ? "" : pctOf(v)) },
      { stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") }, size: 70,
        values: (u, vals) => vals.map((v) => v === null ? "" : ms(v)) }],
      series: [{ label: "percentile", value: (u, v) => v === null || v === undefined ? "–" : pctOf(v) },
        ...sets.map((d, i) => ({ label: d.label, stroke: colors[i % colors.length], width: 2, spanGaps: true,
          points: { show: true, size: 4 }, value: (u, v) => ms(v) }))],
    }, data, this.el);
  }

  destroy() { if (this.u) this.u.destroy(); this.u = null; }
}

// Plain numbers with a short suffix: 1.2k, 41M (bytes, counts, rates alike).
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 2 });
function monitorFmt(v) {
  return v === null || v === undefined || !isFinite(v) ? "–" : compact.format(v);
}

// The run's monitored values (the definition's `monitors`, docs/test-definition.md "Monitors"),
// one small chart each under the load charts: filled from GET /api/runs/{id}/monitors (a finished
// run, or a live one's seconds so far) and then from live ticks (`monitors`). A second whose scrape
// failed (a gap) is a break in the line; a second without a scrape (an interval above 1 s) is no
// point, so the line joins the scrapes. The charts are made at the first data
// that names values; a run without monitors shows nothing.
export class MonitorCharts {
  constructor(container) {
    this.container = container;
    this.charts = new Map();   // name -> { u, x, y, last }
    this.ro = null;
  }

  get names() { return [...this.charts.keys()]; }

  // Points of a value so far.
  points(name) { const c = this.charts.get(name); return c ? c.x.length : 0; }

  chart(name, kind, monitor) {
    let c = this.charts.get(name);
    if (c || !uPlot) return c;
    const el = document.createElement("div");
    el.className = "chart chart-monitor";
    el.dataset.monitor = name;
    this.container.append(el);
    const unit = kind === "rate" ? "/s" : "";
    const w = Math.max(320, this.container.clientWidth - 8);
    const u = new uPlot({
      title: `${name}${kind === "rate" ? " (per second)" : ""} · ${monitor}`, width: w, height: 150,
      cursor: { sync: { key: "run" } }, legend: { live: true },
      scales: { x: { time: false } },
      axes: [{ stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") }, space: 70,
        incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400],
        values: (uu, vals) => vals.map((v) => v === null ? "" : elapsed(v)) },
      { stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") }, size: 70,
        values: (uu, vals) => vals.map((v) => v === null ? "" : monitorFmt(v) + unit) }],
      series: [{ label: "time", value: (uu, v) => v === null || v === undefined ? "–" : "+" + elapsed(v) },
        { label: name, stroke: css("--c-p95"), width: 2, spanGaps: false,
          value: (uu, v) => v === null || v === undefined ? "–" : monitorFmt(v) + unit }],
    }, [[], []], el);
    c = { u, x: [], y: [], last: -1 };
    this.charts.set(name, c);
    if (!this.ro) {
      this.ro = new ResizeObserver(() => {
        const ww = Math.max(320, this.container.clientWidth - 8);
        for (const m of this.charts.values()) if (Math.abs(ww - m.u.width) >= 4) m.u.setSize({ width: ww, height: m.u.height });
      });
      this.ro.observe(this.container);
    }
    return c;
  }

  add(c, second, value) {
    if (second <= c.last) return;
    c.last = second;
    c.x.push(second);
    c.y.push(value === undefined ? null : value);
  }

  // The stored seconds (GET /api/runs/{id}/monitors): replaces what was drawn.
  load(doc) {
    const mons = (doc && doc.monitors) || {};
    for (const [name, m] of Object.entries(mons)) {
      const c = this.chart(name, m.kind, m.monitor);
      if (!c) continue;
      c.x.length = 0; c.y.length = 0; c.last = -1;
      // a second without a scrape (an interval above 1 s) is no point; a failed one is a break
      for (const s of m.samples || []) if (s.scrapes > 0) this.add(c, s.second, s.value);
      c.u.setData([c.x, c.y]);
    }
  }

  // One live tick.
  tick(m) {
    for (const v of m.monitors || []) {
      const c = this.chart(v.name, v.kind, v.monitor);
      if (!c || !(v.scrapes > 0)) continue;
      this.add(c, m.second, v.value);
      c.u.setData([c.x, c.y]);
    }
  }

  destroy() {
    if (this.ro) this.ro.disconnect();
    for (const c of this.charts.values()) c.u.destroy();
    this.charts.clear();
    this.container.replaceChildren();
  }
}
