// view-run (#/runs/34): one run, live or finished. The page lays out and connects three parts:
//   run-head.js    title, state, controls and progress;
//   run-stream.js  the live topic and the stored seconds, which the charts (charts.js) hold once each;
//   run-panels.js  health, thresholds, checks, endpoints, and a finished run's summary;
//   notify.js      a finished run's webhook deliveries.
// The parts read the run through `page` (the run as the daemon last described it, and whether the
// page shows it as finished); only this file changes the run. A run_state message updates it in
// place; when the run started or ended, or the stream cannot catch up by itself, the page reads the
// run again and loads every part for its new state.
import { get, ENDED } from "./api.js";
import { h, fill, banner } from "./dom.js";
import { errorText } from "./fmt.js";
import { RunCharts, MonitorCharts } from "./charts.js";
import { RunHead } from "./run-head.js";
import { RunStream } from "./run-stream.js";
import { RunPanels } from "./run-panels.js";
import { RunUsers } from "./run-users.js";
import { EndpointCharts } from "./endpoint-charts.js";
import { renderBaseline } from "./run-baseline.js";
import { NotificationsPanel } from "./notify.js";
import { exposeForTests } from "./testhook.js";

export async function runView(main, id) {
  let run = null;          // GET /api/runs/{id}, kept current by run_state messages
  let ended = false;       // the parts show the run as finished (set when they are loaded)
  let charts = null;
  let clock = null;        // a live run's elapsed time, every second
  let destroyed = false, reloading = false, reloadAgain = false;
  const page = { get run() { return run; }, get ended() { return ended; }, get checks() { return stream.checks; } };
  const head = new RunHead(id, page, {
    stopped: (state) => {
      // the live stream may already have told a later state (the run ended before this answer)
      if (!ENDED.has(run.state)) { run.state = state; head.render(); }
    },
  });
  const epCharts = new EndpointCharts(id, () => stream.step);
  const panels = new RunPanels(id, page, { pick: (name, on) => epCharts.pick(name, on), picked: (name) => epCharts.has(name) });
  const users = new RunUsers(id, page, { changed: (r) => { run.changes = r.changes; showChanges(); } });
  const notes = new NotificationsPanel(id);
  const stream = new RunStream(id, page, {
    tick: (m) => { panels.tick(m); head.tick(m); epCharts.tick(m); monCharts.tick(m); },
    state: onState,
    change: (c) => {
      // the answer to our own Apply may have brought it already
      if (!run.changes) run.changes = [];
      if (!run.changes.some((x) => x.at_ms === c.at_ms && x.scenario === c.scenario)) run.changes.push(c);
      showChanges();
    },
    event: (e) => {
      if (!run.events) run.events = [];
      if (!run.events.some((x) => x.at_ms === e.at_ms && x.name === e.name)) run.events.push(e);
      if (charts) charts.setEvents(run.events);
    },
    resync: reloadRun,
  });
  const chartsEl = h("div", { class: "charts", id: "charts" });
  // the target's own metrics (the definition's monitors), under the load charts
  const monEl = h("div", { class: "charts", id: "monitor-charts" });
  const monCharts = new MonitorCharts(monEl);
  // what a run measured: panels and charts; hidden for a run that never ran (cancelled)
  const bodyEl = h("div", { id: "run-body" });
  const baselineEl = h("div", { class: "baseline-bar", id: "baseline-bar" });

  exposeForTests({
    get seconds() { return charts ? charts.seconds.slice() : []; },
    get spans() { return charts ? charts.spans.slice() : []; },
    get redraws() { return charts ? charts.redraws.slice() : []; },
    get step() { return stream.step; },
    get points() { return charts ? charts.length : 0; },
    redraw: () => charts && charts.draw(),
    // the tick labels a chart drew (uPlot keeps them per axis): 0 throughput, 1 latency, 2 VUs
    spectrum: () => panels.spectrum && panels.spectrum.u ? panels.spectrum.u.data.map((c) => c.slice()) : null,
    axisLabels: (chart, axis) => charts ? (charts.charts[chart].axes[axis]._values || []).slice() : [],
    reloadWithStep: (s) => stream.load(charts, s),
    get changes() { return run ? (run.changes || []).slice() : []; },
    // the change markers drawn on each chart: [chart][i] = its label
    markers: () => charts ? charts.charts.map((u) => [...u.over.querySelectorAll(".change-marker")].map((e) => e.textContent)) : [],
    // the event markers drawn on each chart: [chart][i] = its label
    eventMarkers: () => charts ? charts.charts.map((u) => [...u.over.querySelectorAll(".event-marker")].map((e) => e.textContent)) : [],
    endpointCharts: () => epCharts.names,
    monitorCharts: () => monCharts.names,
    monitorPoints: (name) => monCharts.points(name),
    endpointPoints: (name) => { const c = epCharts.picked.get(name); return c ? c.x.length : 0; },
  });

  // the stream first (confirmed by the server), then the state and history over REST
  await stream.subscribed();
  try {
    run = await get("/api/runs/" + id);
  } catch (err) {
    stream.close();
    fill(main, h("h1", {}, "Run #" + id), h("p", { class: "error" }, errorText(err)),
      h("p", {}, h("a", { href: "#/runs" }, "Every run")));
    return;
  }
  if (destroyed) return;
  fill(bodyEl, panels.el.health, chartsEl, monEl, epCharts.el, h("div", { class: "grid2" }, panels.el.thresholds, panels.el.checks),
    panels.el.endpoints, panels.failures.el.panel, panels.el.finished, notes.el);
  fill(main, head.el.head, head.el.shape, head.el.meta, baselineEl, head.el.controls, users.el, head.el.progress,
    panels.failures.el.alarm, bodyEl);
  head.render();
  users.render();
  panels.render();
  head.plan();
  await start();
  panels.render();
  return cleanup;

  function cleanup() {
    destroyed = true;
    stream.close();
    clearInterval(clock);
    notes.destroy();
    if (charts) charts.destroy();
    monCharts.destroy();
    epCharts.destroy();
    if (panels.spectrum) panels.spectrum.destroy();
  }

  // (Re)loads every part for the run's current state. The live subscription is already confirmed.
  async function start() {
    ended = ENDED.has(run.state);
    // a run that has not started, or never will (cancelled): no charts, no panels
    bodyEl.hidden = run.state === "cancelled";
    if (run.state === "queued" || run.state === "cancelled") { head.progress(); return; }
    if (!charts) charts = new RunCharts(chartsEl, { startedMs: run.started_ms });
    await stream.load(charts);
    charts.setChanges(run.changes);
    charts.setEvents(run.events);
    if (run.definition && run.definition.monitors) {
      try { monCharts.load(await get(`/api/runs/${id}/monitors`)); } catch (err) { /* drawn from the ticks */ }
    }
    // the picked endpoints again, at the step just read (a finished run's stored seconds)
    for (const name of epCharts.names) { await epCharts.pick(name, false); await epCharts.pick(name, true); }
    await panels.load();
    if (ended) notes.load(run.ended_ms);
    if (!ended) clock = setInterval(() => head.progress(), 1000);
    head.progress();
    if (ended) renderBaseline(baselineEl, run);
  }

  // The run's changes, drawn on the charts and listed by the Users control.
  function showChanges() {
    if (charts) charts.setChanges(run.changes);
    users.render();
  }

  function onState(m) {
    const was = run.state;
    Object.assign(run, { state: m.state, started_ms: m.started_ms, ended_ms: m.ended_ms, error: m.error, position: m.position,
      incomplete: m.incomplete, missing_seconds: m.missing_seconds });
    head.render();
    users.render();
    if (was === "queued" && m.state !== "queued") reloadRun();
    else if (ENDED.has(m.state)) reloadRun();
  }

  // Reads the run again and rebuilds the page for its state; calls while one is under way make it
  // run once more afterwards (the newest state wins).
  async function reloadRun() {
    if (reloading) { reloadAgain = true; return; }
    reloading = true;
    try {
      do {
        reloadAgain = false;
        await reloadOnce();
      } while (reloadAgain && !destroyed);
    } finally {
      reloading = false;
    }
  }

  async function reloadOnce() {
    try {
      run = await get("/api/runs/" + id);
    } catch (err) { banner(errorText(err)); return; }
    clearInterval(clock);
    clock = null;
    stream.drop();
    head.render();
    users.render();
    await start();
    panels.render();
  }
}
