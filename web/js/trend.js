// trend: a test's runs as three trend charts -- p95 latency, requests/s, error rate -- from
// GET /api/tests/{id}/trend: one point per run that ended with data, the runs in order along x
// (labelled by run id), the baseline run ringed, and each change point drawn as a dashed line with
// its sentence ("p95 rose 18% at run 412 (...)") beside it and listed under its chart. Mounted by
// view-test.js above the history; also gives the history the VUs of each run (the trend's points
// carry them).
import { get, qs } from "./api.js";
import { h, fill } from "./dom.js";
import { ms, count, errorText } from "./fmt.js";
import { exposeForTests } from "./testhook.js";

// As in charts.js: a web root without vendor/ still runs the rest of the page (charts.js's banner
// says what is missing).
let uPlot = null;
try {
  uPlot = (await import("../vendor/uPlot.esm.js")).default;
} catch { /* reported by charts.js */ }

// Runs a chart shows at most (the API allows 1,000; the history pages through the rest).
export const TREND_LIMIT = 200;

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

const pctText = (v) => (v === null || v === undefined || !isFinite(v) ? "–"
  : (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)) + " %");

// The charts: the metric asked of the API, how a value is shown (the API's unit -> the axis's).
const METRICS = [
  { metric: "p95", title: "p95 latency", color: "--c-p95", toAxis: (v) => v / 1000, fmt: (v) => ms(v) },
  { metric: "rps", title: "Throughput", color: "--c-rps", toAxis: (v) => v, fmt: (v) => (v === null ? "–" : count(v) + " req/s") },
  { metric: "error_rate", title: "Error rate", color: "--bad", toAxis: (v) => v * 100, fmt: pctText },
];

// What the browser tests read (testhook.js): per metric, the points and the annotations drawn.
const debug = { trend: {} };

// Draws the change points (dashed line + sentence) and labels the baseline, on uPlot's canvas.
function annotate(u, spec, doc) {
  const { ctx, bbox } = u;
  const drawn = [];
  ctx.save();
  ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
  ctx.lineWidth = devicePixelRatio;
  for (const cp of doc.change_points) {
    const x = u.valToPos(cp.index - 0.5, "x", true);
    if (x < bbox.left || x > bbox.left + bbox.width) continue;
    // worse is red: latency and errors that rose, throughput that fell
    const worse = (cp.direction === "rose") !== (spec.metric === "rps");
    ctx.strokeStyle = worse ? css("--bad") : css("--ok");
    ctx.fillStyle = ctx.strokeStyle;
    ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    // the sentence, on the side of the line with more room
    const text = cp.message;
    const w = ctx.measureText(text).width;
    const right = x + 4 * devicePixelRatio + w <= bbox.left + bbox.width;
    ctx.textAlign = right ? "left" : "right";
    ctx.fillText(text, x + (right ? 4 : -4) * devicePixelRatio, bbox.top + 12 * devicePixelRatio);
    drawn.push({ run: cp.run, x: x / devicePixelRatio, text });
  }
  ctx.restore();
  debug.trend[spec.metric] = { ...(debug.trend[spec.metric] || {}), drawn };
}

// One chart of doc (an API answer) into el.
function chart(el, spec, doc, width) {
  const pts = doc.points;
  const xs = pts.map((_, i) => i);
  const ys = pts.map((p) => (p.value === null ? null : spec.toAxis(p.value)));
  const base = pts.map((p, i) => (p.baseline ? ys[i] : null));
  const runOf = (i) => (Number.isInteger(i) && pts[i] ? "#" + pts[i].run : "");
  const axis = { stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") } };
  const color = css(spec.color);
  debug.trend[spec.metric] = { points: pts.length, changes: doc.change_points.map((c) => c.run),
    baseline: doc.baseline_run, drawn: [] };
  return new uPlot({
    title: spec.title, width, height: 200,
    // one run: its point in the middle (an x range of one value draws nothing)
    scales: { x: { time: false, ...(pts.length === 1 ? { auto: false, range: [-1, 1] } : {}) },
      y: { range: (u, min, max) => [0, Math.max(max ?? 1, 1e-9) * 1.1] } },
    axes: [{ ...axis, space: 50, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      values: (u, vals) => vals.map(runOf) },
    { ...axis, size: 80, values: (u, vals) => vals.map((v) => (v === null ? "" : spec.fmt(v))) }],
    series: [
      { label: "run", value: (u, i) => (i === null || i === undefined ? "–" : `${runOf(i)} (${pts[i]?.trigger ?? ""})`) },
      { label: spec.title, stroke: color, width: 2, spanGaps: true, points: { show: true, size: 5, fill: color },
        value: (u, v) => spec.fmt(v) },
      { label: doc.baseline_run ? `baseline #${doc.baseline_run}` : "baseline (none)", stroke: css("--fg"),
        width: 0, paths: () => null, points: { show: true, size: 12, width: 2, fill: "transparent" },
        value: (u, v) => (v === null || v === undefined ? "–" : spec.fmt(v)) },
    ],
    hooks: { draw: [(u) => annotate(u, spec, doc)] },
  }, [xs, ys, base], el);
}

// Mounts the trend of test `testId` into el. Returns { vus: Map(run id -> VUs), destroy() }.
export async function testTrend(el, testId) {
  const out = { vus: new Map(), charts: [], destroy() {
    if (this.observer) this.observer.disconnect();
    for (const c of this.charts) c.destroy();
  } };
  let docs;
  fill(el, h("h2", {}, "Trend"), h("p", { class: "muted" }, "Loading the trend…"));
  try {
    docs = await Promise.all(METRICS.map((m) => get(`/api/tests/${testId}/trend` + qs({ metric: m.metric, limit: TREND_LIMIT }))));
  } catch (err) {
    fill(el, h("h2", {}, "Trend"), h("p", { class: "error" }, "Cannot read the trend: " + errorText(err)));
    return out;
  }
  for (const p of docs[0].points) if (p.vus !== null) out.vus.set(p.run, p.vus);
  const n = docs[0].points.length;
  const head = h("div", { class: "section-head" }, h("h2", {}, "Trend"),
    h("p", { class: "muted small" }, n === 0 ? "" : `The last ${n} run(s) that ended with data, oldest first` +
      (docs[0].baseline_run ? `; the ringed point is the baseline, run #${docs[0].baseline_run}.` : "; no baseline set.")));
  if (n === 0) {
    fill(el, head, h("p", { class: "muted", id: "trend-empty" }, "No runs have ended with data yet: the trend starts with the first."));
    return out;
  }
  if (!uPlot) {
    fill(el, head, h("p", { class: "error" }, "The chart library is missing: the trend cannot be drawn."));
    return out;
  }
  fill(el, head);
  const width = () => Math.max(320, el.clientWidth - 8);
  METRICS.forEach((spec, k) => {
    const doc = docs[k];
    const box = h("div", { class: "chart trend-chart", dataset: { metric: spec.metric } });
    const list = h("ul", { class: "trend-changes", dataset: { metric: spec.metric } },
      doc.change_points.map((cp) => h("li", { dataset: { run: cp.run, direction: cp.direction } },
        h("a", { href: "#/runs/" + cp.run }, cp.message),
        h("span", { class: "muted small" }, ` (p = ${cp.pvalue.toPrecision(2)})`))));
    el.append(box, doc.change_points.length ? list : h("p", { class: "muted small trend-none", dataset: { metric: spec.metric } },
      "No change point: one level across these runs."));
    out.charts.push(chart(box, spec, doc, width()));
  });
  out.observer = new ResizeObserver(() => {
    for (const c of out.charts) if (Math.abs(c.width - width()) >= 4) c.setSize({ width: width(), height: c.height });
  });
  out.observer.observe(el);
  exposeForTests(debug);
  return out;
}
