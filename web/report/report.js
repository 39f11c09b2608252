// The HTML report (daemon/metrics/report_html.h): draws a finished run from the JSON island
// "report-data" with plain DOM calls and uPlot (inlined before this script, as a global). No network:
// everything it shows is in the file.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var run = data.run || {}, def = data.definition || {}, sum = data.summary || {};
  var ram = sum.rampage || {}, metrics = sum.metrics || {};
  var root = document.getElementById("report");
  root.textContent = "";

  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) {
      if (c != null) e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
    return e;
  }
  function num(v, d) { return v == null || !isFinite(v) ? "–" : Number(v).toFixed(d == null ? 0 : d); }
  function ms(v) {
    if (v == null || !isFinite(v)) return "–";
    return v >= 1000 ? (v / 1000).toFixed(2) + " s" : v >= 1 ? v.toFixed(2) + " ms" : (v * 1000).toFixed(0) + " µs";
  }
  function pct(v) { return v == null || !isFinite(v) ? "–" : (v * 100).toFixed(2) + "%"; }
  function when(msv) { return msv ? new Date(msv).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "–"; }
  function table(cols, rows) {
    return h("table", null, [
      h("thead", null, [h("tr", null, cols.map(function (c) { return h("th", { class: c.n ? "n" : null }, [c.t]); }))]),
      h("tbody", null, rows.map(function (r) {
        return h("tr", null, r.map(function (v, i) {
          return v instanceof Node ? h("td", { class: cols[i].n ? "n" : null }, [v]) : h("td", { class: cols[i].n ? "n" : null }, [v]);
        }));
      }))]);
  }
  function section(id, title, kids) { root.appendChild(h("section", { id: id }, [h("h2", null, [title])].concat(kids))); }

  // ---- what was tested, and the verdict
  var verdict = run.verdict || (run.state === "passed" || run.state === "failed" ? run.state : null);
  root.appendChild(h("header", null, [
    h("h1", null, [run.name || def.name || "Rampage run"]),
    h("div", null, [h("span", { class: "verdict " + (verdict || "none"), id: "verdict" },
      [verdict ? "thresholds " + verdict : "no verdict (no thresholds)"]), " ",
      h("span", { class: "muted" }, ["state: " + (run.state || "–")])])]));
  var dur = sum.state && sum.state.testRunDurationMs;
  // The load shape as the definition gives it: each scenario's executor and its numbers.
  function shapeOf(sc) {
    var p = [];
    if (sc.vus != null) p.push(sc.vus + " VUs");
    if (sc.rate != null) p.push(sc.rate + " iterations per " + (sc.timeUnit || "1s"));
    if (sc.startRate != null) p.push("from " + sc.startRate + " per " + (sc.timeUnit || "1s"));
    if (sc.iterations != null) p.push(sc.iterations + " iterations");
    if (sc.duration) p.push("for " + sc.duration);
    if (Array.isArray(sc.stages)) p.push("stages " + sc.stages.map(function (st) { return st.target + " over " + st.duration; }).join(", "));
    if (sc.maxVUs != null) p.push("at most " + sc.maxVUs + " VUs");
    return p.join(", ");
  }
  var defsc = def.scenarios || { default: def };
  var shape = (ram.scenarios || []).map(function (s) {
    var d = shapeOf(defsc[s.name] || {});
    return s.name + " (" + s.executor + (d ? ": " + d : "") + ")";
  }).join("; ");
  var facts = [["Run", run.id != null ? "#" + run.id : "rampage run (CLI)"], ["Target", def.baseUrl || "–"],
    ["Load", shape || "–"], ["Started", when(run.started_ms)], ["Duration", dur != null ? (dur / 1000).toFixed(1) + " s" : "–"],
    ["Requests", ram.total ? num(ram.total.requests) + " (" + num(ram.total.rate, 1) + "/s), " + num(ram.total.failed) + " failed" : "–"],
    ["Generator", ram.generator ? ram.generator.verdict + (ram.generator.message ? ": " + ram.generator.message : "") : "–"]];
  if (run.trigger) facts.push(["Trigger", run.trigger]);
  if (ram.interrupted) facts.push(["Interrupted", "yes: stopped before its end"]);
  section("tested", "What was tested", [h("dl", { class: "facts" }, facts.reduce(function (a, f) {
    return a.concat([h("dt", null, [f[0]]), h("dd", null, [f[1]])]);
  }, []))]);

  // ---- thresholds
  var ths = ram.thresholds || [];
  section("thresholds", "Thresholds", ths.length ? [table(
    [{ t: "" }, { t: "Metric" }, { t: "Threshold" }, { t: "Observed", n: true }],
    ths.map(function (t) {
      var contains = metrics[t.metric] && metrics[t.metric].contains;
      var v = t.value == null ? "no samples" : contains === "time" && !/^(count|rate)$/.test(t.aggregation) ? ms(t.value)
        : t.aggregation === "rate" ? pct(t.value) : num(t.value, 2);
      return [h("span", { class: t.ok ? "ok" : "bad" }, [t.ok ? "✓ passed" : "✗ failed" + (t.aborted ? " (aborted the run)" : "")]),
        t.metric, t.source, (t.aggregation || "") + " = " + v];
    }))] : [h("p", { class: "muted" }, ["The test has no thresholds: no verdict is claimed."])]);

  // ---- checks
  // a group's checks too (groups of steps), named by their path there: "checkout › task queued"
  var checks = [];
  (function walk(g, prefix) {
    if (!g) return;
    (g.checks || []).forEach(function (c) { checks.push({ name: prefix + c.name, passes: c.passes, fails: c.fails }); });
    (g.groups || []).forEach(function (s) { walk(s, prefix + s.name + " › "); });
  })(sum.root_group, "");
  section("checks", "Checks", checks.length ? [table(
    [{ t: "" }, { t: "Check" }, { t: "Passed", n: true }, { t: "Failed", n: true }, { t: "Pass rate", n: true }],
    checks.map(function (c) {
      var n = c.passes + c.fails;
      return [h("span", { class: c.fails ? "bad" : "ok" }, [c.fails ? "✗" : "✓"]), c.name, num(c.passes), num(c.fails),
        n ? pct(c.passes / n) : "–"];
    }))] : [h("p", { class: "muted" }, ["The test has no checks."])]);

  // ---- endpoints
  function kv(o) { return Object.keys(o || {}).map(function (k) { return k + ": " + o[k]; }).join(", ") || "–"; }
  var eps = (ram.endpoints || []).concat(ram.total ? [ram.total] : []);
  section("endpoints", "Endpoints", [table(
    [{ t: "Endpoint" }, { t: "Requests", n: true }, { t: "Failed", n: true }, { t: "req/s", n: true }, { t: "p50", n: true },
      { t: "p95", n: true }, { t: "p99", n: true }, { t: "max", n: true }, { t: "Status codes" }, { t: "Errors" }],
    eps.map(function (e) {
      var d = e.duration || {};
      return [(e.method ? e.method + " " : "") + e.name, num(e.requests), num(e.failed), num(e.rate, 1), ms(d.med),
        ms(d["p(95)"]), ms(d["p(99)"]), ms(d.max), kv(e.status), kv(e.errors)];
    }))]);

  // ---- charts, from the per-second samples (merged into windows of `step` seconds)
  var se = data.series || {};
  var charts = h("div", { class: "charts" });
  var step = se.step || 1;
  section("charts", "Over time", [h("p", { class: "muted" }, [step > 1 ? "One point per " + step + " s (the run's seconds merged: rates are means, percentiles and VUs the worst second)." : "One point per second."]), charts]);
  function chart(id, title, series) {
    var box = h("div", { class: "chart", id: id }, [h("h3", null, [title])]);
    charts.appendChild(box);
    var t = se.t || [];
    if (!t.length) { box.appendChild(h("p", { class: "muted" }, ["No samples were stored."])); return; }
    var width = Math.max(320, Math.min((box.clientWidth || 1060) - 8, 1060));
    var opts = { width: width, height: 220, legend: { show: true }, scales: { x: { time: false } },
      axes: [{ label: "seconds since the start" }, { size: 70 }], series: [{ label: "second" }].concat(series.map(function (s) {
        return { label: s.label, stroke: s.color, width: 1.5, points: { show: false } };
      })) };
    new uPlot(opts, [t].concat(series.map(function (s) { return se[s.key] || []; })), box);
  }
  chart("chart-rps", "Requests per second", [{ key: "rps", label: "req/s", color: "#1f6feb" }]);
  chart("chart-latency", "Latency (ms)", [{ key: "p50", label: "p50", color: "#2da44e" }, { key: "p95", label: "p95", color: "#bf8700" },
    { key: "p99", label: "p99", color: "#cf222e" }]);
  chart("chart-errors", "Failed requests per second", [{ key: "errors", label: "failed/s", color: "#cf222e" }]);
  chart("chart-vus", "Virtual users", [{ key: "vus", label: "VUs", color: "#8250df" }]);
  chart("chart-iterations", "Iterations per second", [{ key: "iterations", label: "iterations/s", color: "#0a7f86" }]);
  chart("chart-data", "Data (bytes per second)", [{ key: "received", label: "received", color: "#1f6feb" },
    { key: "sent", label: "sent", color: "#bf8700" }]);
  chart("chart-cpu", "Load generator: busiest worker's CPU (% of a core)", [{ key: "cpu", label: "cpu %", color: "#57606a" }]);

  // ---- sections other parts of Rampage add when they have something (findings, baseline comparison)
  (data.sections || []).forEach(function (s) {
    var c = s.content, kids;
    if (Array.isArray(c) && c.length && typeof c[0] === "object") {
      var cols = Object.keys(c[0]);
      kids = [table(cols.map(function (k) { return { t: k }; }), c.map(function (r) {
        return cols.map(function (k) { var v = r[k]; return v != null && typeof v === "object" ? JSON.stringify(v) : v == null ? "–" : v; });
      }))];
    } else if (c && typeof c === "object" && !Array.isArray(c)) {
      kids = [table([{ t: "" }, { t: "" }], Object.keys(c).map(function (k) {
        var v = c[k]; return [k, v != null && typeof v === "object" ? JSON.stringify(v) : v == null ? "–" : v];
      }))];
    } else kids = [h("p", { class: "muted" }, [c == null || (Array.isArray(c) && !c.length) ? "None." : String(c)])];
    section("extra-" + s.id, s.title, kids);
  });

  // ---- the definition as run
  section("definition", "Definition", [h("pre", null, [JSON.stringify(def, null, 2)])]);
  root.appendChild(h("footer", { class: "muted" }, ["Made by rampage " + (ram.version || "") + ". This file is self-contained: it needs no network."]));
})();
