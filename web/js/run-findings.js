// run-findings: a finished run's Findings panel (docs/findings.md): what its numbers say, in words,
// each with its severity in the guide's words (good sign / warning sign / red flag) and the figures
// it rests on. The findings come with the run's summary (its "findings" array, also
// GET /api/runs/{id}/findings); the panel only shows them, red flags first.
import { h } from "./dom.js";

const ORDER = { "red flag": 0, "warning sign": 1, "good sign": 2 };
const SEV_CLASS = { "red flag": "bad", "warning sign": "wait", "good sign": "ok" };

// The figures of a finding as "key: value" pairs (nested objects and lists left to the JSON).
function figures(numbers) {
  return Object.entries(numbers || {})
    .filter(([, v]) => v === null || typeof v !== "object")
    .map(([k, v]) => `${k.replace(/_/g, " ")}: ${v === null ? "–" : v}`);
}

// Sorts findings red flags first, keeping their order otherwise. Exported for node tests.
export function sortFindings(list) {
  return (list || []).map((f, i) => [f, i])
    .sort((a, b) => ((ORDER[a[0].severity] ?? 3) - (ORDER[b[0].severity] ?? 3)) || a[1] - b[1])
    .map(([f]) => f);
}

// The panel for a summary's findings; null when the summary has none (one written before them).
export function findingsSection(list) {
  if (!Array.isArray(list)) return null;
  const items = sortFindings(list);
  return h("section", { class: "card wide", id: "findings", "aria-labelledby": "findings-title" },
    h("h2", { id: "findings-title" }, "Findings"),
    items.length === 0 ? h("p", { class: "muted" }, "Nothing to say: no load figures to judge.") :
      h("ul", { class: "findings" }, items.map((f) => h("li", { class: "finding", "data-id": f.id, "data-severity": f.severity },
        h("span", { class: "sev sev-" + (SEV_CLASS[f.severity] || "info") }, f.severity), " ",
        h("span", { class: "sentence" }, f.sentence),
        h("div", { class: "muted small figures" }, figures(f.numbers).join(" · "))))));
}
