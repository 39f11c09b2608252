// run-panels: what a run's page shows below its charts: the generator's health, thresholds, checks,
// the endpoint table, and a finished run's summary (a run over agents: its agents (run-agents.js);
// totals, timing phases, groupBy distributions, downloads).
//
// While the run is live, each tick updates them in place. The endpoint table adds the ticks'
// counts to the last GET .../endpoints (whole-run percentiles, refreshed every few seconds),
// counting a tick only if that response did not include it yet (its `run.requests` is above the
// response's total).
import { get } from "./api.js";
import { findingsSection } from "./run-findings.js";
import { h, fill } from "./dom.js";
import { LatencySpectrum } from "./charts.js";
import { count, rps, us, ms, pct, bytes, dur, errorText } from "./fmt.js";
import { judgeSecond, liveWarning, GEN_WINDOW } from "./gen-health.js";
import { RunFailures } from "./run-failures.js";
import { customSection, customObserved } from "./run-custom.js";
import { agentsSection } from "./run-agents.js";

export class RunPanels {
  // `page` is what the panels read of the page: `run` (as the daemon last described it), `ended`
  // (the page shows the run as finished) and `checks` (the check results counted by the stream).
  // `on.pick(name, checked)` charts an endpoint or stops (endpoint-charts.js); `on.picked(name)`
  // says whether it is charted.
  constructor(id, page, on = {}) {
    this.id = id;
    this.page = page;
    this.on = on;
    this.lastTick = null;
    this.lastThresholds = null;   // as judged so far, from the last tick that had them
    this.lastChecks = null;       // per check name, from the last tick that had them
    this.lag = [];                // the last judged seconds (gen-health.js)
    this.summary = null;          // a finished run's k6 summary
    this.endpointsBase = null;    // the last GET .../endpoints
    this.epTicks = [];            // ticks since, to add to it
    this.epFetching = false;
    this.epFetchMs = 0;
    this.epNext = 0;              // when to read the endpoints again (Date.now() ms)
    this.el = {
      health: h("div", { id: "health", class: "warning", role: "status", hidden: true }),
      thresholds: h("section", { class: "card", id: "thresholds", "aria-labelledby": "thr-title" }),
      checks: h("section", { class: "card", id: "checks", "aria-labelledby": "checks-title" }),
      endpoints: h("section", { class: "card wide", id: "endpoints", "aria-labelledby": "ep-title" }),
      finished: h("div", { id: "finished" }),
    };
    // why requests failed: its own panel and banner, and the endpoint table's last column
    this.failures = new RunFailures(id, page, () => this.renderEndpoints());
  }

  // Thresholds and checks for the run as the page shows it now.
  render() {
    this.renderThresholds();
    this.renderChecks();
  }

  // Loads what the run's state needs: a finished run's endpoint table and summary (resolves when
  // both are shown), or a live run's endpoint table (in the background).
  load() {
    if (!this.page.ended) {
      this.loadEndpoints();
      this.failures.load();
      return Promise.resolve();
    }
    this.el.endpoints.replaceChildren();   // the finished table has other columns
    this.epTicks = [];
    return Promise.all([this.loadEndpoints(), this.loadFinished(), this.failures.load()]);
  }

  // A tick of the live stream, after the charts hold it.
  tick(m) {
    this.lastTick = m;
    if (m.thresholds) this.lastThresholds = m.thresholds;
    if (m.checks) this.lastChecks = m.checks;
    const judged = judgeSecond(m.second, m.total);
    if (judged) {
      this.lag.push(judged);
      if (this.lag.length > GEN_WINDOW) this.lag.shift();
    }
    this.epTicks.push(m);
    if (this.epTicks.length > 600) this.epTicks.shift();
    this.renderEndpoints();
    this.failures.tick(m);
    this.renderThresholds();
    this.renderChecks();
    this.renderHealth();
    if (Date.now() >= this.epNext) this.loadEndpoints();
  }

  // ---- the endpoint table

  async loadEndpoints() {
    if (this.epFetching) return;
    this.epFetching = true;
    const t0 = performance.now();
    try {
      this.endpointsBase = await get(`/api/runs/${this.id}/endpoints`);
      const base = this.endpointsBase.total.requests;
      this.epTicks = this.epTicks.filter((t) => t.run.requests > base);
      this.renderEndpoints();
    } catch (err) {
      /* the next tick tries again */
    } finally {
      this.epFetching = false;
      this.epFetchMs = performance.now() - t0;
      // every 5 s, or less often when the whole-run merge is slow (a long run)
      this.epNext = Date.now() + Math.max(5000, 20 * this.epFetchMs);
    }
  }

  renderEndpoints() {
    const ended = this.page.ended;
    const base = this.endpointsBase;
    if (!base) return;
    const rows = new Map();
    const add = (idx, e) => rows.set(idx, { ...e });
    add(0, base.total);
    for (const e of base.endpoints) add(e.idx, e);
    const last = ended ? null : this.lastTick;
    for (const t of this.epTicks) {
      if (t.run.requests <= base.total.requests) continue;
      const upd = (idx, src) => {
        const r = rows.get(idx) || { idx, name: src.name, method: src.method, requests: 0, failures: 0 };
        r.requests += src.requests; r.failures += src.failures;
        rows.set(idx, r);
      };
      upd(0, t.total);
      for (const e of t.endpoints) upd(e.idx, e);
    }
    let table = this.el.endpoints.querySelector("table");
    if (!table) {
      fill(this.el.endpoints, h("h2", { id: "ep-title" }, "Endpoints"),
        h("div", { class: "table-wrap" }, table = h("table", { class: "endpoints" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Endpoint"),
            ...["Requests", "Failures", "Errors", ended ? "Throughput (avg)" : "Throughput (last s)",
              "p50", "p95", "p99", "max"].map((c) => h("th", { scope: "col", class: "num" }, c)),
            ended ? h("th", { scope: "col" }, "Status codes") : null,
            h("th", { scope: "col" }, "Failed by"))),
          h("tbody"))),
        h("p", { class: "muted small" }, ended ? "Latency from the whole-run histograms." :
          "Counts update every second; percentiles are the whole run so far, refreshed every few seconds."));
    }
    const tbody = table.tBodies[0];
    const order = [...rows.keys()].filter((k) => k !== 0).sort((a, b) => a - b).concat([0]);
    for (const idx of order) {
      const r = rows.get(idx);
      let tr = tbody.querySelector(`tr[data-idx="${idx}"]`);
      if (!tr) {
        tr = h("tr", { dataset: { idx }, class: idx === 0 ? "total" : "" },
          h("th", { scope: "row" }, idx === 0 ? "total" : h("span", {}, this.pickBox(r.name), h("span", { class: "method" }, r.method || ""), " ", r.name)),
          ...Array.from({ length: 8 }, () => h("td", { class: "num" })),
          ended ? h("td", { class: "codes" }) : null,
          h("td", { class: "why" }));
        tbody.append(tr);
      }
      let lastRps = null;
      if (last) {
        const src = idx === 0 ? last.total : last.endpoints.find((e) => e.idx === idx);
        lastRps = src ? src.requests : 0;
      }
      const vals = [count(r.requests), count(r.failures), pct(r.requests ? r.failures / r.requests : 0),
        rps(ended ? r.rps : lastRps), us(r.lat_p50_us), us(r.lat_p95_us), us(r.lat_p99_us), us(r.lat_max_us)];
      vals.forEach((v, i) => { const td = tr.children[i + 1]; if (td.textContent !== v) td.textContent = v; });
      if (ended && r.status_codes) {
        // "0" is no status: those requests got no response, and the next column says why
        tr.querySelector("td.codes").textContent = Object.entries(r.status_codes).filter(([c]) => c !== "0")
          .map(([c, n]) => `${c}: ${count(n)}`).join(" · ") || "–";
      }
      const why = this.failures.kindsOf(idx) || (r.failures ? "…" : "–");
      const whyTd = tr.querySelector("td.why");
      if (whyTd.textContent !== why) whyTd.textContent = why;
      tbody.append(tr);   // keep the order (total last)
    }
  }

  // A checkbox that charts the endpoint (requests/s and p95) under the run's charts.
  pickBox(name) {
    if (!this.on.pick) return null;
    return h("input", { type: "checkbox", class: "ep-pick", title: "chart this endpoint", "aria-label": "chart " + name,
      checked: this.on.picked(name), onchange: (e) => this.on.pick(name, e.target.checked) });
  }

  // ---- the generator's health

  renderHealth() {
    const warning = liveWarning(this.lag);
    if (warning) {
      this.el.health.hidden = false;
      this.el.health.textContent = warning;
    } else if (!this.page.ended) this.el.health.hidden = true;
  }

  // ---- thresholds and checks

  renderThresholds() {
    const ended = this.page.ended;
    const r = this.page.run;
    const list = ended ? r.thresholds : this.lastThresholds;
    const defined = r.definition && r.definition.thresholds ? r.definition.thresholds : null;
    const items = [];
    if (list && list.length) {
      for (const t of list) {
        const custom = t.value === null || t.value === undefined ? null :
          customObserved(r.definition, t.metric, t.aggregation, t.value);
        const shown = t.value === null || t.value === undefined ? "no samples yet" : custom !== null ? custom :
          t.aggregation && /^(p\(|avg|min|max|med)/.test(t.aggregation) && /duration|waiting|blocked|connecting|sending|receiving|tls/.test(t.metric) ? ms(t.value)
            : t.aggregation === "rate" ? pct(t.value) : count(t.value);
        items.push(h("li", { class: t.ok ? "ok" : "bad", dataset: { ok: t.ok } },
          h("span", { class: "mark", "aria-label": t.ok ? "passes" : "fails" }, t.ok ? "✓" : "✗"), " ",
          h("code", {}, t.metric), " ", h("code", {}, t.source), " ", h("span", { class: "muted" }, "observed " + shown),
          t.failed_window_start !== null && t.failed_window_start !== undefined ? h("span", { class: "muted" }, ` (failed in the window from second ${t.failed_window_start})`) : null,
          t.aborted ? h("strong", {}, " — stopped the run") : null));
      }
    } else if (defined) {
      for (const [metric, exprs] of Object.entries(defined))
        for (const e of exprs)
          items.push(h("li", { class: "pending" }, h("span", { class: "mark", "aria-label": "not judged yet" }, "…"), " ",
            h("code", {}, metric), " ", h("code", {}, typeof e === "string" ? e : e.threshold),
            h("span", { class: "muted" }, ended ? " (not judged)" : " (judged at the end of the run)")));
    }
    fill(this.el.thresholds, h("h2", { id: "thr-title" }, "Thresholds", !ended && list ? h("span", { class: "muted small" }, " live") : null),
      items.length ? h("ul", { class: "thresholds" }, items) : h("p", { class: "muted" }, "This test has no thresholds."));
  }

  renderChecks() {
    const ended = this.page.ended;
    let rows = null;
    if (ended && this.summary) {
      rows = [];
      const walk = (g) => {
        for (const c of g.checks || []) rows.push({ name: (g.path ? g.path + " › " : "") + c.name, passes: c.passes, fails: c.fails });
        for (const sub of g.groups || []) walk(sub);
      };
      walk(this.summary.root_group || {});
    } else if (this.lastChecks) {
      rows = this.lastChecks;
    }
    const tot = this.page.checks;
    const content = [];
    if (rows && rows.length) {
      content.push(h("table", { class: "checks" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Check"),
        h("th", { scope: "col", class: "num" }, "Passed"), h("th", { scope: "col", class: "num" }, "Failed"),
        h("th", { scope: "col", class: "num" }, "Rate"))),
      h("tbody", {}, rows.map((c) => h("tr", { class: c.fails ? "bad" : "ok" },
        h("th", { scope: "row" }, (c.fails ? "✗ " : "✓ ") + c.name), h("td", { class: "num" }, count(c.passes)),
        h("td", { class: "num" }, count(c.fails)), h("td", { class: "num" }, pct(c.passes + c.fails ? c.passes / (c.passes + c.fails) : 0)))))));
    } else if (tot.passed + tot.failed > 0) {
      content.push(h("p", {}, `✓ ${count(tot.passed)} passed · ✗ ${count(tot.failed)} failed (${pct(tot.passed / (tot.passed + tot.failed))})`),
        h("p", { class: "muted small" }, ended ? "" : "Per check name at the end of the run."));
    } else content.push(h("p", { class: "muted" }, "No checks ran" + (ended ? "." : " yet.")));
    fill(this.el.checks, h("h2", { id: "checks-title" }, "Checks"), content);
  }

  // ---- a finished run's summary

  async loadFinished() {
    let s = null;
    try {
      s = await get(`/api/runs/${this.id}/summary`);
    } catch (err) {
      fill(this.el.finished, h("p", { class: "muted" }, "No summary: " + errorText(err)));
      return;
    }
    this.summary = s;
    const m = s.metrics || {};
    const rp = s.rampage || {};
    const gen = rp.generator;
    if (gen && gen.verdict && gen.verdict !== "ok") {
      this.el.health.hidden = false;
      this.el.health.textContent = "⚠ " + gen.message;
    }
    const val = (name, key) => m[name] && m[name].values ? m[name].values[key] : undefined;
    const summary = h("section", { class: "card", id: "summary", "aria-labelledby": "sum-title" },
      h("h2", { id: "sum-title" }, "Summary"),
      h("dl", { class: "stats" },
        [["Duration", dur((s.state && s.state.testRunDurationMs || 0) / 1000)],
          ["Requests", count(val("http_reqs", "count"))],
          ["Throughput", rps(val("http_reqs", "rate"))],
          ["Failed requests", pct(val("http_req_failed", "rate"))],
          ["Iterations", count(val("iterations", "count"))],
          ["Dropped iterations", count(val("dropped_iterations", "count") || 0)],
          ["Latency avg", ms(val("http_req_duration", "avg"))],
          ["Latency p95", ms(val("http_req_duration", "p(95)"))],
          ["Latency p99", ms(val("http_req_duration", "p(99)"))],
          ["Latency max", ms(val("http_req_duration", "max"))],
          ["VUs max", count(val("vus_max", "max") ?? val("vus_max", "value"))],
          ["Data received", bytes(val("data_received", "count"))],
          ["Data sent", bytes(val("data_sent", "count"))],
          ["Generator", gen ? gen.verdict : "–"]].map(([k, v]) => h("div", { class: "stat" }, h("dt", {}, k), h("dd", {}, v)))));

    // a phase this daemon does not measure is absent from the summary (http_req_sending before
    // libcurl 8.10): left out here too; each keeps its colour (ph<i>)
    const phases = [["blocked", "http_req_blocked"], ["connect", "http_req_connecting"], ["TLS", "http_req_tls_handshaking"],
      ["send", "http_req_sending"], ["TTFB (waiting)", "http_req_waiting"], ["receive", "http_req_receiving"]]
      .map(([label, n], i) => [label, n, i]).filter(([, n]) => m[n]);
    const avgSum = phases.reduce((a, [, n]) => a + (val(n, "avg") || 0), 0) || 1;
    const phaseSec = h("section", { class: "card", id: "phases", "aria-labelledby": "ph-title" },
      h("h2", { id: "ph-title" }, "Timing phases"),
      h("div", { class: "phasebar", role: "img", "aria-label": "share of the mean request time per phase" },
        phases.map(([label, n, i]) => h("span", { class: "ph ph" + i, style: `width: ${(100 * (val(n, "avg") || 0) / avgSum).toFixed(2)}%`, title: `${label}: ${ms(val(n, "avg"))} mean` }))),
      h("div", { class: "table-wrap" }, h("table", { class: "phases" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Phase"),
        ...["mean", "median", "p95", "p99", "max"].map((c) => h("th", { scope: "col", class: "num" }, c)))),
      h("tbody", {}, phases.map(([label, n, i]) => h("tr", {},
        h("th", { scope: "row" }, h("span", { class: "swatch ph" + i }), " ", label),
        ...["avg", "med", "p(95)", "p(99)", "max"].map((k) => h("td", { class: "num" }, ms(val(n, k))))))))));

    const groups = Object.entries(rp.groupBy || {});
    const groupSec = groups.length ? h("section", { class: "card", id: "groupby", "aria-labelledby": "gb-title" },
      h("h2", { id: "gb-title" }, "Distributions (groupBy)"),
      groups.map(([step, g]) => {
        const entries = Object.entries(g.values || {});
        if (g.other) entries.push(["(other)", g.other]);
        if (g.missing) entries.push(["(missing)", g.missing]);
        entries.sort((a, b) => b[1] - a[1]);
        return h("div", { class: "groupby" }, h("h3", {}, step, " ", h("span", { class: "muted small" }, `${g.source} · ${count(g.total)} responses`)),
          h("div", { class: "table-wrap" }, h("table", {}, h("tbody", {}, entries.map(([v, n]) => h("tr", {},
            h("th", { scope: "row" }, v), h("td", { class: "num" }, count(n)),
            h("td", { class: "num" }, pct(g.total ? n / g.total : 0)),
            h("td", { class: "barcell" }, h("span", { class: "bar", style: `width: ${(100 * n / (g.total || 1)).toFixed(1)}%` }))))))));
      })) : null;

    const downloads = h("section", { class: "card", id: "downloads", "aria-labelledby": "dl-title" },
      h("h2", { id: "dl-title" }, "Downloads"),
      h("ul", {},
        h("li", {}, h("a", { href: `/api/runs/${this.id}/summary`, download: `run-${this.id}-summary.json` }, "k6 summary JSON"), " (handleSummary shape)"),
        h("li", {}, h("a", { href: `/api/runs/${this.id}/samples.csv` }, "per-second samples, total (CSV)")),
        ...((rp.endpoints || []).map((e) => h("li", {}, h("a", { href: `/api/runs/${this.id}/samples.csv?endpoint=${encodeURIComponent(e.name)}` }, `per-second samples, ${e.name} (CSV)`)))),
        ...(s && s.monitors ? [h("li", {}, h("a", { href: `/api/runs/${this.id}/monitors.csv`, id: "monitors-csv" }, "monitored values per second (CSV)"))] : [])));
    fill(this.el.finished, agentsSection(s), findingsSection(s.findings), h("div", { class: "grid2" }, summary, phaseSec),
      this.spectrumSection(rp.endpoints || []), groupSec, customSection(s), downloads);
    this.renderChecks();
  }

  // The latency distribution of the finished run (percentile spectrum from its stored HDR
  // histograms): the total, and one endpoint beside it when picked.
  spectrumSection(endpoints) {
    const chartEl = h("div", { class: "chart chart-spectrum", id: "spectrum-chart" });
    const pick = h("select", { id: "spectrum-endpoint", "aria-label": "endpoint beside the total" },
      h("option", { value: "" }, "total only"), endpoints.map((e) => h("option", { value: e.name }, e.name)));
    const note = h("p", { class: "muted small", id: "spectrum-note" });
    const sec = h("section", { class: "card", id: "spectrum", "aria-labelledby": "sp-title" },
      h("div", { class: "section-head" }, h("h2", { id: "sp-title" }, "Latency distribution"),
        h("label", { class: "inline" }, "beside the total: ", pick)),
      chartEl, note);
    const draw = async () => {
      try {
        const q = (name) => get(`/api/runs/${this.id}/latency` + (name ? "?endpoint=" + encodeURIComponent(name) : ""));
        const sets = [await q("")];
        if (pick.value) sets.push(await q(pick.value));
        if (!this.spectrum) this.spectrum = new LatencySpectrum(chartEl, Math.max(320, sec.clientWidth - 40));
        this.spectrum.set(sets.map((d) => ({ label: d.endpoint, percentiles: d.percentiles, count: d.count })));
        const t = sets[0].percentiles;
        note.textContent = `${count(sets[0].count)} requests; from the run's HDR histograms (values within 0.4%). ` +
          `The right end is the slowest request (${us(t.length ? t[t.length - 1].us : null)}).`;
      } catch (err) {
        note.textContent = "No distribution: " + errorText(err);
      }
    };
    pick.addEventListener("change", draw);
    queueMicrotask(draw);
    return sec;
  }
}
