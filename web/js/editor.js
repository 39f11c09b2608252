// editor: a JSON text editor built on a plain <textarea> (no wrapping, so one text line is one
// row) with a line-number gutter, and error markers: each error from the daemon's validation
// (a JSON path and a message) or from the local syntax check is placed at the line of the key it
// names, marked in the gutter, written beside that line, and listed under the editor; choosing an
// entry of the list selects the key in the text.
import { h, fill } from "./dom.js";
import { scan, locate, lineCol } from "./jsonpos.js";

export class JsonEditor {
  constructor({ id, label, value = "", onInput }) {
    this.onInput = onInput;
    this.errors = [];   // [{path, message, pos, line, exact}]
    this.textarea = h("textarea", {
      id, class: "code", spellcheck: "false", autocomplete: "off", autocapitalize: "off",
      wrap: "off", "aria-describedby": id + "-errors",
    });
    this.textarea.value = value;
    this.gutter = h("div", { class: "gutter", "aria-hidden": "true" });
    this.notes = h("div", { class: "notes", "aria-hidden": "true" });
    this.list = h("ol", { class: "error-list", id: id + "-errors", "aria-live": "polite" });
    this.el = h("div", { class: "editor" },
      h("label", { for: id, class: "editor-label" }, label),
      h("div", { class: "editor-body" }, this.gutter, h("div", { class: "editor-text" }, this.textarea, this.notes)),
      this.list);
    this.textarea.addEventListener("input", () => { this.renderGutter(); if (this.onInput) this.onInput(this.value); });
    this.textarea.addEventListener("scroll", () => this.syncScroll());
    this.textarea.addEventListener("keydown", (ev) => this.keydown(ev));
    this.renderGutter();
  }

  get value() { return this.textarea.value; }
  set value(v) { this.textarea.value = v; this.renderGutter(); this.setErrors([]); }

  // Tab indents by two spaces (Escape then Tab leaves the editor, for keyboard users).
  keydown(ev) {
    if (ev.key === "Escape") { this.escaped = true; return; }
    if (ev.key === "Tab" && !ev.shiftKey && !this.escaped && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
      ev.preventDefault();
      const ta = this.textarea, s = ta.selectionStart;
      ta.setRangeText("  ", s, ta.selectionEnd, "end");
      ta.dispatchEvent(new Event("input"));
      return;
    }
    this.escaped = false;
  }

  lines() { return this.textarea.value.split("\n").length; }

  renderGutter() {
    const n = this.lines();
    const byLine = new Map();
    for (const e of this.errors) if (!byLine.has(e.line)) byLine.set(e.line, e);
    const rows = [];
    for (let i = 1; i <= n; i++) {
      const e = byLine.get(i);
      rows.push(h("div", { class: e ? "ln err" : "ln", title: e ? e.message : null, dataset: { line: i } }, String(i)));
    }
    fill(this.gutter, rows);
    this.renderNotes();
    this.syncScroll();
  }

  renderNotes() {
    const seen = new Set();
    const notes = [];
    for (const e of this.errors) {
      if (seen.has(e.line)) continue;
      seen.add(e.line);
      notes.push(h("div", { class: "note", style: `top: calc(${e.line - 1} * var(--lh) + var(--pad))` }, "⚠ " + e.message));
    }
    fill(this.notes, notes);
  }

  syncScroll() {
    this.gutter.scrollTop = this.textarea.scrollTop;
    this.notes.style.transform = `translateY(${-this.textarea.scrollTop}px)`;
  }

  // Checks the syntax locally: null when it parses, else the error (placed).
  syntaxError() {
    const s = scan(this.value);
    if (!s.error) return null;
    const { line, col } = lineCol(this.value, s.error.pos);
    return { path: null, message: `JSON syntax: ${s.error.message} (line ${line}, column ${col})`, pos: s.error.pos, line, exact: true };
  }

  // Shows errors: [{path, message}] from the daemon (paths placed in the current text), or
  // already placed ones (with pos).
  setErrors(errors) {
    const text = this.value;
    const scanned = errors.some((e) => e.pos === undefined) ? scan(text) : null;
    this.errors = errors.map((e) => {
      if (e.pos !== undefined) return e;
      const at = locate(scanned, e.path) || { pos: 0, exact: false };
      return { ...e, pos: at.pos, exact: at.exact, line: lineCol(text, at.pos).line };
    });
    this.renderGutter();
    fill(this.list, this.errors.map((e) => h("li", {},
      h("button", { type: "button", class: "link", onclick: () => this.reveal(e) },
        `line ${e.line}`),
      " ", e.path !== null && e.path !== undefined ? h("code", {}, e.path || "definition") : null,
      e.path !== null && e.path !== undefined ? ": " : "", e.message,
      e.exact === false && e.path ? h("span", { class: "muted" }, " (the key is missing: shown at its parent)") : null)));
  }

  // Selects an error's key in the text and scrolls to it.
  reveal(e) {
    const ta = this.textarea, text = ta.value;
    let end = e.pos;
    if (text[e.pos] === '"') { end = text.indexOf('"', e.pos + 1); end = end < 0 ? e.pos : end + 1; }
    ta.focus();
    ta.setSelectionRange(e.pos, Math.max(end, e.pos + 1));
    const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
    ta.scrollTop = Math.max(0, (e.line - 4) * lh);
    this.syncScroll();
  }
}
