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
import { RunCharts } from "./charts.js";
import { RunHead } from "./run-head.js";
import { RunStream } from "./run-stream.js";
import { RunPanels } from "./run-panels.js";
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
  const panels = new RunPanels(id, page);
  const notes = new NotificationsPanel(id);
  const stream = new RunStream(id, page, {
    tick: (m) => { panels.tick(m); head.tick(m); },
    state: onState,
    resync: reloadRun,
  });
  const chartsEl = h("div", { class: "charts", id: "charts" });

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
  fill(main, head.el.head, head.el.shape, head.el.meta, head.el.controls, head.el.progress, panels.el.health, chartsEl,
    h("div", { class: "grid2" }, panels.el.thresholds, panels.el.checks), panels.el.endpoints, panels.el.finished, notes.el);
  head.render();
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
    if (panels.spectrum) panels.spectrum.destroy();
  }

  // (Re)loads every part for the run's current state. The live subscription is already confirmed.
  async function start() {
    ended = ENDED.has(run.state);
    if (run.state === "queued") { head.progress(); return; }
    if (!charts) charts = new RunCharts(chartsEl, { startedMs: run.started_ms });
    await stream.load(charts);
    await panels.load();
    if (ended) notes.load(run.ended_ms);
    if (!ended) clock = setInterval(() => head.progress(), 1000);
    head.progress();
  }

  function onState(m) {
    const was = run.state;
    Object.assign(run, { state: m.state, started_ms: m.started_ms, ended_ms: m.ended_ms, error: m.error, position: m.position,
      incomplete: m.incomplete, missing_seconds: m.missing_seconds });
    head.render();
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
    await start();
    panels.render();
  }
}
