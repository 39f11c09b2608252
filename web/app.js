// Rampage landing page: shows /api/health and the /api/live websocket's heartbeats.
// (The dashboard proper replaces this page in a later issue.)
"use strict";

function setState(id, text, cls) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = "pill" + (cls ? " " + cls : "");
}

async function loadHealth() {
  try {
    const res = await fetch("/api/health", { cache: "no-store" });
    const body = await res.json();
    document.getElementById("health").textContent = JSON.stringify(body, null, 2);
    setState("health-state", res.ok ? "ok" : "HTTP " + res.status, res.ok ? "ok" : "bad");
  } catch (err) {
    document.getElementById("health").textContent = String(err);
    setState("health-state", "unreachable", "bad");
  }
}

function connectLive() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(scheme + "//" + location.host + "/api/live");
  let beats = 0;
  setState("live-state", "connecting");
  ws.onopen = () => setState("live-state", "open", "ok");
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (msg.type === "heartbeat") {
      beats += 1;
      document.getElementById("live-beats").textContent = beats;
      document.getElementById("live-seq").textContent = msg.seq;
      document.getElementById("live-time").textContent = new Date(msg.server_time).toISOString();
    }
  };
  ws.onclose = (ev) => {
    setState("live-state", "closed (" + ev.code + ")" + (ev.reason ? ": " + ev.reason : ""), "bad");
    setTimeout(connectLive, 2000);
  };
}

loadHealth();
setInterval(loadHealth, 10000);
connectLive();
