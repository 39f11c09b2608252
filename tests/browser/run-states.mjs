// run-states.mjs (run by 076-run-states.sh): the badges of web/js/run-state.js where runs are shown
// (the tests list, a run's title, a test's history) at 1280 and 800 px, and a cancelled run's page.
import { launch, watchErrors, ok, is, like, doneTesting, shot } from "./lib.mjs";

const { BASE, SANDBOX, NONE, LONG, FINISHED_RUN, STOPPED_RUN, CANCELLED_RUN } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);

// What a badge shows: its words as rendered (text-transform applied), its colour, the page's green,
// and whether it fits in the window.
const look = (sel) => page.evaluate((sel) => {
  const el = document.querySelector(sel);
  if (!el) return null;
  const badge = el.querySelector(".badge"), extra = el.querySelector(".run-errors, .verdict");
  const green = getComputedStyle(document.documentElement).getPropertyValue("--ok").trim();
  const probe = document.createElement("span");
  probe.style.color = green;
  document.body.append(probe);
  const greenRgb = getComputedStyle(probe).color;
  probe.remove();
  const r = el.getBoundingClientRect();
  return {
    text: el.innerText.replace(/\s+/g, " ").trim(), badge: badge && badge.innerText, color: badge && getComputedStyle(badge).color,
    green: greenRgb, extra: extra && extra.innerText, extraWeight: extra && Number(getComputedStyle(extra).fontWeight),
    extraVisible: !!extra && extra.getBoundingClientRect().width > 0 && extra.getBoundingClientRect().right <= window.innerWidth,
    fits: r.right <= window.innerWidth,
  };
}, sel);

try {
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });

    // ---- the tests list
    await page.goto(BASE + "/#/tests");
    await page.locator(`tr[data-test="${NONE}"] .run-badge`).waitFor();
    const fin = await look(`tr[data-test="${NONE}"] .run-badge`);
    is(fin.badge, "FINISHED", `tests list at ${width} px: a run without thresholds is FINISHED (${fin.text})`);
    ok(fin.color !== fin.green, `and its badge is not green (${fin.color})`);
    like(fin.extra || "", /^[1-9][0-9.]* % errors$/, `beside it, its error rate (${fin.extra})`);
    ok(fin.extraWeight >= 600 && fin.extraVisible, `prominently: bold and in view (weight ${fin.extraWeight})`);
    is(await page.locator(`tr[data-test="${NONE}"] td a[href="#/runs/${FINISHED_RUN}"]`).count(), 1,
      "the last run is the finished one, not the cancelled run queued after it");
    is(await page.locator(`tr[data-test="${NONE}"] .state-cancelled`).count(), 0, "no cancelled badge in the row");
    is(await page.locator("table.tests .state-passed").count(), 0, "no PASSED anywhere in the list: nothing passed");
    const stp = await look(`tr[data-test="${LONG}"] .run-badge`);
    is(stp.badge, "STOPPED", `a stopped run is STOPPED (${stp.text})`);
    is(stp.extra, "thresholds failed", "with how its thresholds stood");
    await shot(page, `run-states-tests-${width}`, { fullPage: true });

    // ---- the finished view's title
    await page.goto(BASE + "/#/runs/" + FINISHED_RUN);
    await page.locator("h1 .run-badge").waitFor();
    await page.locator("#st-errors").waitFor();
    const head = await look("h1 .run-badge");
    is(head.badge, "FINISHED", `run page at ${width} px: FINISHED in the title`);
    like(head.extra || "", /^[1-9][0-9.]* % errors$/, `with its error rate beside it (${head.extra})`);
    ok(head.fits && head.extraVisible, "all of it in the window");
    is(await page.locator("#run-controls button", { hasText: "Delete run" }).count(), 1,
      "one Delete run button (a merge once gave it two)");
    await shot(page, `run-states-finished-${width}`, { fullPage: true });

    await page.goto(BASE + "/#/runs/" + STOPPED_RUN);
    await page.locator("h1 .run-badge").waitFor();
    const sh = await look("h1 .run-badge");
    is(`${sh.badge} / ${sh.extra}`, "STOPPED / thresholds failed", `run page at ${width} px: STOPPED and its thresholds' standing`);

    // ---- a cancelled run: no charts, no summary
    await page.goto(BASE + "/#/runs/" + CANCELLED_RUN);
    await page.locator("#st-never-ran").waitFor();
    like(await page.locator("#st-never-ran").textContent(), /^Cancelled before it started/, `cancelled run page at ${width} px: says it never started`);
    is((await look("h1 .run-badge")).badge, "CANCELLED", "its badge is CANCELLED");
    await page.waitForTimeout(500);   // what would load (charts, panels) has had time to
    is(await page.locator("#charts canvas, #charts .uplot").count(), 0, "no charts (no empty axes)");
    ok(!(await page.locator("#run-body").isVisible()), "and no empty panels: what a run measured is not shown");
    is(await page.locator("#dl-summary, #dl-csv").count(), 0, "no k6 summary or CSV button (it has neither)");
    ok(await page.locator("button", { hasText: "Delete run" }).isVisible(), "it can still be deleted");
    await shot(page, `run-states-cancelled-${width}`, { fullPage: true });

    // ---- the history tables
    await page.goto(BASE + "/#/tests/" + NONE);
    await page.locator(`#history tr[data-run="${CANCELLED_RUN}"]`).waitFor();
    is((await look(`#history tr[data-run="${CANCELLED_RUN}"] .run-badge`)).badge, "CANCELLED", `history at ${width} px: the cancelled run is listed as such`);
    const hf = await look(`#history tr[data-run="${FINISHED_RUN}"] .run-badge`);
    like(`${hf.badge} ${hf.extra}`, /^FINISHED [1-9][0-9.]* % errors$/, "the finished one with its error rate");
    await page.goto(BASE + "/#/runs");
    await page.locator(`#history tr[data-run="${STOPPED_RUN}"]`).waitFor();
    is((await look(`#history tr[data-run="${STOPPED_RUN}"] .run-badge`)).extra, "thresholds failed", "every run's history: the stopped run with its thresholds' standing");
  }
  is(errors.length, 0, "no console errors", errors.join("\n"));
} catch (err) {
  ok(false, "the walk completed", err.stack);
}
await context.close();
process.exit(doneTesting());
