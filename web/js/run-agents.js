// run-agents: a finished run's Agents panel, when it ran over agents (the summary's
// rampage.agents, docs/scale-out.md): one row per agent (URL, segment, its requests and their share
// of the run's, state, clock offset, why), and notes that stand out when the run is degraded (an
// agent was lost: which, at what second) or some seconds are incomplete (stored without a late or
// lost agent's share).
import { h } from "./dom.js";
import { count, pct } from "./fmt.js";
import { agentBadge, offsetMs } from "./view-agents.js";

// The section for summary s, or null when the run did not run over agents.
export function agentsSection(s) {
  const ag = s && s.rampage && s.rampage.agents;
  if (!ag || !Array.isArray(ag.agents)) return null;
  const list = ag.agents;
  const total = list.reduce((a, x) => a + (x.requests || 0), 0);
  const notes = [];
  const lost = ag.lost || [];
  if (ag.degraded || lost.length) {
    notes.push(h("div", { class: "warning alarm", id: "agents-degraded", role: "note" },
      h("strong", {}, "Degraded: "),
      lost.length === 1 ? "an agent was lost; " : `${lost.length} agents were lost; `,
      ag.loss_policy === "fail" ? "the run was ended (agentLoss \"fail\")." :
        "the run went on without it (agentLoss \"continue\"): the seconds after the loss lack its share.",
      lost.length ? h("ul", { class: "lost" }, lost.map((l) => h("li", {},
        h("code", {}, l.url), ` lost at second ${l.second}`, l.why ? h("span", { class: "muted" }, ": " + l.why) : null))) : null));
  }
  if (ag.incomplete_count > 0) {
    const secs = ag.incomplete_seconds || [];
    const shown = secs.slice(0, 20).join(", ") + (ag.incomplete_count > Math.min(20, secs.length) ? ", …" : "");
    notes.push(h("div", { class: "warning", id: "agents-incomplete", role: "note" },
      h("strong", {}, `${count(ag.incomplete_count)} second${ag.incomplete_count === 1 ? " is" : "s are"} incomplete`),
      ": stored without a late or lost agent's share", shown ? ` (second${secs.length === 1 ? "" : "s"} ${shown})` : "",
      ". The whole run's totals still count every share that arrived", ag.late_shares ? ` (${count(ag.late_shares)} late)` : "", "."));
  }
  return h("section", { class: "card wide", id: "run-agents", "aria-labelledby": "agents-panel-title" },
    h("h2", { id: "agents-panel-title" }, "Agents ", h("span", { class: "muted small" },
      `${count(ag.count ?? list.length)} agent${(ag.count ?? list.length) === 1 ? "" : "s"} · sequence ${ag.sequence || "–"} · ` +
      (ag.setup === "daemon" ? "setup ran once, on the daemon" : "no setup"))),
    notes,
    h("div", { class: "table-wrap" }, h("table", { class: "agents run-agents" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Agent"), h("th", { scope: "col" }, "Segment"),
        h("th", { scope: "col", class: "num" }, "Requests"), h("th", { scope: "col", class: "num" }, "Share"),
        h("th", { scope: "col" }, "State"), h("th", { scope: "col", class: "num" }, "Clock offset"),
        h("th", { scope: "col" }, "Why"))),
      h("tbody", {}, list.map((a) => h("tr", { dataset: { url: a.url, requests: a.requests ?? 0 } },
        h("th", { scope: "row", class: "url" }, h("code", {}, a.url),
          a.version ? h("div", { class: "muted small" }, `${a.version}${a.cores ? ` · ${a.cores} cores` : ""}`) : null),
        h("td", { class: "segment" }, a.segment ? h("code", {}, a.segment) : "–"),
        h("td", { class: "num requests" }, count(a.requests)),
        h("td", { class: "num share" }, pct(total ? (a.requests || 0) / total : 0)),
        h("td", { class: "state" }, agentBadge(a.state), a.interrupted ? h("span", { class: "muted small" }, " interrupted") : null),
        h("td", { class: "num offset" }, offsetMs(a.clock_offset_ms)),
        h("td", { class: "why" }, a.why || "")))))));
}
