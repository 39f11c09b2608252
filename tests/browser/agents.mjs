// agents.mjs (run by 205-agents.sh): the Agents page, the start form's Agents field and a finished
// run's Agents panel, against a daemon with two real agents and one URL where nothing listens.
// Environment: BASE (daemon URL), DEMO (demo target URL), SANDBOX (profile folder), DEAD_URL (the
// agent URL with nothing behind it).
import { launch, shot, watchErrors, ok, like, is, doneTesting, sleep, api } from "./lib.mjs";

const { BASE, DEMO, SANDBOX, DEAD_URL } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);
const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

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
  // ---- the Agents page, reached by its nav link
  await page.goto(`${BASE}/#/tests`);
  await page.locator('a[data-nav="agents"]').click();
  await page.locator("#agents tbody tr").first().waitFor();
  is(await page.locator('a[data-nav="agents"]').getAttribute("aria-current"), "", "the nav link leads to the Agents page and is marked current");
  const rows = await page.locator("#agents tbody tr").evaluateAll((trs) => trs.map((tr) => ({
    url: tr.dataset.url, state: tr.querySelector(".state .badge").textContent,
    version: tr.querySelector(".version").textContent, cores: tr.querySelector(".cores").textContent,
    offset: tr.querySelector(".offset").textContent, delay: tr.querySelector(".delay").textContent,
    error: tr.querySelector(".agent-error").textContent })));
  is(rows.length, 3, "the page lists the three configured agents");
  const live = rows.filter((r) => r.url !== DEAD_URL);
  is(live.filter((r) => r.state === "idle").length, 2, "the two running agents are idle", JSON.stringify(rows));
  ok(live.every((r) => /^\d+\.\d+/.test(r.version) && /^[1-9]\d*$/.test(r.cores)), "each with its version and cores",
    JSON.stringify(live));
  ok(live.every((r) => /^-?\d+\.\d\d ms$/.test(r.offset) && /^\d+\.\d\d ms$/.test(r.delay)),
    "and its clock offset and round trip in ms with two decimals", JSON.stringify(live));
  const dead = rows.find((r) => r.url === DEAD_URL);
  is(dead && dead.state, "unreachable", "the URL where nothing listens is unreachable");
  ok(dead && dead.error.length > 0 && dead.version === "–", "with the probe's error and no version", JSON.stringify(dead));
  is(await page.locator("#agents thead th[scope=col]").count(), 7, "every column head has scope=col");
  is(await page.locator("#agents tbody th[scope=row]").count(), 3, "every agent's URL heads its row");
  is(await page.locator("#agents-status").getAttribute("aria-live"), "polite", "the status line is a live region");
  like(await page.locator("#agents-status").textContent(), /3 agents, 2 idle/, "which sums the list up");
  const idleColor = await page.locator('#agents tr[data-state="idle"] .badge').first().evaluate((e) => getComputedStyle(e).color);
  const deadColor = await page.locator('#agents tr[data-state="unreachable"] .badge').evaluate((e) => getComputedStyle(e).color);
  ok(idleColor !== deadColor, "idle and unreachable badges differ in colour", `${idleColor} / ${deadColor}`);
  await shot(page, "agents-page");

  // Refresh asks again and says so in the live region
  await page.locator("#agents-status").evaluate((e) => { e.textContent = ""; });
  await page.locator("#agents-refresh").click();
  await until(async () => /3 agents/.test(await page.locator("#agents-status").textContent()));
  like(await page.locator("#agents-status").textContent(), /3 agents, 2 idle/, "Refresh reads the list again");
  is(await page.locator("#agents tbody tr").count(), 3, "still three rows");

  // dark mode and a phone's width
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = await page.locator('#agents tr[data-state="idle"] .badge').first().evaluate((e) => getComputedStyle(e).color);
  is(dark, "rgb(63, 185, 80)", "in dark mode an idle badge takes the dark theme's ok colour");
  await page.setViewportSize({ width: 390, height: 800 });
  ok(await fits(), "at 390 px nothing but the table's frame scrolls sideways");
  await shot(page, "agents-page-390-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 800 });

  // ---- a saved test started over two agents from the start form's Agents field
  const def = { name: "over agents", baseUrl: DEMO,
    scenarios: { s: { executor: "constant-arrival-rate", rate: 50, duration: "3s", preAllocatedVUs: 4, maxVUs: 20,
      gracefulStop: "2s", tasks: [{ name: "health", path: "/api/health" }] } } };
  const t = await api(BASE, "POST", "/api/tests", def);
  if (t.status !== 201) throw new Error("cannot save the test: " + JSON.stringify(t.data));
  await page.goto(`${BASE}/#/tests/${t.data.id}`);
  await page.locator("#start-agents").waitFor();
  like(await page.locator("#start-agents").getAttribute("placeholder"), /this daemon/,
    "the Agents field says the definition runs on the daemon");
  await page.locator("#start-agents").fill("lots");
  await page.locator("#start").click();
  await until(async () => (await page.locator('[data-field="agents"] .field-error').textContent()) !== "");
  like(await page.locator('[data-field="agents"] .field-error').textContent(), /0 \(run on the daemon\) to 256/,
    "a refused Agents value shows the daemon's reason under the field");
  await page.locator("#start-agents").fill("2");
  await page.locator("#start").click();
  await page.waitForURL(/#\/runs\/\d+$/);
  const runId = Number(page.url().replace(/.*#\/runs\//, ""));
  let run = null;
  await until(async () => {
    run = (await api(BASE, "GET", "/api/runs/" + runId)).data;
    return !["queued", "running", "stopping"].includes(run.state);
  }, 60000, 300);
  is(run.definition && run.definition.agents, 2, "the form sent agents: 2 (the run's definition asks for 2 agents)");
  is(run.state, "finished", `the run over two agents finishes (${run.error || "no error"})`);
  const sum = (await api(BASE, "GET", `/api/runs/${runId}/summary`)).data;
  const reqs = sum.metrics.http_reqs.values.count;
  is(sum.rampage.agents && sum.rampage.agents.count, 2, "its summary names two agents");

  // ---- the finished run's Agents panel
  await page.locator("#run-agents").waitFor({ timeout: 30000 });
  const shown = await page.locator("#run-agents tbody tr").evaluateAll((trs) => trs.map((tr) => ({
    url: tr.dataset.url, segment: tr.querySelector(".segment").textContent,
    requests: Number(tr.querySelector(".requests").textContent.replace(/\D/g, "")),
    share: tr.querySelector(".share").textContent, state: tr.querySelector(".state .badge").textContent,
    offset: tr.querySelector(".offset").textContent })));
  is(shown.length, 2, "the run's page has an Agents panel with one row per agent");
  is(shown.map((r) => r.segment).join(" "), "0:1/2 1/2:1", "each with its segment");
  ok(shown.every((r) => r.requests > 0), "each agent sent some requests", JSON.stringify(shown));
  is(shown.reduce((a, r) => a + r.requests, 0), reqs, `the rows' requests add up to the run's (${reqs})`);
  ok(shown.every((r) => /%$/.test(r.share) && r.state === "done" && /^-?\d+\.\d\d ms$/.test(r.offset)),
    "with its share, its state (done) and its clock offset", JSON.stringify(shown));
  like(await page.locator("#run-agents h2").textContent(), /^Agents 2 agents · sequence 0,1\/2,1 · no setup$/, "the panel's title names the count and sequence");
  is(await page.locator("#run-agents .warning").count() + await page.locator("#run-agents").count(), 1,
    "the panel has no degraded or incomplete note for a clean run");
  like(await page.locator("#run-load").textContent(), /split over 2 agents$/, "the run's load line says it ran over 2 agents");
  await page.locator("#run-agents").scrollIntoViewIfNeeded();
  await shot(page, "run-agents");

  // the notes, as the panel shows a degraded run's summary (the same code, fed a lost agent)
  const notes = await page.evaluate(async () => {
    const { agentsSection } = await import("/js/run-agents.js");
    const el = agentsSection({ rampage: { agents: { count: 2, sequence: "0,1/2,1", setup: "none", degraded: true,
      loss_policy: "continue", incomplete_count: 3, incomplete_seconds: [4, 5, 6], late_shares: 0,
      lost: [{ url: "ws://x:7000/", second: 4, why: "connection closed" }],
      agents: [{ url: "ws://x:7000/", segment: "0:1/2", requests: 10, state: "lost", why: "connection closed" },
        { url: "ws://y:7000/", segment: "1/2:1", requests: 30, state: "done" }] } } });
    return { degraded: el.querySelector("#agents-degraded")?.textContent || "",
      incomplete: el.querySelector("#agents-incomplete")?.textContent || "" };
  });
  like(notes.degraded, /Degraded.*ws:\/\/x:7000\/ lost at second 4/, "a degraded run names the lost agent and its second");
  like(notes.incomplete, /^3 seconds are incomplete: stored without a late or lost agent's share/,
    "incomplete seconds are counted in words");

  // the 400 is the refused "lots", shown under its field
  is(errors.filter((e) => !/status of 400/.test(e)).join("\n"), "", "no script error or other failed request");
} catch (err) {
  // a wait that timed out (a missing page, panel or field): a failure with its reason, not a crash
  ok(false, "the test ran to its end", err.stack || String(err));
} finally {
  await context.close();
}
process.exit(doneTesting());
