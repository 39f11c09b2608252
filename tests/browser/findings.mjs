// findings.mjs (run by 086-findings.sh): run RUN has ended; SANDBOX/findings.json is its
// GET /api/runs/{id}/findings. The finished run's page has a Findings panel listing each of them with
// its severity and sentence, red flags first, warning signs next, good signs last.
import { readFileSync } from "node:fs";
import { launch, shot, watchErrors, ok, is, doneTesting } from "./lib.mjs";

const { BASE, SANDBOX } = process.env;
const RUN = Number(process.env.RUN);
const want = JSON.parse(readFileSync(SANDBOX + "/findings.json", "utf8")).findings;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);
const rank = { "red flag": 0, "warning sign": 1, "good sign": 2 };

try {
  ok(want.length >= 2, "the run has findings to show", JSON.stringify(want.map((f) => f.id)));
  ok(want.some((f) => f.kind === "capacity"), "a capacity finding among them");
  await page.goto(`${BASE}/#/runs/${RUN}`);
  await page.locator("#findings li.finding").first().waitFor();
  is(await page.locator("#findings h2").textContent(), "Findings", "the panel is titled Findings");
  const shown = await page.locator("#findings li.finding").evaluateAll((els) => els.map((e) => ({
    id: e.dataset.id, severity: e.querySelector(".sev").textContent, sentence: e.querySelector(".sentence").textContent })));
  is(shown.length, want.length, "one entry per finding");
  const sorted = [...want].sort((a, b) => rank[a.severity] - rank[b.severity]);
  is(JSON.stringify(shown.map((f) => f.id)), JSON.stringify(sorted.map((f) => f.id)), "red flags first, then warning signs, then good signs");
  for (const f of want) {
    const s = shown.find((x) => x.id === f.id) || {};
    is(`${s.severity} | ${s.sentence}`, `${f.severity} | ${f.sentence}`, `${f.id}: its severity and sentence`);
  }
  const knee = page.locator('#findings li.finding[data-id^="capacity"] .figures').first();
  ok(/load unit: VUs/.test(await knee.textContent()), "a finding's figures are listed under it", await knee.textContent());
  await shot(page, "run-findings", { fullPage: true });
  is(errors.join("\n"), "", "no script error in the page");
} catch (err) {
  ok(false, "the findings test went to the end", err.stack || String(err));
  await shot(page, "findings-failure").catch(() => {});
}
await context.close();
process.exit(doneTesting());
