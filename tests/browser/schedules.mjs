// schedules.mjs (run by 078-schedules.sh): a person adds a schedule to a test in the dashboard.
// The browser runs in America/New_York (TEST_TZ) and the schedule in Europe/Berlin, so the preview's
// two columns differ. Environment: BASE (daemon URL), DEMO (demo target URL), SANDBOX (profile folder).
import { launch, shot, watchErrors, ok, like, is, doneTesting, sleep, api } from "./lib.mjs";

const { BASE, DEMO, SANDBOX } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);
page.on("dialog", (d) => d.accept());

async function until(fn, ms = 15000, step = 200) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return v;
    await sleep(step);
  }
}

try {
  const t = await api(BASE, "POST", "/api/tests", { name: "tiny", baseUrl: DEMO, vus: 1, tasks: [{ path: "/api/health" }] });
  is(t.status, 201, "a saved test of one iteration");
  const testId = t.data.id;
  await page.goto(`${BASE}/#/tests/${testId}`);
  await page.locator("#schedules-card h2").waitFor();
  like(await page.locator("#test-schedules").textContent(), /No schedule/, "the test page says it has no schedule");
  is(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), "America/New_York",
    "the browser is in New York");

  // ---- the editor: an invalid expression, then a daily one previewed in two zones
  await page.locator("#schedule-add").click();
  is(await page.locator("#sched-timezone").inputValue(), "America/New_York", "the zone defaults to the browser's");
  await page.locator("#sched-timezone").fill("Europe/Berlin");
  await page.locator("#sched-cron").fill("0 25 * * *");
  await until(async () => (await page.locator('[data-field="cron"] .field-error').textContent()) !== "");
  is(await page.locator('[data-field="cron"] .field-error').textContent(), "hour: 25 is outside 0-23",
    "an invalid cron says which field and value, under the field, while typing");
  await page.locator("#sched-cron").fill("30 2 * * *");
  await until(async () => (await page.locator("#schedule-preview li").count()) === 5);
  const items = await page.locator("#schedule-preview li").evaluateAll((lis) => lis.map((li) => ({
    ms: Number(li.dataset.ms), zoned: li.querySelector(".zoned").textContent, local: li.querySelector(".local").textContent })));
  is(items.length, 5, "the preview shows the next 5 fire times");
  ok(items.every((i) => /02:30:00 \+0[12]:00$|03:00:00 \+02:00$/.test(i.zoned)), "at 02:30 in Berlin, with the offset",
    items.map((i) => i.zoned).join(", "));
  ok(items.every((i, k) => k === 0 || i.ms > items[k - 1].ms), "in order");
  const ny = (ms) => new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", hour: "numeric", hourCycle: "h23" }).format(ms);
  ok(items.every((i) => new RegExp(`\\b(${ny(i.ms)}|${(Number(ny(i.ms)) % 12) || 12}):30:00`).test(i.local)),
    "and the same instants in New York time", items.map((i) => `${i.local} (NY hour ${ny(i.ms)})`).join(", "));
  like(await page.locator("#schedule-preview-note").textContent(), /Europe\/Berlin.*America\/New_York/, "both zones are named");
  await page.locator("#sched-timezone").fill("Mars/Olympus");
  await until(async () => (await page.locator('[data-field="timezone"] .field-error').textContent()) !== "");
  like(await page.locator('[data-field="timezone"] .field-error').textContent(), /unknown time zone "Mars\/Olympus"/,
    "an unknown zone is named under its field");
  await shot(page, "schedules-editor");

  // ---- save a seconds schedule; a fire appears as a run with its trigger
  await page.locator("#sched-timezone").fill("Europe/Berlin");
  await page.locator("#sched-cron").fill("*/2 * * * * *");
  await page.locator("#sched-overlap").selectOption("queue");
  await page.locator("#schedule-save").click();
  await page.locator('#schedules tr[data-schedule]').waitFor();
  const sid = Number(await page.locator("#schedules tr[data-schedule]").getAttribute("data-schedule"));
  const stored = await api(BASE, "GET", "/api/schedules/" + sid);
  is(stored.data.cron + " " + stored.data.timezone + " " + stored.data.overlap, "*/2 * * * * * Europe/Berlin queue",
    "Add schedule stores what the form says");
  await until(async () => (await page.locator(`#schedules tr[data-schedule="${sid}"] .last a`).count()) > 0, 20000);
  const runLink = page.locator(`#schedules tr[data-schedule="${sid}"] .last a`);
  ok(await runLink.count() > 0, "a fire shows in the table as a run (kept current by the live stream)");
  const runId = Number((await runLink.getAttribute("href")).replace("#/runs/", ""));
  const run = await api(BASE, "GET", "/api/runs/" + runId);
  is(`${run.data.trigger} ${run.data.schedule_id}`, `schedule ${sid}`, "that run has trigger schedule and the schedule's id");
  await until(async () => (await page.locator(`#history tr[data-run="${runId}"]`).count()) > 0, 10000);
  is((await page.locator(`#history tr[data-run="${runId}"] td.trigger`).textContent()).trim(), "schedule",
    "the test's run history shows it with its trigger");

  // ---- pause, fires
  await page.locator(`#schedules tr[data-schedule="${sid}"] [data-act="pause"]`).click();
  await until(async () => (await page.locator(`#schedules tr[data-schedule="${sid}"]`).getAttribute("data-paused")) === "true");
  is((await api(BASE, "GET", "/api/schedules/" + sid)).data.paused, true, "Pause pauses it");
  is(await page.locator(`#schedules tr[data-schedule="${sid}"] [data-act="pause"]`).textContent(), "Resume",
    "and offers Resume");
  await page.locator(`#schedules tr[data-schedule="${sid}"] [data-act="fires"]`).click();
  await until(async () => (await page.locator(`#fires-${sid} tr[data-fire]`).count()) > 0);
  // the live stream redraws the list when a queued fire's run changes state: compare the rows with
  // the stored history until both agree (bounded), rather than count once mid-redraw
  let fires = 0, stored2 = null;
  await until(async () => {
    stored2 = await api(BASE, "GET", `/api/schedules/${sid}/fires?limit=500`);
    fires = await page.locator(`#fires-${sid} tr[data-fire]`).count();
    return fires === Math.min(20, stored2.data.fires.length);
  });
  is(fires, Math.min(20, stored2.data.fires.length), "Fires lists the fire history");
  // the live stream may redraw the list meanwhile: wait for the badge rather than look once
  ok(await until(async () => (await page.locator(`#fires-${sid} tr[data-outcome="started"] .badge`).count()) > 0),
    "each with its run's outcome badge");
  await shot(page, "schedules-test-page");

  // ---- the tests list and the Schedules page
  await page.goto(`${BASE}/#/tests`);
  await page.locator(`tr[data-test="${testId}"]`).waitFor();
  like(await page.locator(`tr[data-test="${testId}"] .scheduled`).textContent(), /⏱ paused/, "the tests list marks the test as scheduled (paused)");
  await api(BASE, "POST", "/api/schedules", { test_id: testId, cron: "0 2 * * *", timezone: "Europe/Berlin" });
  await page.reload();
  await page.locator(`tr[data-test="${testId}"] .scheduled`).waitFor();
  like(await page.locator(`tr[data-test="${testId}"] .scheduled`).textContent(), /⏱ next 20\d\d-\d\d-\d\d 02:00/,
    "with the next fire when one is active");
  await page.locator('a[data-nav="schedules"]').click();
  await page.locator("#all-schedules tr[data-schedule]").first().waitFor();
  is(await page.locator("#all-schedules tr[data-schedule]").count(), 2, "the Schedules page lists every schedule");
  like(await page.locator(`#all-schedules tr[data-schedule="${sid}"]`).textContent(), /tiny.*\*\/2 \* \* \* \* \*.*Europe\/Berlin.*paused/,
    "with its test, expression, zone and state");
  await shot(page, "schedules-page");
  // the two 400s are the preview's answers to the invalid expression and zone, shown in the form
  is(errors.filter((e) => !/status of 400/.test(e)).join("\n"), "", "no script error or other failed request");
} finally {
  await context.close();
}
process.exit(doneTesting());
