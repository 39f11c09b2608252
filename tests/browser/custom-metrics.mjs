// custom-metrics.mjs (run by 088-custom-metrics.sh in tests/browser): a finished run's custom
// metrics and group durations in the dashboard's finished view (web/js/run-custom.js), at 1280 and
// 800 px; a run without either shows no such card.
import { launch, watchErrors, ok, is, like, doneTesting, shot } from "./lib.mjs";

const { BASE, SANDBOX, CUSTOM, GRP, PLAIN, ITER } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);
const row = (key) => page.evaluate((k) => {
  const tr = document.querySelector(`#custom-metrics tr[data-metric="${k}"]`);
  return tr ? [...tr.children].map((c) => c.textContent) : null;
}, key);

try {
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto("about:blank");
    await page.goto(`${BASE}/#/runs/${CUSTOM}`);
    await page.locator("#custom-metrics").waitFor();
    is(JSON.stringify((await row("tasks_created")).slice(0, 3)), JSON.stringify(["tasks_created", "counter", `count ${ITER}`]),
      `${width} px: the counter's row: name, type, count`);
    like((await row("task_queued"))[2], /^rate 100(\.0)? %$/, `${width} px: the rate as a percentage`);
    like((await row("server_wait"))[2], /^avg [0-9.]+ ms$/, `${width} px: a trend of times in ms`);
    like((await row("user_id"))[2], /^avg [0-9.]+$/, `${width} px: a trend of plain numbers without a unit`);
    ok(await row("server_wait{kind:write}"), `${width} px: the sub-metric a threshold named has its row`);
    const thr = await page.evaluate(() => [...document.querySelectorAll("#thresholds li")].map((li) => li.textContent));
    like(thr.find((t) => t.includes("server_wait") && t.includes("p(95)<500")) || "", /observed [0-9.]+ ms$/,
      `${width} px: a threshold on a custom trend of times shows ms`);
    like(thr.find((t) => t.includes("task_queued")) || "", /observed 100(\.0)? %$/, `${width} px: on a custom rate, a percentage`);
    ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      `${width} px: the page does not scroll sideways`,
      await page.evaluate(() => [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter((e) => { for (let a = e.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== "visible") return false; return true; })
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} right ${e.getBoundingClientRect().right}`).join("; ")));
    await shot(page, `custom-metrics-${width}`, { fullPage: true });
  }
  await page.goto("about:blank");
  await page.goto(`${BASE}/#/runs/${GRP}`);
  await page.locator("#custom-metrics").waitFor();
  ok(await row("group_duration{group:::checkout}"), "a run with groups: its group durations");
  await page.goto("about:blank");
  await page.goto(`${BASE}/#/runs/${PLAIN}`);
  await page.locator("#summary").waitFor();
  is(await page.locator("#custom-metrics").count(), 0, "a run with neither: no card");
  is(errors.length, 0, "no console errors", errors.join("\n"));
} catch (err) {
  ok(false, "the walk completed", err.stack);
}
await context.close();
process.exit(doneTesting());
