// dom: the small DOM helpers of every view: an element builder, replacing children, the page's
// banner, and the few elements that show a formatted value (a date, a run state).
import { date, iso } from "./fmt.js";

// Element builder: h("td", {class: "num"}, "12 ms", child...). Attributes starting with "on" are
// listeners; null/undefined/false children are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Replaces an element's children.
export function fill(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// A <time> element showing a local date.
export function timeEl(msEpoch) {
  return h("time", { datetime: iso(msEpoch) }, date(msEpoch));
}

// A run state badge.
export function stateBadge(state) {
  return h("span", { class: "badge state-" + state }, state);
}

// Shows a message above the page (kind "error" or "info"); null hides it.
export function banner(message, kind = "error") {
  const el = document.getElementById("banner");
  if (!el) return;
  if (!message) { el.hidden = true; el.replaceChildren(); return; }
  el.className = "banner " + kind;
  fill(el, h("span", {}, message), " ", h("button", { type: "button", class: "link", onclick: () => banner(null) }, "Dismiss"));
  el.hidden = false;
}

// The mounted view's reason not to be left (unsaved changes), or null. A view sets
// leaveGuard.check to a function returning that reason or null; the router asks it before leaving
// the page (a link, Back) and the browser before unloading it (reload, close).
export const leaveGuard = { check: null };
