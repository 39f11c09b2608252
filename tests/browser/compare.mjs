// compare.mjs (run by 079-compare.sh): "Set as baseline" on a finished run pins it (the badge
// shows, the API agrees); the slower run's page names that baseline with the verdict; "Compare with
// baseline" opens the compare view with both runs overlaid on an elapsed-time axis, the difference
// table (a regressed p95 row, coloured) and the two latency spectra overlaid.
import { launch, watchErrors, ok, is, like, doneTesting, api, shot } from "./lib.mjs";

const { BASE, SANDBOX, T, R1, R2 } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);

try {
  await page.goto(`${BASE}/#/runs/${R1}`);
  await page.locator("#set-baseline").click();
  await page.locator("#baseline-badge").waitFor();
  ok(true, "Set as baseline shows the baseline badge");
  is((await api(BASE, "GET", `/api/tests/${T}/baseline`)).data.current.run_id, Number(R1), "and pins the run");

  await page.goto(`${BASE}/#/runs/${R2}`);
  await page.locator("#baseline-verdict").waitFor();
  is(await page.locator("#baseline-verdict").textContent(), "regressed", "the slower run names its verdict against the baseline");
  like(await page.locator("#baseline-bar").textContent(), new RegExp(`Compared with run #${R1}`), "and which run that is");
  is(await page.locator("#baseline-badge").count(), 0, "it is not the baseline itself");

  await page.locator("#compare-baseline").click();
  await page.waitForURL(new RegExp(`#/runs/${R2}/compare/baseline$`));
  await page.locator("#compare-table").waitFor();
  like(await page.locator("#compare-verdict").textContent(), /Verdict: regressed/, "the compare view says regressed");
  const p95 = page.locator("#compare-table tr.verdict-regressed", { hasText: "p95_us" });
  ok(await p95.count() >= 2, "p95 rows of the total and the endpoint are marked regressed", await p95.count());
  like(await page.locator("#compare-table").textContent(), /GET users/, "the table lists the endpoint by method and name");
  ok(await page.locator("#compare-table tr.verdict-regressed td .verdict-regressed").first().evaluate(
    (e) => getComputedStyle(e).color !== getComputedStyle(document.body).color), "verdicts are coloured");
  await page.waitForFunction(() => window.rampageDebug && window.rampageDebug.overlays().length === 2);
  is(JSON.stringify(await page.evaluate(() => window.rampageDebug.overlays())), "[2,2]",
    "two overlay charts (throughput, p95), each with both runs");
  is(await page.locator("#compare-charts canvas").count(), 2, "drawn");
  is(JSON.stringify(await page.evaluate(() => window.rampageDebug.xLabels())), '["seconds since start","seconds since start"]',
    "on an elapsed-time axis");
  is(await page.evaluate(() => window.rampageDebug.spectrumSeries()), 2, "both latency spectra overlaid");
  is(await page.locator("#compare-spectrum canvas").count(), 1, "in one chart");
  await shot(page, "079-compare");

  await page.goto(`${BASE}/#/runs/${R2}/compare/previous`);
  await page.locator("#compare-table").waitFor();
  like(await page.locator("h1").textContent(), new RegExp(`compared with run #${R1} \\(previous\\)`), "compare with previous works too");
  await page.goto(`${BASE}/#/runs/${R1}/compare/previous`);
  await page.locator("#compare-error").waitFor();
  like(await page.locator("#compare-error").textContent(), /no earlier run/, "without a previous run the view says why");
  // the browser logs the 409 of the last request as a failed resource: the only error allowed
  const real = errors.filter((e) => !/Failed to load resource: .* 409/.test(e));
  is(real.length, 0, "no console errors but the expected 409", real.join("; "));
} finally {
  await context.close();
}
doneTesting();
