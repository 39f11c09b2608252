// lib.mjs: shared helpers of the browser tests. Loads playwright-core from tests/node (never a
// downloaded browser: Debian's /usr/bin/chromium, headless, a fresh profile in the sandbox), prints
// TAP, and saves screenshots under $TOP_BUILDDIR/tests/browser/artifacts/.
import { createRequire } from "node:module";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const modules = process.env.RAMPAGE_NODE_MODULES || join(process.env.TOP_SRCDIR || ".", "tests/node/node_modules");
export const ARTIFACTS = join(process.env.TOP_BUILDDIR || ".", "tests/browser/artifacts");

let n = 0, failed = 0;
export function ok(cond, desc, diag) {
  n++;
  if (cond) console.log(`ok ${n} - ${desc}`);
  else {
    failed++;
    console.log(`not ok ${n} - ${desc}`);
    if (diag !== undefined) for (const l of String(diag).split("\n")) console.log("#   " + l);
  }
  return !!cond;
}
export function is(got, want, desc) {
  return ok(got === want, desc, `got: ${JSON.stringify(got)}\nexpected: ${JSON.stringify(want)}`);
}
export function like(got, re, desc) {
  return ok(re.test(got ?? ""), desc, `got: ${JSON.stringify(got)}\nexpected to match: ${re}`);
}
export function diag(msg) {
  for (const l of String(msg).split("\n")) console.log("# " + l);
}
export function bail(msg) {
  console.log("Bail out! " + msg);
  process.exit(1);
}
export function doneTesting() {
  console.log(`1..${n}`);
  return failed === 0 ? 0 : 1;
}

// Launches headless Chromium with a fresh profile; returns {context, page}. Fails (never skips)
// when Chromium or playwright-core is missing.
export async function launch(profileDir, { width = 1280, height = 800 } = {}) {
  if (!existsSync(CHROMIUM))
    bail(`${CHROMIUM} is missing: install Debian's chromium package (./bootstrap installs it)`);
  let pw;
  try {
    pw = createRequire(join(modules, "noop.js"))("playwright-core");
  } catch (err) {
    bail(`playwright-core is not installed in ${modules}: run npm ci --prefix tests/node (./bootstrap does) (${err.message})`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await pw.chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"],
    timezoneId: process.env.TEST_TZ || undefined,
  });
  const page = context.pages()[0] || await context.newPage();
  await withTestHooks(page);
  page.setDefaultTimeout(15000);
  return { context, page };
}

// Asks the dashboard for its test hooks (window.rampageDebug: web/js/testhook.js) in every document
// `page` loads from now on; a page that did not ask has none, as in production.
export async function withTestHooks(page) {
  await page.addInitScript(() => { window.rampageTestHooks = true; });
  return page;
}

// Saves a screenshot as an artifact; returns its path.
export async function shot(page, name, opts = {}) {
  const path = join(ARTIFACTS, name + ".png");
  await page.screenshot({ path, ...opts });
  diag("screenshot: " + path);
  return path;
}

// Collects the page's console errors and uncaught exceptions (a test asserts there are none).
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  return errors;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// JSON over HTTP to the daemon (for setup and cross-checks; the UI is driven through the page).
export async function api(base, method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method, headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: res.status, data };
}
