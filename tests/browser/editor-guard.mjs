// editor-guard.mjs (run by 072-editor-guard.sh): unsaved work in the editor is never thrown away
// without asking. Leaving the page (a link, a re-render) or "Use example" over typed text asks first,
// and cancelling keeps the text and the address; the browser is asked too before unloading. An
// untouched editor, or one just saved, leaves without a question.
import { launch, watchErrors, ok, is, like, diag, doneTesting, api } from "./lib.mjs";

const { BASE, SANDBOX } = process.env;
const { context, page } = await launch(SANDBOX + "/profile");
const errors = watchErrors(page);
const dialogs = [];
let answer = "dismiss";
page.on("dialog", async (d) => { dialogs.push(d.message()); await (answer === "accept" ? d.accept() : d.dismiss()); });
// The router hears of a link after the address has changed (hashchange), so the address alone
// does not say the question was asked: wait for the n-th dialog itself (at most 5 s).
const dialogsReach = async (n) => {
  for (let i = 0; i < 100 && dialogs.length < n; i++) await page.waitForTimeout(50);
  return dialogs.length;
};
const text = () => page.locator("#definition").inputValue();
const beforeUnloadBlocks = () => page.evaluate(() => {
  const e = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(e);
  return e.defaultPrevented;
});

try {
  await page.goto(BASE + "/#/tests/new");
  await page.locator("#definition").waitFor();
  await page.waitForFunction(() => document.querySelectorAll("#example option").length > 3);
  is(await beforeUnloadBlocks(), false, "an untouched editor does not hold the browser back");
  await page.selectOption("#example", "smoke.json");
  await page.getByRole("button", { name: "Use example" }).click();
  await page.waitForFunction(() => document.querySelector("#definition").value.includes("demo smoke test"));
  is(dialogs.length, 0, "an example over the untouched starter text loads without a question");

  const typed = (await text()).replace("demo smoke test", "my own smoke test");
  await page.locator("#definition").fill(typed);
  await page.selectOption("#example", "spike.json");
  await page.getByRole("button", { name: "Use example" }).click();
  is(await dialogsReach(1), 1, "an example over typed text asks first");
  like(dialogs[0] || "", /Replace the text in the editor with spike\.json\? Your changes are lost/, "and says what would be lost");
  is(await text(), typed, "cancelled: the typed text stays");

  await page.locator('a[data-nav="tests"]').click();
  is(await dialogsReach(2), 2, "leaving the editor with unsaved changes asks first");
  like(dialogs[1] || "", /unsaved changes/, "and says why");
  // The dialog is seen before the page's code after confirm() runs: give it its turn to put the
  // address back (it fails after 5 s if it never does).
  const stays = await page.waitForFunction(() => location.hash === "#/tests/new", null, { timeout: 5000 })
    .then(() => true, () => false);
  ok(stays, "cancelled: the address stays", page.url());
  is(await text(), typed, "and so does the text");
  is(await beforeUnloadBlocks(), true, "the browser is asked to hold a reload or close too");

  answer = "accept";
  await page.locator('a[data-nav="tests"]').click();
  is(await dialogsReach(3), 3, "accepting asks once more");
  await page.waitForURL(/#\/tests$/);
  await page.waitForFunction(() => !document.querySelector("#definition"));
  ok(page.url().endsWith("#/tests"), "and leaves", page.url());
  is((await api(BASE, "GET", "/api/tests")).data.tests.length, 0, "and nothing was saved");

  // An existing test: untouched, it leaves quietly; saved, it leaves quietly.
  const t = await api(BASE, "POST", "/api/tests", { name: "guarded", baseUrl: "http://127.0.0.1:9", vus: 1,
    duration: "1s", tasks: [{ path: "/" }] });
  await page.goto(BASE + `/#/tests/${t.data.id}/edit`);
  await page.waitForFunction(() => (document.querySelector("#definition")?.value || "").includes("guarded"));
  await page.getByRole("link", { name: "Back to the test" }).click();
  await page.waitForURL(new RegExp(`#/tests/${t.data.id}$`));
  is(dialogs.length, 3, "an untouched existing test leaves without a question");
  await page.goto(BASE + `/#/tests/${t.data.id}/edit`);
  await page.waitForFunction(() => (document.querySelector("#definition")?.value || "").includes("guarded"));
  await page.locator("#definition").fill((await text()).replace('"guarded"', '"guarded, edited"'));
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(new RegExp(`#/tests/${t.data.id}$`));
  is(dialogs.length, 3, "saving leaves without a question");
  is((await api(BASE, "GET", "/api/tests/" + t.data.id)).data.name, "guarded, edited", "and the change was saved");
  is(errors.length, 0, "no console errors", errors.join("\n"));
} catch (err) {
  ok(false, "the walk completed", err.stack);
}
diag("dialogs: " + dialogs.join(" | "));
await context.close();
process.exit(doneTesting());
