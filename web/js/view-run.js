// view-run (#/runs/34): one run, live or finished.
//
// Live: the page subscribes to `run:<id>` first and waits for the server to confirm, keeps the
// ticks that arrive, then reads the history over REST (downsampled with `step` for long runs), and
// appends only ticks whose `second` is after the last second it holds; a tick that leaves a hole
// (after a reconnect, or a message the server dropped for a slow client) makes it read the missing
// seconds over REST first. Every tick is published only after its rows are committed (docs/api.md,
// "Joining a run late"), so the charts hold each second exactly once, whenever the page was opened
// or reloaded. The endpoint table adds the ticks' counts to the last GET .../endpoints (whole-run
// percentiles, refreshed every few seconds), counting a tick only if that response did not include
// it yet (its `run.requests` is above the response's total).
//
// Finished: the same charts from the stored samples, the summary, thresholds, checks, endpoint
// table with status codes, the timing phases, groupBy distributions, and the downloads.
import { get, post, del, request, qs } from "./api.js";
import { h, fill, stateBadge, banner } from "./dom.js";
import { count, rps, us, ms, pct, bytes, dur, date, errorText, parseDuration } from "./fmt.js";
import { RunCharts } from "./charts.js";
import * as live from "./live.js";

const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
const MAX_POINTS = 1200;
const ENDED = new Set(["passed", "failed", "stopped", "aborted", "error"]);

// The smallest step that keeps a run of `seconds` under MAX_POINTS points.
export function chooseStep(seconds) {
  for (const s of STEPS) if (seconds / s <= MAX_POINTS) return s;
  return STEPS[STEPS.length - 1];
}

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

export async function runView(main, id) {
  const state = {
    run: null, charts: null, step: 1, unsub: null, inbox: [], pumpQueued: false, timers: [],
    chain: Promise.resolve(),
    endpointsBase: null, epTicks: [], epFetching: false, epFetchMs: 0, epNext: 0,
    lastTick: null, lag: [], plannedS: null, ended: false, checks: { passed: 0, failed: 0 },
    lastThresholds: null, lastChecks: null, destroyed: false,
  };
  const el = {
    head: h("div", { class: "page-head" }),
    meta: h("p", { class: "muted small", id: "run-meta" }),
    controls: h("div", { class: "buttons", id: "run-controls" }),
    progress: h("dl", { class: "stats", id: "run-progress" }),
    health: h("div", { id: "health", class: "warning", role: "status", hidden: true }),
    charts: h("div", { class: "charts", id: "charts" }),
    thresholds: h("section", { class: "card", id: "thresholds", "aria-labelledby": "thr-title" }),
    checks: h("section", { class: "card", id: "checks", "aria-labelledby": "checks-title" }),
    endpoints: h("section", { class: "card wide", id: "endpoints", "aria-labelledby": "ep-title" }),
    finished: h("div", { id: "finished" }),
  };

  window.rampageDebug = {
    get seconds() { return state.charts ? state.charts.seconds.slice() : []; },
    get spans() { return state.charts ? state.charts.spans.slice() : []; },
    get redraws() { return state.charts ? state.charts.redraws.slice() : []; },
    get step() { return state.step; },
    get points() { return state.charts ? state.charts.length : 0; },
    redraw: () => state.charts && state.charts.draw(),
    reloadWithStep: (s) => loadHistory(s),
  };

  // the stream first (confirmed by the server), then the state and history over REST
  const sub = live.subscribe("run:" + id, (m) => onMessage(m));
  state.unsub = sub.unsubscribe;
  const confirmed = await Promise.race([sub.ready.then(() => true), new Promise((r) => setTimeout(r, 3000, false))]);
  if (!confirmed) sub.ready.then(() => onMessage({ type: "reconnected" }));   // fill in when it connects
  try {
    state.run = await get("/api/runs/" + id);
  } catch (err) {
    sub.unsubscribe();
    fill(main, h("h1", {}, "Run #" + id), h("p", { class: "error" }, errorText(err)),
      h("p", {}, h("a", { href: "#/runs" }, "Every run")));
    return;
  }
  if (state.destroyed) return;
  fill(main, el.head, el.meta, el.controls, el.progress, el.health, el.charts,
    h("div", { class: "grid2" }, el.thresholds, el.checks), el.endpoints, el.finished);
  renderHead();
  renderThresholds();
  renderChecks();
  planned();
  await start();
  renderThresholds();
  renderChecks();
  return cleanup;

  function cleanup() {
    state.destroyed = true;
    if (state.unsub) state.unsub();
    for (const t of state.timers) clearInterval(t);
    if (state.charts) state.charts.destroy();
  }

  // ---- loading

  // (Re)loads everything for the run's current state. The live subscription is already confirmed.
  async function start() {
    const r = state.run;
    state.ended = ENDED.has(r.state);
    if (r.state === "queued") { renderProgress(); return; }
    if (!state.charts) {
      state.charts = new RunCharts(el.charts, { startedMs: r.started_ms });
    }
    await loadHistory();
    if (state.ended) {
      el.endpoints.replaceChildren();   // the finished table has other columns
      state.epTicks = [];
      await Promise.all([loadEndpoints(), loadFinished()]);
    } else {
      loadEndpoints();
      state.timers.push(setInterval(tickClock, 1000));
    }
    renderProgress();
  }

  // Runs fn after every history read or pump before it: they change the charts one at a time.
  function exclusive(fn) {
    const p = state.chain.then(fn);
    state.chain = p.catch(() => {});
    return p;
  }

  function loadHistory(forceStep) {
    return exclusive(() => readHistory(forceStep)).then(() => pump());
  }

  // Reads the samples: downsampled by `step` up to a window boundary, then second by second.
  async function readHistory(forceStep) {
    const r = state.run;
    const known = state.ended ? Math.ceil(((r.ended_ms || r.started_ms) - r.started_ms) / 1000)
      : r.live ? r.live.second + 1 : 0;
    const step = forceStep || chooseStep(Math.max(known, 1));
    state.step = step;
    let rows = [];
    if (step > 1) {
      const to = state.ended ? null : Math.floor(known / step) * step - 1;
      if (to === null || to >= 0)
        rows = (await get(`/api/runs/${id}/samples` + qs({ step, to }))).samples;
      state.charts.setRows(rows, step);
      addChecks(rows, true);
      if (!state.ended) {
        const rest = (await get(`/api/runs/${id}/samples` + qs({ from: Math.max(to + 1, 0) }))).samples;
        state.charts.append(rest);
        addChecks(rest);
      }
    } else {
      rows = (await get(`/api/runs/${id}/samples`)).samples;
      state.charts.setRows(rows, 1);
      addChecks(rows, true);
    }
  }

  function addChecks(rows, reset) {
    if (reset) state.checks = { passed: 0, failed: 0 };
    for (const r of rows) { state.checks.passed += r.checks_passed || 0; state.checks.failed += r.checks_failed || 0; }
  }

  // ---- the stream

  function onMessage(m) {
    if (!state.run) {   // still reading the run: its state will be newer; keep the ticks
      if (m.type === "tick") state.inbox.push(m);
      return;
    }
    if (m.type === "tick") {
      state.inbox.push(m);
      pump();
    } else if (m.type === "run_state") {
      const was = state.run.state;
      Object.assign(state.run, { state: m.state, started_ms: m.started_ms, ended_ms: m.ended_ms, error: m.error, position: m.position });
      renderHead();
      if (was === "queued" && m.state !== "queued") reloadRun();
      else if (ENDED.has(m.state)) reloadRun();
    } else if (m.type === "reconnected") {
      if (state.charts && !state.ended) { state.inbox.push({ type: "fill" }); pump(); }
      else reloadRun();
    }
  }

  // Reads the run again and rebuilds the page for its state; calls while one is under way make it
  // run once more afterwards (the newest state wins).
  async function reloadRun() {
    if (state.reloading) { state.reloadAgain = true; return; }
    state.reloading = true;
    try {
      do {
        state.reloadAgain = false;
        await reloadOnce();
      } while (state.reloadAgain && !state.destroyed);
    } finally {
      state.reloading = false;
    }
  }

  async function reloadOnce() {
    try {
      state.run = await get("/api/runs/" + id);
    } catch (err) { banner(errorText(err)); return; }
    for (const t of state.timers) clearInterval(t);
    state.timers = [];
    state.inbox = [];
    renderHead();
    await start();
    renderThresholds();
    renderChecks();
  }

  // Applies queued ticks in order; fills holes over REST first. One pump at a time.
  function pump() {
    if (state.pumpQueued || !state.charts) return;
    state.pumpQueued = true;
    exclusive(drain);
  }

  async function drain() {
    state.pumpQueued = false;
    if (!state.charts) return;
    try {
      while (state.inbox.length && !state.destroyed) {
        const m = state.inbox[0];
        const last = state.charts.lastSecond;
        if (m.type === "fill" || m.second > last + 1) {
          const to = m.type === "fill" ? null : m.second - 1;
          const rows = (await get(`/api/runs/${id}/samples` + qs({ from: last + 1, to }))).samples;
          state.charts.append(rows);
          addChecks(rows.filter((r) => r.second > last));
          if (m.type === "fill") { state.inbox.shift(); continue; }
        }
        state.inbox.shift();
        if (m.second <= state.charts.lastSecond) continue;   // already read over REST
        state.charts.append([{ second: m.second, ...m.total }]);
        addChecks([m.total]);
        onTick(m);
      }
      if (state.charts.length > 2 * MAX_POINTS && !state.ended) {
        // a long live run: read it again with a coarser step
        state.run.live = { second: state.charts.lastSecond };
        await readHistory();
      }
    } catch (err) {
      banner("Live update failed: " + errorText(err));
    }
  }

  function onTick(m) {
    state.lastTick = m;
    if (m.thresholds) state.lastThresholds = m.thresholds;
    if (m.checks) state.lastChecks = m.checks;
    state.lag.push((m.total.loop_lag_us || 0) > 10000);
    if (state.lag.length > 10) state.lag.shift();
    state.epTicks.push(m);
    if (state.epTicks.length > 600) state.epTicks.shift();
    renderEndpoints();
    renderThresholds();
    renderChecks();
    renderHealth();
    renderProgress();
    if (Date.now() >= state.epNext) loadEndpoints();
  }

  // ---- the endpoint table

  async function loadEndpoints() {
    if (state.epFetching) return;
    state.epFetching = true;
    const t0 = performance.now();
    try {
      state.endpointsBase = await get(`/api/runs/${id}/endpoints`);
      const base = state.endpointsBase.total.requests;
      state.epTicks = state.epTicks.filter((t) => t.run.requests > base);
      renderEndpoints();
    } catch (err) {
      /* the next tick tries again */
    } finally {
      state.epFetching = false;
      state.epFetchMs = performance.now() - t0;
      // every 5 s, or less often when the whole-run merge is slow (a long run)
      state.epNext = Date.now() + Math.max(5000, 20 * state.epFetchMs);
    }
  }

  function renderEndpoints() {
    const base = state.endpointsBase;
    if (!base) return;
    const rows = new Map();
    const add = (idx, e) => rows.set(idx, { ...e });
    add(0, base.total);
    for (const e of base.endpoints) add(e.idx, e);
    const last = state.ended ? null : state.lastTick;
    for (const t of state.epTicks) {
      if (t.run.requests <= base.total.requests) continue;
      const upd = (idx, src) => {
        const r = rows.get(idx) || { idx, name: src.name, method: src.method, requests: 0, failures: 0 };
        r.requests += src.requests; r.failures += src.failures;
        rows.set(idx, r);
      };
      upd(0, t.total);
      for (const e of t.endpoints) upd(e.idx, e);
    }
    let table = el.endpoints.querySelector("table");
    if (!table) {
      fill(el.endpoints, h("h2", { id: "ep-title" }, "Endpoints"),
        h("div", { class: "table-wrap" }, table = h("table", { class: "endpoints" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Endpoint"),
            ...["Requests", "Failures", "Errors", state.ended ? "Throughput (avg)" : "Throughput (last s)",
              "p50", "p95", "p99", "max"].map((c) => h("th", { scope: "col", class: "num" }, c)),
            state.ended ? h("th", { scope: "col" }, "Status codes") : null)),
          h("tbody"))),
        h("p", { class: "muted small" }, state.ended ? "Latency from the whole-run histograms." :
          "Counts update every second; percentiles are the whole run so far, refreshed every few seconds."));
    }
    const tbody = table.tBodies[0];
    const order = [...rows.keys()].filter((k) => k !== 0).sort((a, b) => a - b).concat([0]);
    for (const idx of order) {
      const r = rows.get(idx);
      let tr = tbody.querySelector(`tr[data-idx="${idx}"]`);
      if (!tr) {
        tr = h("tr", { dataset: { idx }, class: idx === 0 ? "total" : "" },
          h("th", { scope: "row" }, idx === 0 ? "total" : h("span", {}, h("span", { class: "method" }, r.method || ""), " ", r.name)),
          ...Array.from({ length: 8 }, () => h("td", { class: "num" })),
          state.ended ? h("td", { class: "codes" }) : null);
        tbody.append(tr);
      }
      let lastRps = null;
      if (last) {
        const src = idx === 0 ? last.total : last.endpoints.find((e) => e.idx === idx);
        lastRps = src ? src.requests : 0;
      }
      const vals = [count(r.requests), count(r.failures), pct(r.requests ? r.failures / r.requests : 0),
        rps(state.ended ? r.rps : lastRps), us(r.lat_p50_us), us(r.lat_p95_us), us(r.lat_p99_us), us(r.lat_max_us)];
      vals.forEach((v, i) => { const td = tr.children[i + 1]; if (td.textContent !== v) td.textContent = v; });
      if (state.ended && r.status_codes) {
        tr.lastElementChild.textContent = Object.entries(r.status_codes).map(([c, n]) => `${c}: ${count(n)}`).join(" · ") || "–";
      }
      tbody.append(tr);   // keep the order (total last)
    }
  }

  // ---- header, progress, health

  function renderHead() {
    const r = state.run;
    fill(el.head,
      h("h1", {}, `Run #${r.id} `, r.test_id ? h("a", { href: "#/tests/" + r.test_id }, r.name) : r.name, " ", stateBadge(r.state)));
    fill(el.meta, `trigger ${r.trigger || "–"} · queued ${date(r.queued_ms)}`,
      r.started_ms ? ` · started ${date(r.started_ms)}` : "", r.ended_ms ? ` · ended ${date(r.ended_ms)}` : "",
      r.note ? h("span", {}, " · note: ", h("q", {}, r.note)) : "",
      r.error ? h("span", { class: "error" }, " · " + r.error) : "");
    const btns = [];
    if (!ENDED.has(r.state)) {
      btns.push(h("button", { type: "button", id: "stop", class: "danger", disabled: r.state === "stopping",
        onclick: () => stop(false) }, r.state === "queued" ? "Cancel" : r.state === "stopping" ? "Stopping…" : "Stop"));
      if (r.state !== "queued")
        btns.push(h("button", { type: "button", id: "force-stop", class: "danger", onclick: () => stop(true) }, "Force stop"));
    } else {
      btns.push(h("a", { class: "button", href: `/api/runs/${id}/summary`, download: `run-${id}-summary.json`, id: "dl-summary" }, "k6 summary (JSON)"));
      btns.push(h("a", { class: "button", href: `/api/runs/${id}/samples.csv`, id: "dl-csv" }, "Samples (CSV)"));
      btns.push(h("button", { type: "button", class: "danger", onclick: remove }, "Delete run"));
    }
    if (r.test_id) btns.push(h("a", { class: "button", href: "#/tests/" + r.test_id }, "Test & history"));
    fill(el.controls, btns);
  }

  async function stop(force) {
    const msg = force ? `Force stop run #${id}? In-flight requests are interrupted now.`
      : state.run.state === "queued" ? `Cancel queued run #${id}?`
        : `Stop run #${id}? Iterations in flight finish first (their gracefulStop).`;
    if (!confirm(msg)) return;
    try {
      const r = await post(`/api/runs/${id}/stop` + (force ? "?force=true" : ""));
      // the live stream may already have told a later state (the run ended before this answer)
      if (!ENDED.has(state.run.state)) { state.run.state = r.state; renderHead(); }
    } catch (err) {
      banner("Cannot stop: " + errorText(err));
    }
  }

  async function remove() {
    if (!confirm(`Delete run #${id} and all its data?`)) return;
    try {
      await del("/api/runs/" + id);
      location.hash = state.run.test_id ? "#/tests/" + state.run.test_id : "#/runs";
    } catch (err) {
      banner("Cannot delete: " + errorText(err));
    }
  }

  // The planned length (the daemon's validation of the run's definition) for "remaining".
  async function planned() {
    if (ENDED.has(state.run.state)) return;
    try {
      const v = await request("POST", "/api/tests/validate", state.run.definition, { quiet: true });
      state.plannedS = v.max_end_ms ? v.max_end_ms / 1000 : null;
      renderProgress();
    } catch { /* without a token on a protected daemon: no "remaining" */ }
  }

  function tickClock() { renderProgress(); }

  function renderProgress() {
    const r = state.run;
    const items = [];
    const item = (k, v, id) => items.push(h("div", { class: "stat", id }, h("dt", {}, k), h("dd", {}, v)));
    if (r.state === "queued") {
      item("Queue position", r.position ? String(r.position) : "waiting", "st-position");
    } else if (r.started_ms) {
      const end = r.ended_ms || Date.now();
      const elapsed = (end - r.started_ms) / 1000;
      item("Elapsed", dur(elapsed), "st-elapsed");
      if (!state.ended && state.plannedS) item("Remaining", "about " + dur(Math.max(0, state.plannedS - elapsed)), "st-remaining");
      if (!state.ended && r.definition) item("Stage", stageText(r.definition, elapsed) || "–", "st-stage");
      const t = state.lastTick;
      if (!state.ended && t) {
        item("Throughput", rps(t.total.requests), "st-rps");
        item("p95 (last s)", us(t.total.lat_p95_us), "st-p95");
        item("Errors (last s)", pct(t.error_rate), "st-errors");
        item("VUs", `${count(t.vus)} of ${count(t.vus_max)}`, "st-vus");
        item("Requests", count(t.run.requests), "st-requests");
        item("Generator CPU", t.total.cpu_pct !== null ? Math.round(t.total.cpu_pct) + " %" : "–", "st-cpu");
      } else if (state.ended && r.stats) {
        item("Requests", count(r.stats.requests), "st-requests");
        item("Throughput", rps(r.stats.rps), "st-rps");
        item("p95", us(r.stats.p95_us), "st-p95");
        item("Errors", pct(r.stats.error_rate), "st-errors");
      }
    }
    fill(el.progress, items);
  }

  function renderHealth() {
    const bad = state.lag.filter(Boolean).length;
    if (bad >= 3) {
      el.health.hidden = false;
      el.health.textContent = `⚠ Generator overloaded: its event loops ran more than 10 ms late in ${bad} of the last ${state.lag.length} seconds, so latencies may be measured late and the load may be lower than asked. Use fewer VUs per daemon, or more workers/cores.`;
    } else if (!state.ended) el.health.hidden = true;
  }

  // ---- thresholds and checks

  function renderThresholds() {
    const r = state.run;
    const list = state.ended ? r.thresholds : state.lastThresholds;
    const defined = r.definition && r.definition.thresholds ? r.definition.thresholds : null;
    const items = [];
    if (list && list.length) {
      for (const t of list) {
        const shown = t.value === null || t.value === undefined ? "no samples yet" :
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
            h("span", { class: "muted" }, state.ended ? " (not judged)" : " (judged at the end of the run)")));
    }
    fill(el.thresholds, h("h2", { id: "thr-title" }, "Thresholds", !state.ended && list ? h("span", { class: "muted small" }, " live") : null),
      items.length ? h("ul", { class: "thresholds" }, items) : h("p", { class: "muted" }, "This test has no thresholds."));
  }

  function renderChecks() {
    let rows = null;
    if (state.ended && state.summary) {
      rows = [];
      const walk = (g) => {
        for (const c of g.checks || []) rows.push({ name: (g.path ? g.path + " › " : "") + c.name, passes: c.passes, fails: c.fails });
        for (const sub of g.groups || []) walk(sub);
      };
      walk(state.summary.root_group || {});
    } else if (state.lastChecks) {
      rows = state.lastChecks;
    }
    const tot = state.checks;
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
        h("p", { class: "muted small" }, state.ended ? "" : "Per check name at the end of the run."));
    } else content.push(h("p", { class: "muted" }, "No checks ran" + (state.ended ? "." : " yet.")));
    fill(el.checks, h("h2", { id: "checks-title" }, "Checks"), content);
  }

  // ---- a finished run's summary

  async function loadFinished() {
    let s = null;
    try {
      s = await get(`/api/runs/${id}/summary`);
    } catch (err) {
      fill(el.finished, h("p", { class: "muted" }, "No summary: " + errorText(err)));
      return;
    }
    state.summary = s;
    const m = s.metrics || {};
    const rp = s.rampage || {};
    const gen = rp.generator;
    if (gen && gen.verdict && gen.verdict !== "ok") {
      el.health.hidden = false;
      el.health.textContent = "⚠ " + gen.message;
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

    const phases = [["blocked", "http_req_blocked"], ["connect", "http_req_connecting"], ["TLS", "http_req_tls_handshaking"],
      ["send", "http_req_sending"], ["TTFB (waiting)", "http_req_waiting"], ["receive", "http_req_receiving"]];
    const avgSum = phases.reduce((a, [, n]) => a + (val(n, "avg") || 0), 0) || 1;
    const phaseSec = h("section", { class: "card", id: "phases", "aria-labelledby": "ph-title" },
      h("h2", { id: "ph-title" }, "Timing phases"),
      h("div", { class: "phasebar", role: "img", "aria-label": "share of the mean request time per phase" },
        phases.map(([label, n], i) => h("span", { class: "ph ph" + i, style: `width: ${(100 * (val(n, "avg") || 0) / avgSum).toFixed(2)}%`, title: `${label}: ${ms(val(n, "avg"))} mean` }))),
      h("table", { class: "phases" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Phase"),
        ...["mean", "median", "p95", "p99", "max"].map((c) => h("th", { scope: "col", class: "num" }, c)))),
      h("tbody", {}, phases.map(([label, n], i) => h("tr", {},
        h("th", { scope: "row" }, h("span", { class: "swatch ph" + i }), " ", label),
        ...["avg", "med", "p(95)", "p(99)", "max"].map((k) => h("td", { class: "num" }, ms(val(n, k)))))))));

    const groups = Object.entries(rp.groupBy || {});
    const groupSec = groups.length ? h("section", { class: "card", id: "groupby", "aria-labelledby": "gb-title" },
      h("h2", { id: "gb-title" }, "Distributions (groupBy)"),
      groups.map(([step, g]) => {
        const entries = Object.entries(g.values || {});
        if (g.other) entries.push(["(other)", g.other]);
        if (g.missing) entries.push(["(missing)", g.missing]);
        entries.sort((a, b) => b[1] - a[1]);
        return h("div", { class: "groupby" }, h("h3", {}, step, " ", h("span", { class: "muted small" }, `${g.source} · ${count(g.total)} responses`)),
          h("table", {}, h("tbody", {}, entries.map(([v, n]) => h("tr", {},
            h("th", { scope: "row" }, v), h("td", { class: "num" }, count(n)),
            h("td", { class: "num" }, pct(g.total ? n / g.total : 0)),
            h("td", { class: "barcell" }, h("span", { class: "bar", style: `width: ${(100 * n / (g.total || 1)).toFixed(1)}%` })))))));
      })) : null;

    const downloads = h("section", { class: "card", id: "downloads", "aria-labelledby": "dl-title" },
      h("h2", { id: "dl-title" }, "Downloads"),
      h("ul", {},
        h("li", {}, h("a", { href: `/api/runs/${id}/summary`, download: `run-${id}-summary.json` }, "k6 summary JSON"), " (handleSummary shape)"),
        h("li", {}, h("a", { href: `/api/runs/${id}/samples.csv` }, "per-second samples, total (CSV)")),
        ...((rp.endpoints || []).map((e) => h("li", {}, h("a", { href: `/api/runs/${id}/samples.csv?endpoint=${encodeURIComponent(e.name)}` }, `per-second samples, ${e.name} (CSV)`))))));
    fill(el.finished, h("div", { class: "grid2" }, summary, phaseSec), groupSec, downloads);
    renderChecks();
  }
}
