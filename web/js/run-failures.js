// run-failures: why a run's requests failed (docs/api.md, "Failures"), like Locust's Failures tab:
// each distinct message of each endpoint with its kind, count and first and last second; the early
// "every request fails" banner; and, for the endpoint table, each endpoint's failures by kind
// ("refused 1,234 · timeout 12 · http 503: 40").
//
// The rows come from GET /api/runs/{id}/failures (the seconds stored so far), then from the ticks:
// a tick carries the rows its second changed with the run's counts so far, so a row's count only
// grows and the larger of two copies is the newer.
import { get } from "./api.js";
import { h, fill } from "./dom.js";
import { count } from "./fmt.js";

const KIND_WORDS = {
  refused: "connection refused", timeout: "timeout", reset: "connection reset", dns: "name not resolved",
  tls: "TLS error", too_large: "headers too large", blocked: "blocked (allowlist)", other: "transport error",
  http_status: "HTTP status", check: "failRequest check",
};

const key = (f) => `${f.idx}|${f.kind}|${f.other ? 1 : 0}|${f.message}`;

// One endpoint's rows as "refused 1,234 · timeout 12 · http 503: 40": transport kinds by kind,
// statuses by status, largest first. Exported for node tests.
export function kindsText(rows) {
  const parts = new Map();
  for (const f of rows) {
    const label = f.kind === "http_status"
      ? (f.other ? "http other" : f.message.replace(/^HTTP /, "http ") + ":")
      : f.kind === "check" ? "check" : f.kind;
    parts.set(label, (parts.get(label) || 0) + f.count);
  }
  return [...parts].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${count(n)}`).join(" · ");
}

export class RunFailures {
  constructor(id, page, onChange) {
    this.id = id;
    this.page = page;
    this.onChange = onChange || (() => {});
    this.rows = new Map();        // key -> row (the API's shape)
    this.alarm = null;
    this.limits = null;
    this.el = {
      alarm: h("div", { id: "failure-alarm", class: "warning alarm", role: "alert", hidden: true }),
      panel: h("section", { class: "card wide", id: "failures", "aria-labelledby": "failures-title" }),
    };
  }

  // Reads the stored rows (again), keeping any newer copy a tick brought meanwhile.
  async load() {
    try {
      const d = await get(`/api/runs/${this.id}/failures`);
      this.limits = d.limits;
      for (const f of d.failures) this.put(f);
      if (d.alarm) this.alarm = d.alarm;
    } catch (err) {
      /* the ticks still bring what changes */
    }
    this.render();
  }

  // A live tick: its changed rows and, once fired, the alarm.
  tick(m) {
    if (!m.failures && !m.failure_alarm) return;
    for (const f of m.failures || []) this.put(f);
    if (m.failure_alarm) this.alarm = m.failure_alarm;
    this.render();
  }

  put(f) {
    const k = key(f), had = this.rows.get(k);
    if (!had || f.count >= had.count) this.rows.set(k, f);
  }

  // The failures of endpoint idx by kind (0: every endpoint), or "" when none.
  kindsOf(idx) {
    return kindsText([...this.rows.values()].filter((f) => idx === 0 || f.idx === idx));
  }

  render() {
    this.renderAlarm();
    const rows = [...this.rows.values()].sort((a, b) => b.count - a.count || (a.other - b.other) || a.idx - b.idx);
    const total = rows.reduce((n, f) => n + f.count, 0);
    const live = !this.page.ended;
    fill(this.el.panel,
      h("h2", { id: "failures-title" }, "Failures", live ? h("span", { class: "muted small" }, " live") : null),
      rows.length === 0 ? h("p", { class: "muted" }, live ? "No failed requests so far." : "No failed requests.") :
        h("div", { class: "table-wrap" }, h("table", { class: "failures" },
          h("thead", {}, h("tr", {},
            h("th", { scope: "col" }, "Kind"), h("th", { scope: "col" }, "Endpoint"), h("th", { scope: "col" }, "Message"),
            h("th", { scope: "col", class: "num" }, "Count"), h("th", { scope: "col", class: "num" }, "First s"),
            h("th", { scope: "col", class: "num" }, "Last s"))),
          h("tbody", {}, rows.map((f) => h("tr", { dataset: { kind: f.kind, idx: f.idx }, class: f.other ? "other" : "" },
            h("td", {}, h("span", { class: "kind kind-" + f.kind, title: KIND_WORDS[f.kind] || f.kind }, f.kind)),
            h("td", {}, f.endpoint),
            h("td", { class: "message" }, f.other ? h("em", {}, f.message) : f.message),
            h("td", { class: "num" }, count(f.count)),
            h("td", { class: "num" }, String(f.first_second)),
            h("td", { class: "num" }, String(f.last_second))))))),
      rows.length ? h("p", { class: "muted small" }, `${count(total)} failed requests, ${rows.length} distinct ` +
        `message${rows.length === 1 ? "" : "s"}` + (this.limits ? ` (at most ${this.limits.per_endpoint} per endpoint ` +
        `and ${this.limits.per_run} per run are kept; the rest count as "(other messages)")` : "") + ".") : null);
    this.onChange();
  }

  renderAlarm() {
    const a = this.alarm;
    if (!a) { this.el.alarm.hidden = true; return; }
    const text = a.text.replace(/^every request fails/, "Every request fails");
    fill(this.el.alarm, h("strong", {}, "⚠ "), text,
      this.page.ended ? "" : ". The run goes on: stop it if the target or its port is wrong.");
    this.el.alarm.hidden = false;
  }
}
