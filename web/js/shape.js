// shape: what a definition aims at and how it loads it, in words, for the run and test pages'
// heads (Locust shows host and users at a glance; ours was hidden in the collapsed definition).
// Reads the definition as the API stores it (k6's names); no DOM here.
import { count, dur, parseDuration } from "./fmt.js";

// The scenarios as k6 derives them: "scenarios", else the top-level shortcuts.
export function scenarios(def) {
  if (def.scenarios && typeof def.scenarios === "object") return Object.entries(def.scenarios);
  if (def.stages) return [["default", { executor: "ramping-vus", stages: def.stages, startVUs: def.startVUs }]];
  if (def.iterations) return [["default", { executor: "shared-iterations", vus: def.vus, iterations: def.iterations }]];
  if (def.duration) return [["default", { executor: "constant-vus", vus: def.vus, duration: def.duration }]];
  return [["default", { executor: "per-vu-iterations", vus: def.vus, iterations: 1 }]];
}

const d = (v) => { const s = parseDuration(v); return isFinite(s) ? dur(s) : String(v ?? "?"); };
const stagesLen = (st) => dur(st.reduce((a, x) => a + (parseDuration(x.duration) || 0), 0));

const plural = (v, one, many) => `${count(v)} ${Number(v) === 1 ? one : many}`;

// One scenario's load in words: "10 VUs for 30 s", "0 → 50 → 0 VUs over 2 min 00 s".
function loadOf(s) {
  const n = (v, dflt) => count(v ?? dflt);
  const unit = s.timeUnit && s.timeUnit !== "1s" ? "/" + s.timeUnit : "/s";
  const stages = Array.isArray(s.stages) ? s.stages : [];
  switch (s.executor) {
  case "constant-vus": return `${plural(s.vus ?? 1, "VU", "VUs")} for ${d(s.duration)}`;
  case "ramping-vus":
    return `${[s.startVUs ?? 1, ...stages.map((x) => x.target)].map((x) => count(x)).join(" → ")} VUs over ${stagesLen(stages)}`;
  case "constant-arrival-rate":
    return `${n(s.rate)} iterations${unit} for ${d(s.duration)} (up to ${n(s.maxVUs ?? s.preAllocatedVUs)} VUs)`;
  case "ramping-arrival-rate":
    return `${[s.startRate ?? 0, ...stages.map((x) => x.target)].map((x) => count(x)).join(" → ")} iterations${unit} over ${stagesLen(stages)} (up to ${n(s.maxVUs ?? s.preAllocatedVUs)} VUs)`;
  case "per-vu-iterations": return `${plural(s.iterations ?? 1, "iteration", "iterations")} by each of ${plural(s.vus ?? 1, "VU", "VUs")}`;
  case "shared-iterations": return `${plural(s.iterations ?? 1, "iteration", "iterations")} shared by ${plural(s.vus ?? 1, "VU", "VUs")}`;
  default: return s.executor || "?";
  }
}

// The hosts a definition sends to: baseUrl's, and those of absolute urls of its steps.
function targets(def, scen) {
  const hosts = new Set();
  const add = (u) => { try { hosts.add(new URL(u).origin); } catch { /* a template: not a host */ } };
  if (def.baseUrl) add(def.baseUrl);
  const steps = (list) => { for (const t of list || []) { if (t.url) add(t.url); steps(t.steps); } };
  steps(def.tasks); steps(def.onStart); steps(def.onStop);
  for (const [, s] of scen) { if (s.baseUrl) add(s.baseUrl); steps(s.tasks); steps(s.onStart); steps(s.onStop); }
  return [...hosts];
}

// Where it runs, when not on the daemon: " · split over 3 agents", " · split over every agent".
function overAgents(a) {
  if (a === "all") return " · split over every agent";
  return Number.isInteger(a) && a > 0 ? ` · split over ${plural(a, "agent", "agents")}` : "";
}

// {target: "http://127.0.0.1:8000", load: "browse: 0 → 20 → 50 → 0 VUs over 2 min 00 s"}.
export function shapeOf(def) {
  if (!def || typeof def !== "object") return { target: "–", load: "–" };
  const scen = scenarios(def);
  const t = targets(def, scen);
  const load = scen.map(([name, s]) => (scen.length > 1 || name !== "default" ? name + ": " : "") +
    (s.executor ? s.executor + ", " : "") + loadOf(s)).join(" · ") + overAgents(def.agents);
  return { target: t.length ? t.join(", ") : "–", load };
}
