// view-runs (#/runs): every run of every test, newest first, with a state filter.
import { h, fill } from "./dom.js";
import { runHistory } from "./history.js";

export function runsView(main) {
  const section = h("section", { class: "card", id: "history" });
  fill(main, h("div", { class: "page-head" }, h("h1", {}, "Runs")), section);
  return runHistory(section, { showTest: true, title: "Every run" });
}
