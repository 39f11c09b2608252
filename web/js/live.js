// live: one websocket to /api/live for the whole page. Views subscribe to topics ("runs",
// "run:12") with a handler; the client keeps the union of topics subscribed on the server,
// reconnects with back-off when the socket drops (or when heartbeats stop), subscribes again and
// tells each handler with a {type: "reconnected"} message, so that a view can fill what it missed
// over REST. The API token, when saved, goes in `?token=` (browsers cannot set headers on a
// websocket).
import { getToken } from "./api.js";

const handlers = new Map();   // topic -> Set of functions
const acked = new Map();      // topic -> connection number on which the server confirmed it
const waiters = new Map();    // topic -> [resolve functions] until the server confirms it
let connNo = 0;
const statusListeners = new Set();
let ws = null;
let state = "connecting";
let retryMs = 500;
let retryTimer = null;
let watchdog = null;
let heartbeatMs = 5000;
let connectedOnce = false;

function setState(s, detail) {
  state = s;
  for (const f of statusListeners) f(s, detail);
}

function send(obj) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
}

function armWatchdog() {
  clearTimeout(watchdog);
  watchdog = setTimeout(() => { if (ws) ws.close(); }, Math.max(3 * heartbeatMs, 5000));
}

function dispatch(topic, msg) {
  const set = handlers.get(topic);
  if (set) for (const f of [...set]) f(msg);
}

// The server confirmed these topics: wake those waiting, and tell handlers of a topic that was
// already confirmed on an earlier connection that they may have missed messages.
function confirmed(topics) {
  for (const t of topics) {
    if (!handlers.has(t)) continue;
    const before = acked.get(t);
    if (before === connNo) continue;
    acked.set(t, connNo);
    for (const r of waiters.get(t) || []) r();
    waiters.delete(t);
    if (before !== undefined) dispatch(t, { type: "reconnected", topic: t });
  }
}

function connect() {
  clearTimeout(retryTimer);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const token = getToken();
  const url = scheme + "//" + location.host + "/api/live" + (token ? "?token=" + encodeURIComponent(token) : "");
  setState("connecting");
  const sock = new WebSocket(url);
  ws = sock;
  sock.onopen = () => {
    retryMs = 500;
    setState("open");
    connNo++;
    if (handlers.size) send({ type: "subscribe", topics: [...handlers.keys()] });
    armWatchdog();
    connectedOnce = true;
  };
  sock.onmessage = (ev) => {
    armWatchdog();
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (msg.type === "hello") { heartbeatMs = msg.heartbeat_ms || heartbeatMs; return; }
    if (msg.type === "heartbeat") return;
    if (msg.type === "subscribed") { confirmed(msg.topics || []); return; }
    if (msg.type === "tick" || msg.type === "run_state" || msg.type === "change" || msg.type === "event") {
      // a run_state arrives once per topic it was published on: `topic` says which copy this is
      if (msg.topic) dispatch(msg.topic, msg);
      else dispatch("run:" + msg.run_id, msg);
      return;
    }
    dispatch("runs", msg);   // queue, run_deleted
  };
  sock.onclose = (ev) => {
    clearTimeout(watchdog);
    if (ws !== sock) return;
    for (const t of acked.keys()) acked.set(t, -1);   // confirmed once: a later confirmation is a reconnection
    ws = null;
    setState("closed", ev.reason || (connectedOnce ? "reconnecting" :
      "cannot connect" + (getToken() ? "" : " (if the daemon protects reads, enter an API token)")));
    retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10000);
  };
}

// Subscribes fn to a topic. Returns {unsubscribe, ready}: ready resolves once the server has
// confirmed the subscription (from then on no message of the topic is missed, which is what lets
// a view read history over REST afterwards without a gap).
export function subscribe(topic, fn) {
  let set = handlers.get(topic);
  if (!set) {
    set = new Set();
    handlers.set(topic, set);
    send({ type: "subscribe", topics: [topic] });
  }
  set.add(fn);
  const ready = acked.get(topic) === connNo && isOpen() ? Promise.resolve() : new Promise((resolve) => {
    if (!waiters.has(topic)) waiters.set(topic, []);
    waiters.get(topic).push(resolve);
  });
  const unsubscribe = () => {
    set.delete(fn);
    if (set.size === 0 && handlers.get(topic) === set) {
      handlers.delete(topic);
      acked.delete(topic);
      send({ type: "unsubscribe", topics: [topic] });
    }
  };
  return { unsubscribe, ready };
}

// Whether the socket is open (subscriptions made now take effect at once).
export function isOpen() {
  return ws !== null && ws.readyState === WebSocket.OPEN;
}

// Calls fn(state, detail) now and at every change ("connecting", "open", "closed").
export function onStatus(fn) {
  statusListeners.add(fn);
  fn(state);
  return () => statusListeners.delete(fn);
}

// Connects (again) at once: after the token changed.
export function reconnect() {
  if (ws) { const old = ws; ws = null; old.close(); }
  connect();
}

export function start() {
  connect();
}
