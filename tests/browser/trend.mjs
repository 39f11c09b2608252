// trend.mjs (run by 084-trend.sh): test TEST has runs FIRST..FIRST+11 with figures (p95 18% higher
// from FIRST+6, the baseline FIRST+2) and FIRST+12 ended in error. The test's page draws three trend
// charts with the change point annotated and listed; the history shows VUs and lets two ended runs
// be ticked for the compare link.
import { join } from "node:path";
import { launch, shot, watchErrors, ok, is, like, doneTesting, diag, ARTIFACTS } from "./lib.mjs";

const { BASE, SANDBOX } = process.env;
const TEST = Number(process.env.TEST), FIRST = Number(process.env.FIRST);
const CP = FIRST + 6;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);

try {
  await page.goto(`${BASE}/#/tests/${TEST}`);
  await page.locator("#trend .trend-chart canvas").first().waitFor();
  is(await page.locator("#trend .trend-chart").count(), 3, "three trend charts: p95, throughput, error rate");
  is(await page.locator("#trend .trend-chart[data-metric] canvas").count(), 3, "each drawn on a canvas");
  await page.waitForFunction(() => window.rampageDebug?.trend?.error_rate?.drawn?.length > 0);
  const dbg = await page.evaluate(() => window.rampageDebug.trend);
  is(dbg.p95.points, 12, "the p95 chart has the 12 runs that ended with data (not the one in error)");
  is(JSON.stringify(dbg.p95.changes), JSON.stringify([CP]), `one change point, at run #${CP}`);
  const drawn = dbg.p95.drawn[0] || {};
  ok(drawn.run === CP && drawn.x > 0, "the p95 chart drew it (a dashed line with its sentence)", JSON.stringify(dbg.p95.drawn));
  is(drawn.text, `p95 rose 18% at run ${CP} (2026-12-03 02:00, scheduled)`, "the sentence drawn is the API's");
  is(await page.locator('#trend .trend-changes[data-metric="p95"] li a').textContent(),
    `p95 rose 18% at run ${CP} (2026-12-03 02:00, scheduled)`, "and it is listed under the chart");
  is(await page.locator('#trend .trend-changes[data-metric="p95"] li a').getAttribute("href"), `#/runs/${CP}`,
    "linking to that run");
  like(await page.locator('#trend .trend-changes[data-metric="rps"] li').textContent(), /^requests\/s fell 16% at run/,
    "throughput fell at the same run");
  like(await page.locator('#trend .trend-changes[data-metric="error_rate"] li').textContent(), /^error rate rose from 0\.0% to 2\.0%/,
    "the error rate rose from none");
  is(dbg.p95.baseline, FIRST + 2, "the baseline run is known to the chart");
  like(await page.locator("#trend .section-head").textContent(), new RegExp(`baseline, run #${FIRST + 2}`), "and named above it");
  // the chart's box is where the annotation's x says (the line lies inside the plot, right of its middle)
  const box = await page.locator('#trend .trend-chart[data-metric="p95"] canvas').boundingBox();
  ok(drawn.x > box.width / 2 && drawn.x < box.width, `the line is at run ${CP} of 12, right of the middle (x ${Math.round(drawn.x)} of ${Math.round(box.width)})`);

  // ---- the history: VUs, trigger, duration; two ticks give the compare link
  const row = (id) => page.locator(`#history tr[data-run="${id}"]`);
  await row(FIRST).waitFor();
  const heads = await page.locator("#history thead th").allTextContents();
  ok(["Trigger", "Duration", "VUs"].every((t) => heads.includes(t)), "the history has trigger, duration and VUs columns", heads.join(" | "));
  is((await row(FIRST + 4).locator("td.vus").textContent()).trim(), "10", "a run's VUs (from its figures)");
  like(await row(FIRST + 4).textContent(), /schedule/, "and its trigger");
  is(await row(FIRST + 12).locator("input.pick").isDisabled(), true, "a run that ended in error cannot be ticked");
  ok(await page.locator("#compare-link").isHidden(), "no compare link before two ticks");
  await row(FIRST + 1).locator("input.pick").check();
  ok(await page.locator("#compare-link").isHidden(), "nor after one");
  like(await page.locator("#compare-note").textContent(), /one more/, "the page asks for one more");
  await row(FIRST + 9).locator("input.pick").check();
  await page.locator("#compare-link").waitFor();
  is(await page.locator("#compare-link").getAttribute("href"), `#/runs/${FIRST + 9}/compare/${FIRST + 1}`,
    "two ticks: the newer run compared with the older");
  is(await page.locator("#compare-link").textContent(), `Compare #${FIRST + 9} with #${FIRST + 1}`, "the link says which");
  await row(FIRST + 5).locator("input.pick").check();
  is(await page.locator("#compare-link").getAttribute("href"), `#/runs/${FIRST + 9}/compare/${FIRST + 5}`,
    "a third tick drops the first");
  is(await row(FIRST + 1).locator("input.pick").isChecked(), false, "and unticks its box");
  await shot(page, "test-trend", { fullPage: true });
  // the trend alone: docs/img/trend.png is a copy of it
  await page.locator("#trend").screenshot({ path: join(ARTIFACTS, "trend.png") });
  diag("screenshot: " + join(ARTIFACTS, "trend.png"));
  is(errors.join("\n"), "", "no script error in the page");
  // the link opens the compare view of those two runs (b13-base's route; these runs have figures
  // only, so the view may answer that it cannot compare them: the heading is what is checked)
  await page.locator("#compare-link").click();
  await page.waitForURL(new RegExp(`#/runs/${FIRST + 9}/compare/${FIRST + 5}$`));
  await page.locator("h1", { hasText: `Run #${FIRST + 9} compared` }).waitFor({ timeout: 5000 });
  await page.locator("#compare-no-spectrum").waitFor({ timeout: 5000 });
  like(await page.locator("#compare-no-spectrum").textContent(), /either run/,
    "the compare view of runs without stored seconds says there is nothing to overlay");
  is(errors.join("\n"), "", "and throws nothing");
} catch (err) {
  ok(false, "the trend test went to the end", err.stack || String(err));
  await shot(page, "trend-failure").catch(() => {});
}
await context.close();
process.exit(doneTesting());
