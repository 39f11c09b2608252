// notify: webhooks in the dashboard (docs/api.md "Webhooks"). notificationsPanel is a finished
// run's list of deliveries (GET /api/runs/{id}/notifications: state, attempts, last error);
// notifyForm is a test's own webhook targets (PATCH /api/tests/{id} {"notify": ...}), with the
// daemon's refusal shown on the field it names.
import { get, request } from "./api.js";
import { h, fill } from "./dom.js";
import { errorText, date } from "./fmt.js";

// A run's notifications, in a card that stays empty (hidden) while the run has none.
export class NotificationsPanel {
  constructor(id) {
    this.id = id;
    this.el = h("section", { class: "card", id: "notifications", "aria-labelledby": "nt-title", hidden: true });
  }

  // Reads and shows the list; a pending delivery is read again every 5 s while the page shows it.
  // endedMs: when the run ended; its deliveries are queued a moment after, so an empty list read
  // within 10 s of the end is read again.
  async load(endedMs) {
    clearTimeout(this.timer);
    let list;
    try {
      list = (await get(`/api/runs/${this.id}/notifications`)).notifications;
    } catch (err) {
      this.el.hidden = false;
      fill(this.el, h("h2", { id: "nt-title" }, "Webhooks"), h("p", { class: "error" }, errorText(err)));
      return;
    }
    this.el.hidden = list.length === 0;
    if (list.length === 0) {
      if (endedMs && Date.now() - endedMs < 10000 && this.el.isConnected)
        this.timer = setTimeout(() => this.load(), 2000);
      return;
    }
    const cls = { delivered: "state-passed", failed: "state-failed", pending: "state-queued" };
    fill(this.el, h("h2", { id: "nt-title" }, "Webhooks"),
      h("div", { class: "table-wrap" }, h("table", { class: "notifications" },
        h("thead", {}, h("tr", {}, h("th", {}, "URL"), h("th", {}, "State"), h("th", { class: "num" }, "Attempts"),
          h("th", {}, "Last error"), h("th", {}, "When"))),
        h("tbody", {}, list.map((n) => h("tr", { dataset: { id: n.id } },
          h("td", { class: "url" }, n.url),
          h("td", { class: cls[n.state] || "" }, n.state),
          h("td", { class: "num" }, n.attempts),
          h("td", {}, n.last_error || ""),
          h("td", { class: "small muted" }, n.state === "delivered" ? "delivered " + date(n.delivered_ms)
            : n.state === "pending" ? "next try " + date(n.next_attempt_ms) : "")))))));
    if (list.some((n) => n.state === "pending") && this.el.isConnected)
      this.timer = setTimeout(() => this.load(), 5000);
  }

  destroy() { clearTimeout(this.timer); }
}

// A test's webhook targets: when, and one URL a line.
export function notifyForm(test) {
  const cur = test.notify || { when: "failure", webhooks: [] };
  const when = h("select", { id: "notify-when", name: "when" },
    [["failure", "on failure"], ["change", "when the outcome changes"], ["always", "after every run"]]
      .map(([v, label]) => h("option", { value: v, selected: cur.when === v }, label)));
  const urls = h("textarea", { id: "notify-urls", name: "webhooks", rows: 2, placeholder: "https://hooks.example/...",
    "aria-describedby": "notify-hint" }, cur.webhooks.join("\n"));
  const err = h("small", { class: "field-error", role: "alert", id: "notify-error" });
  const saved = h("small", { class: "muted", role: "status", id: "notify-status" });
  const form = h("form", { class: "card", id: "notify-form", "aria-labelledby": "notify-title" },
    h("h2", { id: "notify-title" }, "Webhooks"),
    h("p", { class: "muted small", id: "notify-hint" }, "Told when a run of this test ends, besides the daemon's own ",
      "(webhooks.urls). One URL a line; each must be in webhooks.allow. Empty: none."),
    h("div", { class: "fields" },
      h("div", { class: "field" }, h("label", { for: "notify-when" }, "When"), when),
      h("div", { class: "field wide" }, h("label", { for: "notify-urls" }, "URLs"), urls, err)),
    h("div", { class: "buttons" }, h("button", { type: "submit", id: "notify-save" }, "Save webhooks"), saved));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = saved.textContent = "";
    const list = urls.value.split(/\s+/).filter(Boolean);
    const body = { notify: list.length ? { when: when.value, webhooks: list } : null };
    try {
      const t = await request("PATCH", `/api/tests/${test.id}`, body);
      urls.value = t.notify ? t.notify.webhooks.join("\n") : "";
      saved.textContent = "Saved.";
    } catch (e) {
      err.textContent = e.errors && e.errors.length ? `${e.errors[0].path}: ${e.errors[0].message}` : errorText(e);
    }
  });
  return form;
}
