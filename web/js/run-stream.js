// run-stream: a run's seconds for its charts, each exactly once, whenever the page was opened.
//
// The stream subscribes to `run:<id>` first and waits for the server to confirm, keeps the ticks
// that arrive while the page reads the run, then load() reads the stored seconds over REST
// (downsampled with `step` for a long run) and appends only ticks whose `second` is after the last
// second the charts hold; a tick that leaves a hole (after a reconnect, or a message the server
// dropped for a slow client) makes it read the missing seconds over REST first. Every tick is
// published only after its rows are committed (docs/api.md, "Joining a run late"), so the charts
// hold each second once. History reads and tick pumps change the charts one at a time (a promise
// chain). The stream also counts the check results of the seconds it has read (the live total).
import { get, qs } from "./api.js";
import { banner } from "./dom.js";
import { errorText } from "./fmt.js";
import * as live from "./live.js";

const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
const MAX_POINTS = 1200;

// The smallest step that keeps a run of `seconds` under MAX_POINTS points.
function chooseStep(seconds) {
  for (const s of STEPS) if (seconds / s <= MAX_POINTS) return s;
  return STEPS[STEPS.length - 1];
}

export class RunStream {
  // Subscribes to the run's topic. `page` is what the stream reads of the page: `run` (null until
  // the page has read it; ticks are kept until then, other messages dropped: the run read is newer)
  // and `ended` (the page shows the run as finished). `on.tick(m)` is called for each tick after
  // the charts hold it, `on.state(m)` for a run_state message, `on.change(c)` for a change made (`on.event(e)` for an event marked)
  // while it runs (a `change` message), and `on.resync()` when the stream
  // cannot catch up by itself (a reconnect while the run is queued or finished: read the run again).
  constructor(id, page, on) {
    this.id = id;
    this.page = page;
    this.on = on;
    this.charts = null;
    this.step = 1;        // seconds per point of the last history read
    this.known = 0;       // seconds of the run committed when it was last read
    this.checks = { passed: 0, failed: 0 };   // check results in the seconds the charts hold
    this.inbox = [];      // ticks (and {type: "fill"} after a reconnect) not applied yet
    this.pumpQueued = false;
    this.chain = Promise.resolve();
    this.closed = false;
    this.sub = live.subscribe("run:" + id, (m) => this.onMessage(m));
  }

  // Resolves once the server confirmed the subscription (no tick can be missed from then on), or
  // after 3 s; the stream then catches up when it connects.
  async subscribed() {
    const confirmed = await Promise.race([this.sub.ready.then(() => true), new Promise((r) => setTimeout(r, 3000, false))]);
    if (!confirmed) this.sub.ready.then(() => this.onMessage({ type: "reconnected" }));
  }

  // Draws page.run into `charts`: its stored seconds (by `step` when given, else the step that fits
  // its length), then the ticks kept and those to come. Called again when the run changed state.
  load(charts, step) {
    const r = this.page.run;
    this.charts = charts;
    this.known = this.page.ended ? Math.ceil(((r.ended_ms || r.started_ms) - r.started_ms) / 1000)
      : r.live ? r.live.second + 1 : 0;
    return this.exclusive(() => this.read(step)).then(() => this.pump());
  }

  // Forgets the ticks not applied yet (the page reads the run again, and load() follows).
  drop() {
    this.inbox = [];
  }

  close() {
    this.closed = true;
    this.sub.unsubscribe();
  }

  onMessage(m) {
    if (m.type === "tick") {
      this.inbox.push(m);
      this.pump();
    } else if (!this.page.run) {
      // still reading the run: its state will be newer
    } else if (m.type === "run_state") {
      this.on.state(m);
    } else if (m.type === "change") {
      if (this.on.change) this.on.change(m.change);
    } else if (m.type === "event") {
      if (this.on.event) this.on.event(m.event);
    } else if (m.type === "reconnected") {
      if (this.charts && !this.page.ended) { this.inbox.push({ type: "fill" }); this.pump(); }
      else this.on.resync();
    }
  }

  // Runs fn after every history read or pump before it: they change the charts one at a time.
  exclusive(fn) {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => {});
    return p;
  }

  // Reads the samples: downsampled by `step` up to a window boundary, then second by second.
  async read(forceStep) {
    const ended = this.page.ended, known = this.known;
    const step = forceStep || chooseStep(Math.max(known, 1));
    const samples = async (params) => (await get(`/api/runs/${this.id}/samples` + qs(params))).samples;
    this.step = step;
    if (step > 1) {
      const to = ended ? null : Math.floor(known / step) * step - 1;
      const rows = to === null || to >= 0 ? await samples({ step, to }) : [];
      this.charts.setRows(rows, step);
      this.count(rows, true);
      if (!ended) {
        const rest = await samples({ from: Math.max(to + 1, 0) });
        this.charts.append(rest);
        this.count(rest);
      }
    } else {
      const rows = await samples({});
      this.charts.setRows(rows, 1);
      this.count(rows, true);
    }
  }

  count(rows, reset) {
    if (reset) this.checks = { passed: 0, failed: 0 };
    for (const r of rows) { this.checks.passed += r.checks_passed || 0; this.checks.failed += r.checks_failed || 0; }
  }

  // Applies queued ticks in order; fills holes over REST first. One pump at a time.
  pump() {
    if (this.pumpQueued || !this.charts) return;
    this.pumpQueued = true;
    this.exclusive(() => this.drain());
  }

  async drain() {
    this.pumpQueued = false;
    const charts = this.charts;
    try {
      while (this.inbox.length && !this.closed) {
        const m = this.inbox[0];
        const last = charts.lastSecond;
        if (m.type === "fill" || m.second > last + 1) {
          const to = m.type === "fill" ? null : m.second - 1;
          const rows = (await get(`/api/runs/${this.id}/samples` + qs({ from: last + 1, to }))).samples;
          charts.append(rows);
          this.count(rows.filter((r) => r.second > last));
          if (m.type === "fill") { this.inbox.shift(); continue; }
        }
        this.inbox.shift();
        if (m.second <= charts.lastSecond) continue;   // already read over REST
        charts.append([{ second: m.second, ...m.total }]);
        this.count([m.total]);
        this.on.tick(m);
      }
      if (charts.length > 2 * MAX_POINTS && !this.page.ended) {
        // a long live run: read it again with a coarser step
        this.known = charts.lastSecond + 1;
        await this.read();
      }
    } catch (err) {
      banner("Live update failed: " + errorText(err));
    }
  }
}
