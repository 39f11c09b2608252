// run-custom: a finished run's custom metrics (the definition's `metrics`, docs/test-definition.md
// "Custom metrics") and its group durations, as a card of the finished view: one row per metric
// with the values k6 reports for its type, and the samples that could not be read.
//
// Reads only the run's summary document (GET /api/runs/{id}/summary): custom metrics are the names
// under rampage.metrics; group_duration and its per-group entries are k6's own.
import { h } from "./dom.js";
import { count, ms, pct } from "./fmt.js";

const num = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });

// One value as the metric holds it: times in ms, the rest as plain numbers.
function val(v, time) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  return time ? ms(v) : num.format(v);
}

// A threshold's observed value when its metric is a custom one of the definition (by its name
// before any tags): times in ms for "unit": "ms", rates as percentages, other numbers as they are;
// null for the built-in metrics (the caller formats those).
export function customObserved(definition, metric, aggregation, value) {
  const decl = definition && definition.metrics && definition.metrics[String(metric).split("{")[0]];
  if (!decl) return null;
  if (aggregation === "rate" && decl.type !== "counter") return pct(value);
  if (aggregation === "rate") return val(value, false) + "/s";
  return val(value, decl.unit === "ms" && aggregation !== "count");
}

// The cells of one metric entry, by type.
function cells(e) {
  const v = e.values || {};
  const time = e.contains === "time";
  switch (e.type) {
    case "trend":
      return [`avg ${val(v.avg, time)}`, `p(95) ${val(v["p(95)"], time)}`, `min ${val(v.min, time)}`, `max ${val(v.max, time)}`];
    case "counter":
      return [`count ${val(v.count, false)}`, `rate ${val(v.rate, false)}/s`, "", ""];
    case "rate":
      return [`rate ${pct(v.rate)}`, `passes ${count(v.passes)}`, `fails ${count(v.fails)}`, ""];
    case "gauge":
      return [`value ${val(v.value, time)}`, `min ${val(v.min, time)}`, `max ${val(v.max, time)}`, ""];
    default:
      return ["", "", "", ""];
  }
}

// The card, or null when the run has neither custom metrics nor groups.
export function customSection(summary) {
  const metrics = (summary && summary.metrics) || {};
  const custom = (summary && summary.rampage && summary.rampage.metrics) || {};
  const names = Object.keys(custom);
  const groups = Object.keys(metrics).filter((n) => n === "group_duration" || n.startsWith("group_duration{"));
  if (names.length === 0 && groups.length === 0) return null;
  // sub-metrics thresholds named ("time_to_done{kind:poll}") follow their metric
  const subs = (n) => Object.keys(metrics).filter((k) => k.startsWith(n + "{"));
  const rows = [];
  for (const n of names) {
    for (const key of [n, ...subs(n)]) {
      const e = metrics[key];
      if (!e) continue;
      const missing = key === n ? custom[n].missing : 0;
      rows.push(h("tr", { "data-metric": key },
        h("th", { scope: "row" }, key),
        h("td", {}, e.type),
        ...cells(e).map((c) => h("td", { class: "num" }, c)),
        h("td", { class: "num" }, missing ? `${count(missing)} unreadable` : "")));
    }
  }
  for (const key of groups) {
    const e = metrics[key];
    rows.push(h("tr", { "data-metric": key },
      h("th", { scope: "row" }, key), h("td", {}, e.type),
      ...cells(e).map((c) => h("td", { class: "num" }, c)), h("td", {}, "")));
  }
  return h("section", { class: "card wide", id: "custom-metrics", "aria-labelledby": "cm-title" },
    h("h2", { id: "cm-title" }, "Custom metrics and groups"),
    // in the scroller every wide table has: values of any length never widen the page
    h("div", { class: "table-wrap" }, h("table", { class: "custom-metrics" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Metric"), h("th", { scope: "col" }, "Type"),
        h("th", { scope: "col", colspan: "4" }, "Values"), h("th", { scope: "col" }, ""))),
      h("tbody", {}, rows))));
}
