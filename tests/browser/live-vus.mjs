// live-vus.mjs (run by 077-live-vus.sh): on a running constant-vus run's page, the Users control
// changes the run's VUs (2 -> 4), the change is listed and drawn as a marker on every chart; a bad
// value and one over limits.max_vus are refused under the input, naming the field; a change made
// over the API meanwhile arrives live; picking an endpoint in the table draws its own chart (and
// it follows the ticks); once stopped, the finished page still draws both markers and the picked
// endpoint. Also at 800 and 390 px: the control and the endpoint chart fit.
import { launch, watchErrors, ok, is, like, diag, doneTesting, shot, api, sleep } from "./lib.mjs";

const { BASE, SANDBOX, RUN_ID } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);
const dbg = (expr, arg) => page.evaluate(expr, arg);
// polls fn (in node) until it returns a truthy value, or gives up after `s` seconds
async function until(fn, s = 15) {
  for (let i = 0; i < s * 5; i++) { const v = await fn(); if (v) return v; await sleep(200); }
  return null;
}

try {
  await until(async () => (await api(BASE, "GET", "/api/runs/" + RUN_ID)).data.state === "running");
  await page.goto(`${BASE}/#/runs/${RUN_ID}`);
  await page.locator("#users-input").waitFor();
  is(await page.inputValue("#users-input"), "2", "the Users control shows the run's 2 VUs");
  await until(() => dbg(() => window.rampageDebug.points >= 2));

  // 2 -> 4 from the page
  await page.fill("#users-input", "4");
  await page.click("#users-apply");
  await page.locator("#run-changes").waitFor();
  like(await page.textContent("#run-changes"), /2 → 4 VUs \(dashboard\)/, "the change is listed, made by the dashboard");
  const r1 = (await api(BASE, "GET", "/api/runs/" + RUN_ID)).data;
  is(JSON.stringify(r1.changes.map((c) => [c.from, c.to, c.trigger])), '[[2,4,"dashboard"]]', "the daemon recorded it");
  const m1 = await until(async () => { const m = await dbg(() => window.rampageDebug.markers());
    return m.length === 3 && m.every((c) => c.length === 1) ? m : null; });
  ok(m1 && m1.every((c) => c[0] === "2 → 4 VUs"), "a marker on each of the three charts", JSON.stringify(m1));
  ok(await until(async () => /^4 of/.test(await page.textContent("#st-vus dd"))), "the live figures show 4 VUs");

  // refused values, under the input
  await page.fill("#users-input", "0");
  await page.click("#users-apply");
  like(await page.textContent("#users-error"), /whole number from 1/, "0 is refused before asking the daemon");
  await page.fill("#users-input", "11");
  await page.click("#users-apply");
  ok(await until(async () => /^vus: expected at most 10/.test(await page.textContent("#users-error"))),
    "11 (over limits.max_vus 10) is refused by the daemon, naming vus", await page.textContent("#users-error"));
  is((await api(BASE, "GET", "/api/runs/" + RUN_ID)).data.changes.length, 1, "refusals change nothing");

  // a change over the API arrives live
  const p = await api(BASE, "PATCH", "/api/runs/" + RUN_ID, { vus: 3 });
  is(p.status, 200, "PATCH over the API meanwhile");
  const m2 = await until(async () => { const m = await dbg(() => window.rampageDebug.markers());
    return m.every((c) => c.length === 2) ? m : null; });
  ok(m2 !== null, "its marker appears live on every chart", JSON.stringify(await dbg(() => window.rampageDebug.markers())));
  like(await page.textContent("#run-changes"), /4 → 3 VUs \(api\)/, "and it is listed");

  // pick an endpoint to chart
  await page.locator('table.endpoints input.ep-pick[aria-label="chart health"]').check();
  await page.locator('.endpoint-chart[data-endpoint="health"] canvas').first().waitFor();
  const n0 = await until(() => dbg(() => window.rampageDebug.endpointPoints("health")));
  ok(n0 > 0, `the picked endpoint has its chart (${n0} points)`);
  const n1 = await until(async () => { const n = await dbg(() => window.rampageDebug.endpointPoints("health")); return n > n0 ? n : null; });
  ok(n1 > n0, `and it follows the ticks (${n0} -> ${n1} points)`);
  is(JSON.stringify(await dbg(() => window.rampageDebug.endpointCharts())), '["health"]', "only the picked one is charted");
  await shot(page, "live-vus-running");

  for (const width of [800, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(300);
    const o = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, win: window.innerWidth,
      users: document.querySelector("#run-users").getBoundingClientRect().right,
      charts: Math.max(...[...document.querySelectorAll(".endpoint-chart")].map((e) => e.getBoundingClientRect().right)) }));
    ok(o.page <= o.win && o.users <= o.win && o.charts <= o.win,
      `at ${width} px the Users control and the endpoint chart fit (${JSON.stringify(o)})`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // finished: the markers and the picked endpoint from what was stored
  await api(BASE, "POST", `/api/runs/${RUN_ID}/stop`, {});
  await page.locator("#run-controls #dl-summary").waitFor();
  ok(await page.locator("#users-input").count() === 0, "a finished run has no Users control");
  const m3 = await until(async () => { const m = await dbg(() => window.rampageDebug.markers());
    return m.length === 3 && m.every((c) => c.length === 2) ? m : null; });
  ok(m3 && m3.every((c) => c[0] === "2 → 4 VUs" && c[1] === "4 → 3 VUs"), "the finished charts draw both changes", JSON.stringify(m3));
  ok(await until(() => dbg(() => window.rampageDebug.endpointPoints("health") > 0)), "the picked endpoint is charted from the stored seconds");
  await page.reload();
  await page.locator("#run-changes").waitFor();
  const m4 = await until(async () => { const m = await dbg(() => window.rampageDebug.markers());
    return m.length === 3 && m.every((c) => c.length === 2) ? m : null; });
  ok(m4 !== null, "after a reload too");
  await shot(page, "live-vus-finished");
  // the one refused PATCH (vus 11) is logged by the browser as a failed request
  is(errors.filter((e) => !/status of 400/.test(e)).join("\n"), "", "no script error or other failed request in the page");
} catch (err) {
  ok(false, "the walk completed", err.stack);
}
await context.close();
process.exit(doneTesting());
