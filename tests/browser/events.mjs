// events.mjs (run by 087-events.sh): on a running run's page, the timed reload of the definition
// (at 2 s) is drawn as a marker on every chart; a mark posted over the API meanwhile arrives live on
// every chart; once stopped, and after a reload of the page, the finished charts draw both.
import { launch, watchErrors, ok, is, doneTesting, shot, api, sleep } from "./lib.mjs";

const { BASE, SANDBOX, RUN_ID } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);
const dbg = (expr, arg) => page.evaluate(expr, arg);
async function until(fn, s = 15) {
  for (let i = 0; i < s * 5; i++) { const v = await fn(); if (v) return v; await sleep(200); }
  return null;
}
const both = (m) => m.length === 3 && m.every((c) => c.length === 2) ? m : null;

try {
  await until(async () => (await api(BASE, "GET", "/api/runs/" + RUN_ID)).data.state === "running");
  await page.goto(`${BASE}/#/runs/${RUN_ID}`);
  await until(() => dbg(() => !!window.rampageDebug && window.rampageDebug.points >= 1));

  // the timed reload at 2 s, drawn on each chart once it happened
  const m1 = await until(async () => { const m = await dbg(() => window.rampageDebug.eventMarkers());
    return m.length === 3 && m.every((c) => c.length === 1) ? m : null; }, 20);
  ok(m1 && m1.every((c) => c[0] === "reload"), "the timed reload is drawn on each of the three charts",
    JSON.stringify(await dbg(() => window.rampageDebug.eventMarkers())));

  // a mark over the API arrives live
  const p = await api(BASE, "POST", `/api/runs/${RUN_ID}/events`, { name: "deploy v2" });
  is(p.status, 201, "POST events over the API meanwhile");
  const m2 = await until(async () => both(await dbg(() => window.rampageDebug.eventMarkers())));
  ok(m2 && m2.every((c) => c[1] === "deploy v2"), "its marker appears live on every chart",
    JSON.stringify(await dbg(() => window.rampageDebug.eventMarkers())));
  const title = await page.locator(".event-marker").first().getAttribute("title");
  ok(/reload \(HTTP 202\) \(timed\)/.test(title), "the timed marker's title gives its request's status", title);
  await shot(page, "events-running");

  // finished, and after a reload: from what was stored
  await api(BASE, "POST", `/api/runs/${RUN_ID}/stop`, {});
  await page.locator("#run-controls #dl-summary").waitFor();
  const m3 = await until(async () => both(await dbg(() => window.rampageDebug.eventMarkers())));
  ok(m3 && m3.every((c) => c[0] === "reload" && c[1] === "deploy v2"), "the finished charts draw both", JSON.stringify(m3));
  await page.reload();
  await page.locator("#run-controls #dl-summary").waitFor();
  const m4 = await until(async () => both(await dbg(() => window.rampageDebug.eventMarkers())));
  ok(m4 !== null, "after a reload too", JSON.stringify(await dbg(() => window.rampageDebug.eventMarkers())));
  await shot(page, "events-finished");
  is(errors.join("\n"), "", "no script error or failed request in the page");
} catch (err) {
  ok(false, "the walk completed", err.stack);
}
await context.close();
process.exit(doneTesting());
