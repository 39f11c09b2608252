// run-baseline: a finished run's place among its test's runs (docs/dashboard.md, "Baselines"):
// a badge when it is its test's pinned baseline, the baseline it is compared with and its verdict
// (GET /api/runs/{id} gives `baseline`), "Set as baseline" (PUT /api/tests/{id}/baseline), and links
// to the compare view (#/runs/{id}/compare/baseline, /previous, /{other run}).
import { get, put } from "./api.js";
import { h, fill, banner } from "./dom.js";
import { errorText } from "./fmt.js";

// The states of a run that ended with data (the ones a baseline or a comparison can use).
const WITH_DATA = new Set(["passed", "failed", "finished", "stopped"]);

// Fills el for run (the Run object); empties it for a run that cannot be compared.
export async function renderBaseline(el, run) {
  if (!WITH_DATA.has(run.state) || run.started_ms === null) { fill(el); return; }
  let current = null;
  if (run.test_id !== null) {
    try { current = await get(`/api/tests/${run.test_id}/baseline`); } catch (err) { current = null; }
  }
  const pinned = current && current.current && current.current.run_id === run.id;
  const b = run.baseline;
  const verdict = b && b.verdict ? h("span", { class: "verdict verdict-" + b.verdict, id: "baseline-verdict" }, b.verdict) : null;
  const otherInput = h("input", { type: "number", min: 1, id: "compare-other", placeholder: "run id", size: 8,
    "aria-label": "Run id to compare with" });
  fill(el,
    pinned ? h("span", { class: "badge badge-baseline", id: "baseline-badge", title: current.current.note || "" }, "baseline") : null,
    b && b.run_id ? h("span", {}, "Compared with ", h("a", { href: `#/runs/${b.run_id}` }, `run #${b.run_id}`),
      ` (${b.mode === "last-passed" ? "last passed" : "baseline"})`, b.comparable === false ? " — load shapes differ" : "", ": ", verdict) : null,
    run.test_id !== null && !pinned ? h("button", { type: "button", id: "set-baseline", onclick: async () => {
      try {
        await put(`/api/tests/${run.test_id}/baseline`, { run: run.id });
        run.baseline = (await get("/api/runs/" + run.id)).baseline;
        await renderBaseline(el, run);
      } catch (err) { banner(errorText(err)); }
    } }, "Set as baseline") : null,
    h("span", { class: "compare-links" }, "Compare with ",
      b && b.run_id ? h("a", { href: `#/runs/${run.id}/compare/baseline`, id: "compare-baseline" }, "baseline") : null,
      b && b.run_id ? " / " : "",
      h("a", { href: `#/runs/${run.id}/compare/previous`, id: "compare-previous" }, "previous"), " / ",
      otherInput, h("button", { type: "button", onclick: () => {
        const v = parseInt(otherInput.value, 10);
        if (v > 0) location.hash = `#/runs/${run.id}/compare/${v}`;
      } }, "Compare")));
}
