// layout.mjs (run by 074-layout.sh): the pages fit the window at 1280, 800 and 390 px (no sideways
// scrolling of the page: a wide table scrolls inside its own frame, which then says so), and
// controls look like what they are (an enabled input is filled like the page's cards, a disabled
// one is greyed and solid-bordered, not white and dashed).
import { launch, watchErrors, ok, is, diag, doneTesting, shot } from "./lib.mjs";

const { BASE, SANDBOX, TEST_ID, RUN_ID } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);

const overflow = () => page.evaluate(() => ({
  page: document.documentElement.scrollWidth, win: window.innerWidth,
  // what sticks out of the window (outside the tables' own frames), for the diagnostics
  wide: [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 &&
    !(el.parentElement && el.parentElement.closest(".table-wrap"))).slice(0, 6)
    .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className} right ${Math.round(el.getBoundingClientRect().right)}`),
  wraps: [...document.querySelectorAll(".table-wrap")].map((w) => ({
    id: w.querySelector("table")?.className || "?", scrolls: w.scrollWidth > w.clientWidth + 1,
    cue: w.classList.contains("scrolls") })),
}));

try {
  for (const width of [1280, 800, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, hash, ready] of [["tests list", "#/tests", "table.tests tbody tr"],
      ["run page", "#/runs/" + RUN_ID, "table.endpoints tbody tr"],
      ["test page", "#/tests/" + TEST_ID, "#start-form"]]) {
      await page.goto(BASE + "/" + hash);
      await page.locator(ready).first().waitFor();
      await page.waitForTimeout(400);   // charts and sparklines size themselves
      const o = await overflow();
      ok(o.page <= o.win, `${name} at ${width} px: the page does not scroll sideways (${o.page} px in ${o.win})`, o.wide.join("\n"));
      for (const w of o.wraps.filter((x) => x.scrolls))
        ok(w.cue, `${name} at ${width} px: the ${w.id} table that scrolls inside its frame shows a cue`);
      if (width !== 1280) await shot(page, `layout-${name.replace(/ /g, "-")}-${width}`, { fullPage: true });
    }
  }

  await page.setViewportSize({ width: 1280, height: 900 });
  // a test with one run draws that run's point in its trend cells (not a stub)
  await page.goto(BASE + "/#/tests");
  await page.locator(`table.tests tbody tr:has(a[href="#/tests/${TEST_ID}"]) .spark canvas`).first().waitFor();
  const inked = await page.evaluate((id) => [...document.querySelectorAll(`table.tests tbody tr`)]
    .filter((tr) => tr.querySelector(`a[href="#/tests/${id}"]`))
    .flatMap((tr) => [...tr.querySelectorAll(".spark canvas")]).map((c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0, sx = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) { n++; sx += ((i - 3) / 4) % c.width; }
      return { n, at: n ? sx / n / c.width : -1 };   // inked pixels, and where they sit (0 left .. 1 right)
    }), TEST_ID);
  ok(inked.length === 2 && inked.every((p) => p.n >= 9 && p.at > 0.3 && p.at < 0.7),
    "a test with one run shows its point whole, mid-cell, in both trend cells (not a stub at the edge)", JSON.stringify(inked));
  await page.goto(BASE + "/#/tests/" + TEST_ID);
  await page.locator("#start-form").waitFor();
  const look = await page.evaluate(() => {
    const st = (el) => { const s = getComputedStyle(el); return { bg: s.backgroundColor, border: s.borderTopStyle, cursor: s.cursor, opacity: s.opacity }; };
    const card = getComputedStyle(document.querySelector(".card")).backgroundColor;
    return { card, enabled: st(document.querySelector("#start-vus")), disabled: st(document.querySelector("#start-rate")),
      rateDisabled: document.querySelector("#start-rate").disabled, vusDisabled: document.querySelector("#start-vus").disabled };
  });
  diag(JSON.stringify(look));
  ok(!look.vusDisabled && look.rateDisabled, "the test has an enabled (VUs) and a disabled (Rate) field to compare");
  is(look.enabled.bg, look.card, "an enabled input is filled like the cards (not grey)");
  ok(look.disabled.bg !== look.enabled.bg, "a disabled input is filled differently from an enabled one");
  is(look.disabled.border, "solid", "a disabled input's border is solid (dashed read as a blank to fill)");
  is(look.disabled.cursor, "not-allowed", "and the pointer says it cannot be used");
  is(errors.length, 0, "no console errors", errors.join("\n"));
} catch (err) {
  ok(false, "the walk completed", err.stack);
}
await context.close();
process.exit(doneTesting());
