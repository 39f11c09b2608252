// run-state: the one place the dashboard turns a run's state and verdict into what people see
// (the words are defined in docs/api.md, "Run states"). A badge says the state; next to it goes
// what the state alone does not say:
//   finished  a neutral FINISHED (no thresholds, so no verdict is claimed) and, prominently, the
//             run's error rate: a run with 79 % failed requests must not look green;
//   stopped   STOPPED and how its thresholds stood when it was stopped (held / failed);
//   aborted   as stopped, when its thresholds were evaluated;
//   passed, failed: the state is the verdict.
import { h } from "./dom.js";
import { pct } from "./fmt.js";

// The states in which a run has ended.
export const ENDED = new Set(["passed", "failed", "finished", "stopped", "cancelled", "aborted", "error"]);

// The badge of a run (or of a run summary with state, verdict and stats): a span holding the
// state badge (class "badge", text the state's word) and, where it applies, the verdict or the
// error rate.
export function runBadge(run) {
  const state = run.state;
  const parts = [h("span", { class: "badge state-" + state }, state)];
  const rate = run.stats && typeof run.stats.error_rate === "number" ? run.stats.error_rate : null;
  if (state === "finished" && rate !== null) {
    parts.push(h("span", { class: "run-errors" + (rate > 0 ? " bad" : ""), title: "no thresholds: no verdict, only what happened" },
      pct(rate) + " errors"));
  } else if ((state === "stopped" || state === "aborted") && run.verdict) {
    parts.push(h("span", { class: "verdict verdict-" + run.verdict, title: "how its thresholds stood when it ended" },
      run.verdict === "passed" ? "thresholds held" : "thresholds failed"));
  }
  return h("span", { class: "run-badge", dataset: { state, verdict: run.verdict || "" } }, parts);
}

// The sentence a run's page shows instead of charts for a run that never ran.
export function neverRan(run) {
  return run.state === "cancelled" ? "Cancelled before it started: it sent no load, so it has no charts and no summary." : null;
}
