// dashboard.mjs (run by 070-dashboard.sh): a person's path through the dashboard in headless
// Chromium against a real daemon and demo target: write a test in the editor (an invalid one first:
// its errors show at the offending lines), start it with overrides, watch the charts and the
// endpoint table fill, reload and open a second tab mid-run (the whole run so far, each second once),
// stop it, find it in the history with its summary (and, its row given missing seconds, the line
// "history incomplete"); then a daemon that wants an API token, and one
// whose web root has no chart library.
// Environment: BASE (daemon URL), DEMO (demo target URL), TOKEN_BASE and TOKEN (a second daemon
// with api_tokens and protect_reads), NO_CHARTS_BASE (a daemon serving a web root without the chart
// library), SANDBOX (profile folder).
import { execFileSync } from "node:child_process";
import { launch, withTestHooks, shot, watchErrors, ok, like, is, diag, doneTesting, sleep, api } from "./lib.mjs";

const { BASE, DEMO, TOKEN_BASE, TOKEN, NO_CHARTS_BASE, SANDBOX } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);
page.on("dialog", (d) => d.accept());   // confirm() of Stop and Delete

// poll until fn() is truthy (in Node), or give up after ms
async function until(fn, ms = 15000, step = 200) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return v;
    await sleep(step);
  }
}
const debug = (p = page) => p.evaluate(() => ({
  points: window.rampageDebug.points, seconds: window.rampageDebug.seconds,
  spans: window.rampageDebug.spans, redraws: window.rampageDebug.redraws, step: window.rampageDebug.step,
}));
// the seconds of a chart are strictly increasing and contiguous (each point covers `span` seconds)
function contiguous(d) {
  for (let i = 1; i < d.seconds.length; i++)
    if (d.seconds[i] !== d.seconds[i - 1] + d.spans[i - 1]) return `second ${d.seconds[i]} after ${d.seconds[i - 1]} (span ${d.spans[i - 1]})`;
  return "";
}

try {
  // ---- the empty dashboard
  await page.goto(BASE + "/");
  await page.getByText("No tests yet.").waitFor();
  ok(true, "a fresh daemon's dashboard says there are no tests yet");
  await until(async () => (await page.locator("#live-state").textContent()).includes("connected"), 5000);
  is(await page.locator("#live-state").textContent(), "live: connected", "the live websocket connects");

  // ---- the editor: an example, then errors at their lines
  await page.getByRole("link", { name: "Create a test" }).click();
  await page.waitForURL(/#\/tests\/new$/);
  await until(async () => (await page.locator("#example option").count()) > 3, 5000);
  const examples = await page.locator("#example option").allTextContents();
  ok(examples.some((t) => t.includes("smoke.json")), "the examples of etc/examples are offered", examples.join(" | "));
  await page.selectOption("#example", "smoke.json");
  await page.getByRole("button", { name: "Use example" }).click();
  await until(async () => (await page.locator("#definition").inputValue()).includes("demo smoke test"), 5000);
  ok((await page.locator("#definition").inputValue()).includes("demo smoke test"), "choosing the smoke example fills the editor");
  await until(async () => /Valid ✓/.test(await page.locator("#validation").textContent()), 5000);
  like(await page.locator("#validation").textContent(), /Valid ✓.*health/, "the example validates (the daemon's plan is summarised)");
  like(await page.locator("#validation").textContent(), /about 10 s \(\+ up to 30 s graceful stop\)/,
    "the planned length and the graceful tail are told apart");

  const bad = `{
  "name": "browser test",
  "baseUrl": "${DEMO}",
  "vus": 2,
  "duration": "3 seconds",
  "scenarios": {
    "browse": {
      "executor": "constant-vus",
      "vus": -1,
      "duration": "10s",
      "tasks": [ { "name": "health", "path": "/api/health" } ]
    }
  }
}
`;
  await page.locator("#definition").fill(bad);
  await page.getByRole("button", { name: "Create test" }).click();
  await page.locator("#definition-errors li").first().waitFor();
  const errItems = await page.locator("#definition-errors li").allTextContents();
  diag("errors shown: " + errItems.join(" | "));
  const vusErr = errItems.find((t) => t.includes("scenarios.browse.vus"));
  ok(vusErr && vusErr.startsWith("line 9"), "the error at scenarios.browse.vus is shown at line 9, where that key is", errItems.join("\n"));
  const errLines = await page.locator(".gutter .ln.err").allTextContents();
  ok(errLines.includes("9"), "line 9 is marked in the gutter", errLines.join(","));
  const notes = await page.locator(".notes .note").allTextContents();
  ok(notes.some((t) => /expected an integer from 1/.test(t)), "the message is written beside the line", notes.join("\n"));
  ok(await page.locator("#definition-errors li button").first().isVisible(), "each error has a button that selects its key");
  await page.locator("#definition-errors li button", { hasText: "line 9" }).first().click();
  const sel = await page.locator("#definition").evaluate((ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd));
  is(sel, '"vus"', "choosing the error selects the offending key in the text");
  is(page.url().endsWith("#/tests/new"), true, "nothing was saved");

  // a syntax error is placed by the local check
  await page.locator("#definition").fill('{\n  "name": "x",\n  "vus": 2\n  "duration": "5s"\n}\n');
  await page.getByRole("button", { name: "Validate" }).click();
  await page.locator("#definition-errors li").first().waitFor();
  like(await page.locator("#definition-errors li").first().textContent(), /^line 4.*JSON syntax: expected ',' or '}'/, "a JSON syntax error points at its line");
  await shot(page, "editor-errors");

  // a valid definition
  const good = {
    name: "browser test",
    baseUrl: DEMO,
    vus: 2,
    duration: "40s",
    thresholds: { http_req_duration: ["p(95)<2000"], http_req_failed: ["rate<0.5"] },
    tasks: [
      { name: "list users", path: "/api/users", checks: [{ name: "status is 200", status: 200 }] },
      { name: "health", path: "/api/health" },
    ],
  };
  await page.locator("#definition").fill(JSON.stringify(good, null, 2));
  await page.getByRole("button", { name: "Create test" }).click();
  await page.waitForURL(/#\/tests\/\d+$/);
  const testId = Number(page.url().match(/#\/tests\/(\d+)$/)[1]);
  is(await page.locator("h1").textContent(), "browser test", "saving opens the new test's page");
  is(await page.locator("#test-target").textContent(), DEMO, "the test page shows the target at a glance");
  is(await page.locator("#test-load").textContent(), "constant-vus, 2 VUs for 40 s", "and the load shape");
  const saved = await api(BASE, "GET", "/api/tests/" + testId);
  is(saved.data.definition.baseUrl, DEMO, "the daemon holds the definition as written");

  // ---- start with overrides
  ok(await page.getByLabel("Iterations").isEnabled(), "the Iterations override is offered (a shortcut without stages takes it)");
  await page.getByLabel("VUs").fill("3");
  await page.getByLabel("Note").fill("from the browser test");
  await page.getByRole("button", { name: "Start run" }).click();
  await page.waitForURL(/#\/runs\/\d+$/);
  const runId = Number(page.url().match(/#\/runs\/(\d+)$/)[1]);
  await until(async () => (await page.locator("h1 .badge").textContent()) === "running", 10000);
  is(await page.locator("h1 .badge").textContent(), "running", "the run page shows it running");
  is(await page.locator("#run-target").textContent(), DEMO, "the run page shows the target at a glance");
  is(await page.locator("#run-load").textContent(), "constant-vus, 3 VUs for 40 s", "and the load shape as run (the VUs override)");
  const run = await api(BASE, "GET", "/api/runs/" + runId);
  is(run.data.definition.vus, 3, "the VUs override reached the run");
  is(run.data.note, "from the browser test", "and the note");

  // ---- live: charts gain points, the endpoint table fills and moves
  await until(async () => (await debug()).points >= 4, 15000);
  const d1 = await debug();
  ok(d1.points >= 4, `the charts gained points from the stream (${d1.points})`);
  const rowsText = await page.locator("#endpoints tbody tr").allTextContents();
  ok(rowsText.length === 3 && rowsText.some((t) => t.includes("list users")) && rowsText.some((t) => t.includes("health")),
    "the endpoint table has both endpoints and the total", rowsText.join("\n"));
  const totalReq = async () => Number((await page.locator('#endpoints tr[data-idx="0"] td').first().textContent()).replace(/[^0-9]/g, ""));
  const r1 = await totalReq();
  await until(async () => (await totalReq()) > r1, 5000);
  ok((await totalReq()) > r1, "the endpoint table's counts update in place each second");
  like(await page.locator("#st-rps dd").textContent(), /req\/s$/, "the live throughput has its unit");
  like(await page.locator("#st-p95 dd").textContent(), / ms$| s$/, "the live p95 is in ms");
  // the x axis is the time since the start, to the second in the hover legend; a count axis counts in whole steps
  const xl = await page.evaluate(() => window.rampageDebug.axisLabels(0, 0));
  ok(xl.length > 0 && xl.every((v) => v === "" || /^\d+:\d\d$/.test(v)), "the time axis reads elapsed m:ss", xl.join(" "));
  const vl = await page.evaluate(() => window.rampageDebug.axisLabels(2, 1)).then((v) => v.filter((x) => x !== ""));
  is(new Set(vl).size, vl.length, "the VUs axis repeats no label (whole steps only): " + vl.join(", "));
  await page.locator(".chart-throughput .u-over").hover({ position: { x: 200, y: 50 } });
  like(await page.locator(".chart-throughput .u-legend .u-series:first-child .u-value").textContent(),
    /^\+\d+:\d\d \(\d\d:\d\d:\d\d/, "hovering shows the elapsed time and the clock time to the second");
  const remaining = await page.locator("#st-remaining dd").textContent();
  const left = remaining.match(/^about (\d+) s of 40 s$/);
  ok(left && Number(left[1]) <= 40, "the remaining time counts the planned 40 s, not the graceful tail", remaining);
  is(await page.locator("#st-graceful dd").textContent(), "up to 30 s after", "the graceful stop is shown apart");
  like(await page.locator("#st-stage dd").textContent(), /constant-vus/, "and the stage / executor");
  ok(await page.locator("#stop").isVisible() && await page.locator("#force-stop").isVisible(), "Stop and Force stop are offered");
  const thr = await page.locator("#thresholds li").count();
  is(thr, 2, "both thresholds are listed while it runs");
  ok(/passed/i.test(await page.locator("#checks").textContent()), "checks are counted live", await page.locator("#checks").textContent());
  if ((await page.locator("#thresholds h2").textContent()).includes("live")) {
    // ticks carry the thresholds as judged so far and the checks per name
    const liveMarks = await page.locator("#thresholds li .mark").allTextContents();
    ok(liveMarks.length === 2 && liveMarks.every((m) => m === "✓"), "thresholds show ✓ live", liveMarks.join(" "));
    like(await page.locator("#checks").textContent(), /status is 200/, "checks are listed per name live");
  } else {
    diag("this daemon's ticks carry no thresholds/checks (daemon/runs/runq.c without the live-thresholds change): judged at the end");
  }
  await shot(page, "run-live");

  // ---- reload mid-run: the whole run so far again, no duplicate second
  const before = await debug();
  await page.reload();
  await until(async () => { try { return (await debug()).points >= before.points; } catch { return false; } }, 15000);
  const after = await debug();
  ok(after.points >= before.points, `after a reload the charts hold at least as many points (${after.points} >= ${before.points})`);
  is(after.seconds[0], 0, "starting with second 0 (history over REST)");
  is(new Set(after.seconds).size, after.seconds.length, "with no duplicate second");
  is(contiguous(after), "", "and no gap");
  await sleep(2500);
  const later = await debug();
  ok(later.points > after.points && contiguous(later) === "" && new Set(later.seconds).size === later.seconds.length,
    `then the stream goes on, joined by second (${later.points} points)`, contiguous(later));

  // ---- a second tab on the same run
  const tab = await withTestHooks(await context.newPage());
  const tabErrors = watchErrors(tab);
  await tab.goto(BASE + "/#/runs/" + runId);
  await until(async () => { try { return (await debug(tab)).points >= later.points; } catch { return false; } }, 15000);
  const t2 = await debug(tab);
  ok(t2.points >= later.points && contiguous(t2) === "" && t2.seconds[0] === 0,
    `a second tab shows the whole run so far (${t2.points} points), contiguous`, contiguous(t2));
  const redraws = (await debug()).redraws;
  const sorted = [...redraws].sort((a, b) => a - b);
  diag(`live redraw (3 charts, ${later.points} points): median ${sorted[sorted.length >> 1].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms over ${sorted.length} updates`);

  // ---- stop (with confirm) -> stopped, with its summary
  await page.locator("#stop").click();
  await until(async () => (await page.locator("h1 .badge").textContent()) === "stopped", 40000);
  is(await page.locator("h1 .badge").textContent(), "stopped", "Stop (confirmed) stops the run");
  await until(async () => (await tab.locator("h1 .badge").textContent()) === "stopped", 10000);
  is(await tab.locator("h1 .badge").textContent(), "stopped", "the second tab learns it from the live stream");
  await tab.close();
  await page.locator("#summary").waitFor();
  ok(await page.locator("#summary").isVisible(), "the finished run shows its summary");
  like(await page.locator("#summary").textContent(), /Requests[\d,.]+/, "with its request count");
  const marks = await page.locator("#thresholds li .mark").allTextContents();
  ok(marks.length === 2 && marks.every((m) => m === "✓"), "thresholds are judged ✓", marks.join(" "));
  like(await page.locator("#checks").textContent(), /status is 200/, "checks are listed per name");
  like(await page.locator('#endpoints tr[data-idx="1"] td.codes').textContent(), /200: [\d,]+/, "the endpoint table has status codes");
  like(await page.locator("#phases").textContent(), /TTFB \(waiting\)/, "the timing phases are broken down");
  // the latency distribution (percentile spectrum from the stored histograms), an endpoint beside the total
  await until(async () => (await page.evaluate(() => window.rampageDebug.spectrum())) !== null, 10000);
  const sp = await page.evaluate(() => window.rampageDebug.spectrum());
  const lat = await api(BASE, "GET", `/api/runs/${runId}/latency`);
  ok(sp && sp.length === 2 && sp[1].filter((v) => v !== null).length === lat.data.percentiles.length,
    `the latency distribution draws every percentile the daemon gave (${lat.data.percentiles.length})`);
  ok(sp && sp[0].every((x, i) => i === 0 || x > sp[0][i - 1]) && sp[1].every((v, i) => i === 0 || v === null || v >= sp[1][i - 1]),
    "against 1/(1-p), rising, latency never falling");
  // a run of 4 requests: its 75th percentile sits at 1/(1-0.75) = 4 = the count, where the
  // maximum is drawn; the maximum moves right of it rather than hiding it
  const tiny = await page.evaluate(async () => {
    const { LatencySpectrum } = await import("./js/charts.js");
    const el = document.createElement("div");
    document.body.append(el);
    const s = new LatencySpectrum(el, 400);
    s.set([{ label: "tiny", count: 4, percentiles: [{ p: 0, us: 1000 }, { p: 50, us: 2000 }, { p: 75, us: 3000 }, { p: 100, us: 4000 }] }]);
    const data = s.u.data.map((c) => Array.from(c));
    s.destroy();
    el.remove();
    return data;
  });
  is(JSON.stringify(tiny[1]), JSON.stringify([1, 2, 3, 4]), `a percentile at the count's place and the maximum are both drawn (at ${JSON.stringify(tiny[0])})`);
  await page.selectOption("#spectrum-endpoint", "health");
  await until(async () => ((await page.evaluate(() => window.rampageDebug.spectrum())) || []).length === 3, 10000);
  is(((await page.evaluate(() => window.rampageDebug.spectrum())) || []).length, 3, "an endpoint picked is drawn beside the total");
  like(await page.locator("#spectrum-note").textContent(), /requests; from the run's HDR histograms/, "with what it is drawn from");
  const fin = await debug();
  ok(fin.points >= later.points && contiguous(fin) === "", `the stored samples draw the same charts (${fin.points} points)`);
  const sumHref = await page.locator("#dl-summary").getAttribute("href");
  const sum = await api(BASE, "GET", sumHref);
  ok(sum.status === 200 && sum.data.metrics && sum.data.metrics.http_reqs, "the k6 summary link serves the summary JSON");
  const csv = await fetch(BASE + await page.locator("#dl-csv").getAttribute("href"));
  ok(csv.status === 200 && (await csv.text()).startsWith("second,"), "the CSV link serves the samples");
  await shot(page, "run-finished", { fullPage: true });

  // ---- a page that did not ask for the test hooks (as in production) has none
  const plain = await context.newPage();
  const plainErrors = watchErrors(plain);
  await plain.goto(BASE + "/#/runs/" + runId);
  await plain.locator("#summary").waitFor();
  await plain.locator("#charts .chart").first().waitFor();
  is(await plain.evaluate(() => typeof window.rampageDebug), "undefined", "a page the tests did not ask for hooks has no window.rampageDebug");
  is(await plain.locator("#run-incomplete").count(), 0, "a run with every second stored says nothing of missing seconds");
  // a run whose history is incomplete (a full disk: docs/operations.md) says so; its row gets the
  // missing seconds the way the daemon records them (runs.missing)
  execFileSync("sqlite3", [SANDBOX + "/rampage.db", `UPDATE runs SET missing = '[[3,4]]' WHERE id = ${runId}`]);
  await plain.reload();
  await plain.locator("#run-incomplete").waitFor();
  is(await plain.locator("#run-incomplete").textContent(), " · history incomplete: 2 seconds missing",
    "a run with missing seconds says 'history incomplete: N seconds missing'");
  is(await plain.locator("#run-incomplete").getAttribute("title"), "not stored: 3–4", "with the ranges in its tooltip");
  await plain.close();

  // ---- history
  await page.getByRole("link", { name: "Test & history" }).click();
  await page.waitForURL(/#\/tests\/\d+$/);
  const row = page.locator(`#history tr[data-run="${runId}"]`);
  await row.waitFor();
  like(await row.textContent(), /stopped.*dashboard.*req\/s.*ms.*%/, "the run is in the test's history with state, trigger (dashboard: it was started there), req/s, p95, errors");
  await page.selectOption("#history-state", "passed");
  await until(async () => (await page.locator(`#history tr[data-run="${runId}"]`).count()) === 0, 5000);
  is(await page.locator(`#history tr[data-run="${runId}"]`).count(), 0, "filtering by state passed hides it");
  await page.selectOption("#history-state", "stopped");
  await page.locator(`#history tr[data-run="${runId}"]`).waitFor();
  ok(true, "filtering by state stopped shows it");
  await shot(page, "test-history", { fullPage: true });

  // ---- edit the test: the definition comes back formatted; a change is saved with PUT
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await page.waitForURL(/#\/tests\/\d+\/edit$/);
  await until(async () => (await page.locator("#definition").inputValue()).includes('"browser test"'), 5000);
  const text = await page.locator("#definition").inputValue();
  await page.locator("#definition").fill(text.replace('"browser test"', '"browser test (edited)"'));
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/#\/tests\/\d+$/);
  is(await page.locator("h1").textContent(), "browser test (edited)", "editing a test saves it (its name follows the definition)");

  // ---- the tests list
  await page.getByRole("link", { name: "Tests", exact: true }).click();
  const trow = page.locator(`tr[data-test="${testId}"]`);
  await trow.waitFor();
  like(await trow.textContent(), /stopped.*ms.*req\/s/, "the tests list shows the last run's state, p95 and throughput");
  await shot(page, "tests");

  // ---- delete a test (with confirm)
  const extra = await api(BASE, "POST", "/api/tests", { ...good, name: "to delete" });
  await page.reload();
  await page.locator(`tr[data-test="${extra.data.id}"]`).waitFor();
  await page.getByRole("button", { name: "Delete to delete" }).click();
  await until(async () => (await page.locator(`tr[data-test="${extra.data.id}"]`).count()) === 0, 5000);
  is((await api(BASE, "GET", "/api/tests/" + extra.data.id)).status, 404, "Delete (confirmed) deletes the test");

  // (the invalid definitions' 400 answers are expected; Chromium logs them as failed loads)
  is(errors.filter((e) => !/status of 400/.test(e)).join("\n"), "", "no script error or failed request in the page");
  is(tabErrors.join("\n"), "", "nor in the second tab");
  is(plainErrors.join("\n"), "", "nor in the page without test hooks");

  // ---- a daemon with API tokens and protect_reads
  const page2 = await context.newPage();
  const errors2 = [];
  page2.on("pageerror", (e) => errors2.push(e.message));
  page2.on("dialog", (d) => d.accept());
  await page2.goto(TOKEN_BASE + "/");
  await page2.locator("#banner").waitFor({ state: "visible" });
  like(await page2.locator("#banner").textContent(), /requires an API token.*401/, "a 401 is explained in a banner");
  ok(await page2.locator("#auth-token").isVisible(), "and the token field is opened");
  like(await page2.locator("#live-state").textContent(), /connecting|closed/, "the websocket is refused without the token");
  await page2.locator("#auth-token").fill("wrong-token-0000000000");
  await page2.getByRole("button", { name: "Save" }).click();
  await page2.locator("#banner").waitFor({ state: "visible" });
  like(await page2.locator("#banner").textContent(), /refused the saved API token/, "a wrong token is explained too");
  await page2.locator("#auth-token").fill(TOKEN);
  await page2.getByRole("button", { name: "Save" }).click();
  await page2.getByText("No tests yet.").waitFor();
  ok(true, "with the token the tests load");
  await until(async () => (await page2.locator("#live-state").textContent()).includes("connected"), 8000);
  is(await page2.locator("#live-state").textContent(), "live: connected", "and the websocket connects (?token=)");
  const stored = await page2.evaluate(() => localStorage.getItem("rampage.token"));
  is(stored, TOKEN, "the token is kept in localStorage");
  await page2.goto(TOKEN_BASE + "/#/tests/new");
  await page2.locator("#definition").fill(JSON.stringify({ ...good, name: "with a token" }));
  await page2.getByRole("button", { name: "Create test" }).click();
  await page2.waitForURL(/#\/tests\/\d+$/);
  is(await page2.locator("h1").textContent(), "with a token", "a state-changing call carries the token (Bearer)");
  is(errors2.join("\n"), "", "no script error on the token daemon");

  // ---- a web root without the chart library: the rest works, a banner says what is missing
  const page3 = await context.newPage();
  const errors3 = [];
  page3.on("pageerror", (e) => errors3.push(e.message));
  await page3.goto(NO_CHARTS_BASE + "/");
  await page3.getByText("No tests yet.").waitFor();
  ok(true, "without the chart library the tests list still loads");
  like(await page3.locator("#banner").textContent(), /chart library is missing.*uPlot\.esm\.js/, "and a banner says the chart library is missing");
  is(errors3.join("\n"), "", "with no script error");
} catch (err) {
  ok(false, "the walk-through went to the end", err.stack || String(err));
  await shot(page, "failure").catch(() => {});
}


await context.close();
process.exit(doneTesting());
