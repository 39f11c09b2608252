// shape.mjs (run by 073-shape.sh): web/js/shape.js in node, against the definitions of
// etc/examples and every executor's shortcut: the target and the load in the words the run and test
// pages show.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const top = process.env.TOP_SRCDIR || ".";
const { shapeOf } = await import(join(top, "web/js/shape.js"));
let n = 0, failed = 0;
const is = (got, want, desc) => {
  n++;
  if (got === want) console.log(`ok ${n} - ${desc}`);
  else { failed++; console.log(`not ok ${n} - ${desc}\n#   got:      ${JSON.stringify(got)}\n#   expected: ${JSON.stringify(want)}`); }
};
const ex = (f) => JSON.parse(readFileSync(join(top, "etc/examples", f), "utf8"));

is(shapeOf(ex("smoke.json")).load, "constant-vus, 1 VU for 10 s", "smoke: the duration shortcut is constant-vus (one VU, singular)");
is(shapeOf(ex("smoke.json")).target, "http://127.0.0.1:8000", "smoke: baseUrl is the target");
is(shapeOf(ex("ramp-up.json")).load, "browse: ramping-vus, 0 → 20 → 50 → 0 VUs over 2 min 00 s", "ramp-up: the stages' targets and length");
const base = { baseUrl: "http://127.0.0.1:8000", tasks: [{ path: "/" }] };
is(shapeOf({ ...base, vus: 5, iterations: 100 }).load, "shared-iterations, 100 iterations shared by 5 VUs", "the iterations shortcut");
is(shapeOf({ ...base, vus: 3 }).load, "per-vu-iterations, 1 iteration by each of 3 VUs", "vus alone: one iteration per VU");
is(shapeOf({ ...base, stages: [{ duration: "1m", target: 10 }] }).load, "ramping-vus, 1 → 10 VUs over 1 min 00 s", "the stages shortcut starts at 1 VU, as k6");
is(shapeOf({ ...base, scenarios: { api: { executor: "constant-arrival-rate", rate: 200, timeUnit: "1s", duration: "30s",
  preAllocatedVUs: 20, maxVUs: 80, tasks: [{ path: "/" }] } } }).load,
"api: constant-arrival-rate, 200 iterations/s for 30 s (up to 80 VUs)", "constant-arrival-rate");
is(shapeOf({ ...base, scenarios: { s: { executor: "ramping-arrival-rate", startRate: 10, timeUnit: "1m", preAllocatedVUs: 5,
  stages: [{ duration: "30s", target: 60 }], tasks: [{ path: "/" }] } } }).load,
"s: ramping-arrival-rate, 10 → 60 iterations/1m over 30 s (up to 5 VUs)", "ramping-arrival-rate with its time unit");
is(shapeOf({ tasks: [{ url: "http://127.0.0.1:9000/a" }, { url: "http://127.0.0.1:9001/b", steps: [] }] }).target,
  "http://127.0.0.1:9000, http://127.0.0.1:9001", "absolute urls: each host once");
is(shapeOf({ baseUrl: "http://127.0.0.1:8000", tasks: [{ url: "{{host}}/x" }] }).target, "http://127.0.0.1:8000",
  "a templated url is not a host");
is(shapeOf({ ...base, vus: 2, duration: "1m", agents: 3 }).load, "constant-vus, 2 VUs for 1 min 00 s · split over 3 agents",
  "a run over agents says how many");
is(shapeOf({ ...base, vus: 2, duration: "1m", agents: "all" }).load, "constant-vus, 2 VUs for 1 min 00 s · split over every agent",
  "or every agent");
is(shapeOf(null).target, "–", "no definition: a dash, not an exception");
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
