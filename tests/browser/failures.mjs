// failures.mjs (run by 075-failures.sh): the Failures panel, the endpoint table's "Failed by" column
// and the early "every request fails" banner, live and finished, at 1280 and 800 px.
import { launch, watchErrors, ok, is, like, diag, doneTesting, shot, api } from "./lib.mjs";

const { BASE, SANDBOX, MIXED, CLOSED } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);

const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
// the panel's rows as [kind, endpoint, message, count, first, last]
const panelRows = () => page.evaluate(() => [...document.querySelectorAll("#failures tbody tr")]
  .map((tr) => [...tr.children].map((td) => td.textContent)));
const why = (name) => page.evaluate((n) => {
  const tr = [...document.querySelectorAll("table.endpoints tbody tr")].find((r) => r.querySelector("th").textContent.includes(n));
  return tr ? tr.querySelector("td.why").textContent : null;
}, name);
const codes = (name) => page.evaluate((n) => {
  const tr = [...document.querySelectorAll("table.endpoints tbody tr")].find((r) => r.querySelector("th").textContent.includes(n));
  return tr && tr.querySelector("td.codes") ? tr.querySelector("td.codes").textContent : null;
}, name);

let live = null;
try {
  // ---- a finished run with mixed failures: the panel, the column, no banner
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto("about:blank");   // a fresh load at this width (the same hash would not re-render)
    await page.goto(`${BASE}/#/runs/${MIXED}`);
    await page.locator("#failures tbody tr").first().waitFor();
    await page.locator("table.endpoints td.why").first().waitFor();
    const rows = await panelRows();
    diag(JSON.stringify(rows));
    is(rows.length, 2, `finished, ${width} px: one row per distinct failure (404, refused)`);
    const r404 = rows.find((r) => r[1] === "missing"), rref = rows.find((r) => r[1] === "closed");
    ok(r404 && r404[0] === "http_status" && r404[2] === "HTTP 404" && r404[3] === "20",
      `finished, ${width} px: the 404s: kind http_status, "HTTP 404", 20`, JSON.stringify(r404));
    ok(rref && rref[0] === "refused" && rref[2].startsWith(`Failed to connect to 127.0.0.1 port ${CLOSED}`) && rref[3] === "20",
      `finished, ${width} px: the refused connections with libcurl's words`, JSON.stringify(rref));
    ok(rows.every((r) => /^\d+$/.test(r[4]) && /^\d+$/.test(r[5]) && +r[4] <= +r[5]), `finished, ${width} px: first and last second`);
    is(await why("missing"), "http 404: 20", `finished, ${width} px: the endpoint table says why: http 404`);
    is(await why("closed"), "refused 20", `finished, ${width} px: and refused, not status 0`);
    is(await codes("closed"), "–", `finished, ${width} px: no status "0" among the status codes`);
    like(await why("total"), /^(refused 20 · http 404: 20|http 404: 20 · refused 20)$/, `finished, ${width} px: the total row sums them`);
    is(await page.locator("#failure-alarm").isVisible(), false, `finished, ${width} px: no banner when not every request fails`);
    ok(await fits(), `finished, ${width} px: the page does not scroll sideways`);
    await shot(page, `failures-finished-${width}`, { fullPage: true });
  }

  // ---- a live run against a closed port: the banner, early, and the panel
  live = (await api(BASE, "POST", "/api/runs", { definition: { name: "closed port", vus: 1, duration: "30s",
    tasks: [{ name: "home", url: `http://127.0.0.1:${CLOSED}/` }] } })).data;
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto("about:blank");
    await page.goto(`${BASE}/#/runs/${live.id}`);
    const banner = page.locator("#failure-alarm");
    await banner.waitFor({ state: "visible" });
    const text = await banner.textContent();
    like(text, new RegExp(`^⚠ Every request fails: connection refused: Failed to connect to 127\\.0\\.0\\.1 port ${CLOSED}.*\\(home; \\d+ of \\d+ requests failed in the first [23] s\\)\\. The run goes on`),
      `live, ${width} px: the banner says every request fails, and why`);
    is(await banner.getAttribute("role"), "alert", `live, ${width} px: announced to screen readers`);
    const state = (await api(BASE, "GET", `/api/runs/${live.id}`)).data.state;
    is(state, "running", `live, ${width} px: the run goes on`);
    await page.locator("#failures tbody tr").first().waitFor();
    const before = await panelRows();
    ok(before.length === 1 && before[0][0] === "refused" && before[0][1] === "home" && +before[0][3].replace(/\D/g, "") > 0,
      `live, ${width} px: the panel lists the refused connections`, JSON.stringify(before));
    // the counts follow the ticks
    const n0 = +before[0][3].replace(/\D/g, "");
    await page.waitForFunction((n) => {
      const td = document.querySelector("#failures tbody tr td:nth-child(4)");
      return td && +td.textContent.replace(/\D/g, "") > n;
    }, n0);
    ok(true, `live, ${width} px: the count grows with the ticks`);
    await page.waitForFunction(() => /^refused [\d,]+$/.test(document.querySelector("table.endpoints tbody tr td.why")?.textContent || ""));
    like(await why("home"), /^refused [\d,]+$/, `live, ${width} px: the endpoint table says refused`);
    ok(await fits(), `live, ${width} px: the page does not scroll sideways`);
    await shot(page, `failures-live-${width}`, { fullPage: width === 800 });
  }
  // a page opened after the alarm fired, with no tick to tell it: REST says it
  await page.goto(`${BASE}/#/runs/${live.id}`);
  await api(BASE, "POST", `/api/runs/${live.id}/stop`, {});
  await page.waitForFunction(() => /stopped|finished|passed/.test(document.querySelector(".badge")?.textContent || ""));
  await page.goto(`${BASE}/#/runs/${live.id}`);
  await page.locator("#failure-alarm").waitFor({ state: "visible" });
  like(await page.locator("#failure-alarm").textContent(), /^⚠ Every request fails: connection refused/,
    "after the run: the banner stays (read from the stored alarm)");
  is(errors.length, 0, "no console errors", errors.join("\n"));
} catch (err) {
  ok(false, "the walk completed", err.stack);
} finally {
  if (live) await api(BASE, "POST", `/api/runs/${live.id}/stop?force=true`, {}).catch(() => {});
}
await context.close();
process.exit(doneTesting());
