// screenshots.mjs (run by screenshots.sh): the pictures of docs/dashboard.md, at 1280x800.
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { launch, api, sleep, diag } from "./lib.mjs";

const { BASE, DEMO, SANDBOX, OUT } = process.env;
mkdirSync(OUT, { recursive: true });
const { context, page } = await launch(SANDBOX + "/profile");
page.on("dialog", (d) => d.accept());   // leaving the editor's unsaved text (its guard asks)
const snap = async (name, opts = {}) => { await page.screenshot({ path: join(OUT, name + ".png"), ...opts }); diag("wrote " + join(OUT, name + ".png")); };

const def = {
  name: "users api ramp-up",
  baseUrl: DEMO,
  defaults: { headers: { Accept: "application/json" }, timeout: "5s" },
  scenarios: {
    browse: {
      executor: "ramping-vus", startVUs: 0, gracefulRampDown: "5s",
      stages: [{ duration: "15s", target: 20 }, { duration: "20s", target: 40 }, { duration: "10s", target: 0 }],
      tasks: [
        { name: "list users", weight: 3, path: "/api/users", checks: [{ name: "status is 200", status: 200 }] },
        { name: "get user", weight: 2, path: "/api/users/123", checks: [{ name: "has an id", json: "/id", exists: true }] },
        { name: "create user", weight: 1, method: "POST", path: "/api/users", json: { name: "user {{vu}}-{{iteration}}", email: "u-{{uuid}}@example.com" } },
      ],
    },
  },
  thresholds: { http_req_duration: ["p(95)<80", "p(99)<200"], http_req_failed: ["rate<0.01"], checks: ["rate>0.99"] },
};
const smoke = (await api(BASE, "POST", "/api/tests", { name: "demo smoke test", baseUrl: DEMO, vus: 2, duration: "5s", tasks: [{ name: "health", path: "/api/health" }] })).data;
await api(BASE, "POST", `/api/tests/${smoke.id}/runs`, {});
await sleep(7000);
const t = (await api(BASE, "POST", "/api/tests", def)).data;
if (!t || !t.id) throw new Error("cannot save the test: " + JSON.stringify(t));

// the editor with an error at its line
await page.goto(BASE + "/#/tests/new");
await page.locator("#definition").fill(JSON.stringify({ ...def, scenarios: { browse: { ...def.scenarios.browse, stages: [{ duration: "15 seconds", target: 20 }] } } }, null, 2));
await page.getByRole("button", { name: "Validate" }).click();
await page.locator("#definition-errors li").first().waitFor();
await snap("editor");

// start it from its page, then the live view
await page.goto(BASE + "/#/tests/" + t.id);
await page.getByLabel("Note").fill("docs screenshots");
await page.getByRole("button", { name: "Start run" }).click();
await page.waitForURL(/#\/runs\/\d+$/);
await sleep(26000);
await snap("run-live", { fullPage: true });
await page.goto(BASE + "/#/tests");
await sleep(1500);
await snap("tests");
// the finished view
await page.goto(BASE + "/" + "#/runs/" + (await api(BASE, "GET", "/api/runs?limit=1")).data.runs[0].id);
await page.waitForFunction(() => document.querySelector("#summary"), null, { timeout: 60000 });
await sleep(1000);
await snap("run-finished", { fullPage: true });
await page.goto(BASE + "/#/tests/" + t.id);
await sleep(1500);
await snap("history", { fullPage: true });   // the test page: start, schedules, trend, history
// why requests failed: a run aimed at a closed port (9, discard), live: the banner and the panel
const wrong = (await api(BASE, "POST", "/api/runs", { definition: { name: "wrong port", vus: 2, duration: "8s",
  tasks: [{ name: "home", url: "http://127.0.0.1:9/" }] } })).data;
await page.goto(BASE + "/#/runs/" + wrong.id);
await page.locator("#failure-alarm").waitFor({ state: "visible" });
await sleep(2500);
await snap("failures", { fullPage: true });
await context.close();
