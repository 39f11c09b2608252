// view-compare (#/runs/34/compare/baseline, /previous, /12): run 34 compared with another run
// (GET /api/runs/{id}/compare?to=...; docs/api.md, "Comparing two runs"): the verdict and why the
// runs may not be comparable, both runs' throughput and p95 overlaid on an elapsed-time axis
// (seconds since each run's start, from GET /api/runs/{id}/samples), the difference table per
// endpoint with its verdicts, and both latency spectra overlaid (charts.js' LatencySpectrum).
import { get, qs } from "./api.js";
import { h, fill } from "./dom.js";
import { errorText } from "./fmt.js";
import { LatencySpectrum } from "./charts.js";
import { exposeForTests } from "./testhook.js";

let uPlot = null;
try { uPlot = (await import("../vendor/uPlot.esm.js")).default; } catch (e) { uPlot = null; }

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
const ROWS = ["rps", "error_rate", "p95_us", "p50_us", "p99_us", "mean_us"];

// A metric's value for the table.
function fmtValue(metric, v) {
  if (v === null || v === undefined) return "–";
  if (metric.endsWith("_us")) return (v / 1000).toFixed(2) + " ms";
  if (metric.endsWith("rate")) return (v * 100).toFixed(3) + "%";
  return v.toFixed(2) + "/s";
}
function fmtDiff(metric, v) {
  if (v === null || v === undefined) return "–";
  const s = v > 0 ? "+" : "";
  if (metric.endsWith("_us")) return s + (v / 1000).toFixed(2) + " ms";
  if (metric.endsWith("rate")) return s + (v * 100).toFixed(3) + " pt";
  return s + v.toFixed(2) + "/s";
}

// The rows of one endpoint (or the total) of the difference table.
function rows(name, metrics) {
  return ROWS.filter((m) => metrics[m]).map((m, i) => {
    const r = metrics[m];
    return h("tr", { class: r.verdict ? "verdict-row verdict-" + r.verdict : "" },
      h("td", {}, i === 0 ? name : ""), h("td", {}, m),
      h("td", { class: "num" }, fmtValue(m, r.base)), h("td", { class: "num" }, fmtValue(m, r.run)),
      h("td", { class: "num" }, fmtDiff(m, r.diff)),
      h("td", { class: "num" }, r.ratio === null ? "–" : r.ratio.toFixed(3) + "x"),
      h("td", { class: "num" }, r.ci ? `${r.ci[0].toFixed(3)} – ${r.ci[1].toFixed(3)}` : "–"),
      h("td", {}, r.verdict ? h("span", { class: "verdict verdict-" + r.verdict }, r.verdict) : ""));
  });
}

// Both runs' seconds (total) at a step that keeps a chart under ~600 points.
async function seconds(id, steadySeconds) {
  const step = Math.max(1, Math.ceil((steadySeconds || 1) / 600));
  return (await get(`/api/runs/${id}/samples` + qs({ step }))).samples;
}

// One overlay chart: a column of each run against elapsed seconds.
function overlay(el, title, base, run, col, scale, unit) {
  if (!uPlot) return null;
  const xs = [...new Set([...base, ...run].map((r) => r.second))].sort((a, b) => a - b);
  const value = (r) => r[col] === null ? null : col === "requests" ? r.requests / (r.seconds || 1) : r[col] / scale;
  const at = (rowsOf) => { const m = new Map(rowsOf.map((r) => [r.second, value(r)])); return xs.map((x) => m.has(x) ? m.get(x) : null); };
  return new uPlot({
    title, width: Math.max(320, el.clientWidth - 20 || 600), height: 200,
    scales: { x: { time: false } },
    axes: [{ label: "seconds since start", stroke: css("--muted") }, { label: unit, stroke: css("--muted"), size: 60 }],
    series: [{ label: "s" }, { label: "base", stroke: css("--c-rps"), width: 2, spanGaps: true },
      { label: "run", stroke: css("--c-p95"), width: 2, spanGaps: true }],
  }, [xs, at(base), at(run)], el);
}

export async function compareView(main, id, to) {
  const made = [];
  let spectrum = null;
  fill(main, h("h1", {}, `Run #${id} compared`), h("p", {}, "Loading…"));
  let doc;
  try {
    doc = await get(`/api/runs/${id}/compare` + qs({ to }));
  } catch (err) {
    fill(main, h("h1", {}, `Run #${id} compared`), h("p", { class: "error", id: "compare-error" }, errorText(err)),
      h("p", {}, h("a", { href: `#/runs/${id}` }, `Back to run #${id}`)));
    return () => {};
  }
  const baseId = doc.base.run_id;
  const chartsEl = h("div", { class: "compare-charts", id: "compare-charts" });
  const spectrumEl = h("div", { id: "compare-spectrum" });
  const table = h("table", { id: "compare-table" },
    h("thead", {}, h("tr", {}, ["Endpoint", "Metric", `Base #${baseId}`, `Run #${id}`, "Difference", "Ratio", "95% interval", "Verdict"].map((t) => h("th", {}, t)))),
    h("tbody", {}, rows("total", doc.total.metrics), doc.endpoints.map((e) => rows(`${e.method} ${e.name}`, e.metrics))));
  fill(main,
    h("h1", {}, h("a", { href: `#/runs/${id}` }, `Run #${id}`), " compared with ", h("a", { href: `#/runs/${baseId}` }, `run #${baseId}`),
      doc.to !== "run" ? ` (${doc.to})` : ""),
    h("p", { id: "compare-verdict" }, "Verdict: ", h("span", { class: "verdict verdict-" + doc.verdict }, doc.verdict),
      ` — steady part: ${doc.run.steady.part}, ${doc.run.steady.seconds} s in windows of ${doc.run.steady.window_s} s`),
    doc.comparable ? null : h("div", { class: "banner warning", id: "compare-reasons" }, "The load shapes differ; the verdicts compare different loads:",
      h("ul", {}, doc.reasons.map((r) => h("li", {}, r)))),
    chartsEl,
    h("h2", {}, "Differences"),
    h("div", { class: "table-wrap" }, table),
    doc.only_in_run.length || doc.only_in_base.length ? h("p", {}, "Only in one run: ",
      [...doc.only_in_run.map((e) => `${e.method} ${e.name} (run)`), ...doc.only_in_base.map((e) => `${e.method} ${e.name} (base)`)].join(", ")) : null,
    h("h2", {}, "Latency spectra"), spectrumEl,
    h("p", { class: "muted" }, "Verdicts on p95, requests/s and error rate only, from a block bootstrap over windows of the steady part; see docs/api.md."));
  try {
    const [sb, sr] = await Promise.all([seconds(baseId, doc.base.steady.seconds), seconds(id, doc.run.steady.seconds)]);
    made.push(overlay(chartsEl, "Requests per second", sb, sr, "requests", 1, "req/s"));
    made.push(overlay(chartsEl, "p95 latency", sb, sr, "lat_p95_us", 1000, "ms"));
  } catch (err) {
    chartsEl.append(h("p", { class: "error" }, errorText(err)));
  }
  if (!doc.spectra.base?.length || !doc.spectra.run?.length)
    spectrumEl.append(h("p", { class: "muted", id: "compare-no-spectrum" }, "No latency was measured in the steady part of " +
      (!doc.spectra.base?.length && !doc.spectra.run?.length ? "either run." : !doc.spectra.base?.length ? `run #${baseId}.` : `run #${id}.`)));
  // runs without stored seconds (figures only, or nothing in the steady part) have empty spectra
  if (doc.spectra.base?.length && doc.spectra.run?.length) {
    spectrum = new LatencySpectrum(spectrumEl, Math.max(320, main.clientWidth - 40));
    const count = (side) => Math.max(2, Math.round((doc.total.metrics.rps?.[side] || 0) * doc[side].steady.seconds));
    spectrum.set([{ label: `base #${baseId}`, percentiles: doc.spectra.base, count: count("base") },
      { label: `run #${id}`, percentiles: doc.spectra.run, count: count("run") }]);
  }
  exposeForTests({
    compare: doc,
    overlays: () => made.filter(Boolean).map((u) => u.data.length - 1),
    xLabels: () => made.filter(Boolean).map((u) => u.axes[0].label),
    spectrumSeries: () => spectrum && spectrum.u ? spectrum.u.series.length - 1 : 0,
  });
  return () => { for (const u of made) if (u) u.destroy(); if (spectrum) spectrum.destroy(); };
}
