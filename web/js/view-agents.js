// view-agents (#/agents): the agents of the daemon's [agents] section (docs/scale-out.md "The daemon
// drives agents"), as GET /api/agents probes them: URL, state as the agent says (or what stopped
// the probe), version, cores, clock offset and round trip, error. Refresh asks again (the daemon
// reuses a probe for 5 s). Also agentBadge and offsetMs, which a run's Agents panel
// (run-agents.js) shares.
import { get } from "./api.js";
import { h, fill } from "./dom.js";
import { count, errorText, time } from "./fmt.js";

// The colour of each state (app.css .agent-ok/-busy/-bad): the agent's own states, a run's agent
// states (run-agents.js) and what stopped a probe.
const TONE = {
  idle: "ok", done: "ok",
  prepared: "busy", starting: "busy", running: "busy", connecting: "busy", hello: "busy", timing: "busy", preparing: "busy",
  busy: "wait",
  unauthorized: "bad", unreachable: "bad", refused: "bad", lost: "bad",
};

export function agentBadge(state) {
  const s = state || "unknown";
  return h("span", { class: "badge agent-" + (TONE[s] || "wait"), dataset: { state: s } }, s);
}

// Milliseconds with two decimals ("-0.04 ms"), or "–".
export function offsetMs(v) {
  return v === null || v === undefined || !isFinite(v) ? "–" : v.toFixed(2) + " ms";
}

function agentTable(list) {
  return h("div", { class: "table-wrap" }, h("table", { class: "agents", id: "agents" },
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "Agent"), h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, "Version"),
      h("th", { scope: "col", class: "num" }, "Cores"), h("th", { scope: "col", class: "num" }, "Clock offset"),
      h("th", { scope: "col", class: "num" }, "Round trip"), h("th", { scope: "col" }, "Error"))),
    h("tbody", {}, list.map((a) => h("tr", { dataset: { url: a.url, state: a.state || "" } },
      h("th", { scope: "row", class: "url" }, h("code", {}, a.url)),
      h("td", { class: "state" }, agentBadge(a.state)),
      h("td", { class: "version" }, a.version || "–"),
      h("td", { class: "num cores" }, count(a.cores)),
      h("td", { class: "num offset" }, offsetMs(a.clock_offset_ms)),
      h("td", { class: "num delay" }, offsetMs(a.delay_ms)),
      h("td", { class: "agent-error" }, a.error || ""))))));
}

export function agentsView(main) {
  const listEl = h("div", { id: "agent-list" }, h("p", { class: "muted" }, "Loading…"));
  const status = h("p", { id: "agents-status", class: "muted small", role: "status", "aria-live": "polite" });
  const refresh = h("button", { type: "button", id: "agents-refresh" }, "Refresh");
  let destroyed = false, seq = 0;

  async function reload() {
    const n = ++seq;
    refresh.disabled = true;
    status.textContent = "Asking the agents…";
    try {
      const r = await get("/api/agents");
      if (destroyed || n !== seq) return;
      const list = r.agents || [];
      if (!list.length) {
        fill(listEl, h("p", { class: "muted", id: "agents-note" },
          r.note || "No agent is configured.", " ",
          "Agents are set in the daemon's config, section ", h("code", {}, "[agents]"), " (",
          h("code", {}, "urls"), " or ", h("code", {}, "dns"), ", and ", h("code", {}, "token_file"), ")."));
        status.textContent = "No agent is configured.";
      } else {
        fill(listEl, agentTable(list));
        const idle = list.filter((a) => a.state === "idle").length;
        status.textContent = `${list.length} agent${list.length === 1 ? "" : "s"}, ${idle} idle` +
          (r.probed_ms ? `; probed at ${time(r.probed_ms)}` : "") + ".";
      }
    } catch (err) {
      if (destroyed || n !== seq) return;
      fill(listEl, h("p", { class: "error" }, "Cannot list the agents: " + errorText(err)));
      status.textContent = "The agents could not be listed.";
    } finally {
      if (n === seq) refresh.disabled = false;
    }
  }
  refresh.addEventListener("click", reload);

  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, "Agents"), h("div", { class: "buttons" }, refresh)),
    h("p", { class: "muted small" }, "The agents a run asking for ", h("code", {}, "\"agents\": N"),
      " is split over (the first N of this list). Each is connected with the agents' token and its clock measured; ",
      "an answer is reused for 5 s."),
    h("section", { class: "card", "aria-labelledby": "agents-title" },
      h("h2", { id: "agents-title", class: "sr-only" }, "Configured agents"), listEl, status));
  reload();
  return () => { destroyed = true; };
}
