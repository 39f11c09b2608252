// monitors.mjs (run by 090-monitors.sh in tests/browser): a finished run's monitored values drawn
// under the load charts (web/js/charts.js MonitorCharts), one chart per value with a point per
// scraped second; a run without monitors has none.
import { launch, watchErrors, ok, is, like, doneTesting, shot } from "./lib.mjs";

const { BASE, SANDBOX, MON, PLAIN, ROWS } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);

try {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${BASE}/#/runs/${MON}`);
  await page.locator('#monitor-charts .chart-monitor[data-monitor="rss"] canvas').waitFor();
  is(JSON.stringify(await page.evaluate(() => window.rampageDebug.monitorCharts().sort())), JSON.stringify(["reqs", "rss"]),
    "a chart per monitored value");
  is(String(await page.evaluate(() => window.rampageDebug.monitorPoints("rss"))), ROWS,
    `the rss chart has a point per scraped second (${ROWS})`);
  ok(await page.evaluate(() => {
    const charts = document.querySelector("#charts"), mon = document.querySelector("#monitor-charts");
    return charts.compareDocumentPosition(mon) & Node.DOCUMENT_POSITION_FOLLOWING;
  }), "the monitor charts come after the load charts");
  like(await page.locator('#monitor-charts [data-monitor="reqs"] .u-title').textContent(), /^reqs \(per second\) · demo$/,
    "a counter's chart says it is per second, and names its monitor");
  const box = await page.locator('#monitor-charts [data-monitor="rss"] canvas').boundingBox();
  ok(box && box.width > 300 && box.height > 50, "the rss chart is drawn with a size", JSON.stringify(box));
  await page.locator("#monitors-csv").waitFor();
  is(await page.locator("#monitors-csv").getAttribute("href"), `/api/runs/${MON}/monitors.csv`, "the downloads offer the monitors' CSV");
  await shot(page, "monitors-1280", { fullPage: true });
  await page.goto("about:blank");
  await page.goto(`${BASE}/#/runs/${PLAIN}`);
  await page.locator("#charts canvas").first().waitFor();
  is(await page.locator("#monitor-charts .chart-monitor").count(), 0, "a run without monitors: no monitor chart");
  is(errors.length, 0, "no console errors", errors.join("\n"));
} catch (err) {
  ok(false, "the walk completed", err.stack);
}
await context.close();
process.exit(doneTesting());
