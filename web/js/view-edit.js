// view-edit (#/tests/new, #/tests/12/edit): a definition in a JSON editor, checked while typing
// (locally for syntax, then POST /api/tests/validate) and on save (POST or PUT /api/tests), with
// each error of the daemon shown at the key its JSON path names. New tests start from an example
// (examples/ of the web root, copied from etc/examples by make) or from a minimal definition.
import { get, post, put, request } from "./api.js";
import { h, fill, banner, leaveGuard } from "./dom.js";
import { count, dur, errorText } from "./fmt.js";
import { JsonEditor } from "./editor.js";

const STARTER = `{
  "name": "my test",
  "baseUrl": "http://127.0.0.1:8000",
  "vus": 2,
  "duration": "30s",
  "tasks": [
    { "name": "health", "method": "GET", "path": "/api/health" }
  ]
}
`;

export async function editView(main, id) {
  const isNew = !id;
  let test = null;
  if (!isNew) {
    try {
      test = await get("/api/tests/" + id);
    } catch (err) {
      fill(main, h("h1", {}, "Edit test"), h("p", { class: "error" }, errorText(err)));
      return;
    }
  }
  const editor = new JsonEditor({
    id: "definition", label: "Definition (JSON, see docs/test-definition.md)",
    value: isNew ? STARTER : JSON.stringify(test.definition, null, 2) + "\n",
    onInput: () => schedule(),
  });
  // The text as saved or as loaded (the starter, an example): anything else is unsaved work, which
  // neither leaving the page nor "Use example" may throw away without asking.
  let baseline = editor.value;
  const dirty = () => editor.value !== baseline;
  leaveGuard.check = () => dirty() ? "The definition has unsaved changes." : null;
  const status = h("p", { id: "validation", class: "validation", role: "status", "aria-live": "polite" });
  const saveBtn = h("button", { type: "submit", class: "primary", id: "save" }, isNew ? "Create test" : "Save changes");
  const validateBtn = h("button", { type: "button", id: "validate", onclick: () => validate(true) }, "Validate");
  let timer = null, seq = 0;

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => validate(false), 700);
  }

  // Local syntax first; then the daemon's validation. `asked`: the user pressed Validate.
  async function validate(asked) {
    const mine = ++seq;
    const syntax = editor.syntaxError();
    if (syntax) {
      editor.setErrors([syntax]);
      setStatus("bad", "Not valid JSON yet.");
      if (asked) editor.reveal(editor.errors[0]);
      return false;
    }
    try {
      const v = await request("POST", "/api/tests/validate", editor.value, { quiet: !asked });
      if (mine !== seq) return true;
      editor.setErrors([]);
      const secs = v.planned_ms ? v.planned_ms / 1000 : null;
      const tail = v.max_end_ms && v.planned_ms ? (v.max_end_ms - v.planned_ms) / 1000 : 0;
      setStatus("ok", `Valid ✓ — ${v.scenarios.length} scenario(s), up to ${count(v.max_vus)} VUs` +
        (secs ? `, ${v.ends_by_iterations ? "at most" : "about"} ${dur(secs)}` +
          (tail > 0 ? ` (+ up to ${dur(tail)} graceful stop)` : "") : "") + `, ${v.endpoints.length} endpoint(s): ` +
        v.endpoints.map((e) => `${e.method} ${e.name}`).join(", "));
      return true;
    } catch (err) {
      if (mine !== seq) return false;
      if (err.code === "invalid_definition") {
        editor.setErrors(err.errors.length ? err.errors : [{ path: "", message: err.message }]);
        setStatus("bad", `${err.errors.length + err.moreErrors} problem(s): see the marked lines.`);
        if (asked && editor.errors.length) editor.reveal(editor.errors[0]);
      } else if (err.status === 401) {
        setStatus("", "Validation needs an API token on this daemon (see “API token” above).");
      } else {
        setStatus("bad", "Cannot validate: " + errorText(err));
      }
      return false;
    }
  }

  function setStatus(kind, text) {
    status.className = "validation " + kind;
    status.textContent = text;
  }

  async function save(ev) {
    ev.preventDefault();
    clearTimeout(timer);
    seq++;
    const syntax = editor.syntaxError();
    if (syntax) { editor.setErrors([syntax]); setStatus("bad", "Not valid JSON: fix the marked line."); editor.reveal(editor.errors[0]); return; }
    saveBtn.disabled = true;
    try {
      const t = isNew ? await post("/api/tests", editor.value) : await put("/api/tests/" + id, editor.value);
      baseline = editor.value;
      banner(`Saved “${t.name}”.`, "info");
      location.hash = "#/tests/" + t.id;
    } catch (err) {
      if (err.code === "invalid_definition") {
        editor.setErrors(err.errors.length ? err.errors : [{ path: "", message: err.message }]);
        setStatus("bad", `Not saved: ${err.errors.length + err.moreErrors} problem(s), marked in the text.`);
        if (editor.errors.length) editor.reveal(editor.errors[0]);
      } else {
        setStatus("bad", "Not saved: " + errorText(err));
      }
    } finally {
      saveBtn.disabled = false;
    }
  }

  // the examples (a list made by make: examples/index.json)
  const exSelect = h("select", { id: "example", name: "example" }, h("option", { value: "" }, "choose an example…"));
  const exLoad = h("button", { type: "button", id: "example-load" }, "Use example");
  const exNote = h("p", { class: "muted small" });
  if (isNew) {
    fetch("examples/index.json", { cache: "no-cache" }).then((r) => r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)))
      .then((list) => {
        for (const e of list) exSelect.append(h("option", { value: e.file }, e.name ? `${e.name} (${e.file})` : e.file));
      }, (err) => { exNote.textContent = "No examples are served (" + err.message + ")."; });
    exLoad.addEventListener("click", async () => {
      if (!exSelect.value) return;
      if (dirty() && !confirm(`Replace the text in the editor with ${exSelect.value}? Your changes are lost.`)) return;
      const r = await fetch("examples/" + encodeURIComponent(exSelect.value), { cache: "no-cache" });
      if (!r.ok) { exNote.textContent = "Cannot load it: HTTP " + r.status; return; }
      editor.value = await r.text();
      baseline = editor.value;
      exNote.textContent = "Loaded " + exSelect.value + ". The examples aim at the demo target on 127.0.0.1:8000 (./bootstrap run starts it); change baseUrl for your own service.";
      validate(false);
    });
  }

  fill(main,
    h("div", { class: "page-head" },
      h("h1", {}, isNew ? "New test" : `Edit “${test.name}”`),
      !isNew ? h("a", { class: "button", href: "#/tests/" + id }, "Back to the test") : null),
    isNew ? h("div", { class: "examples card" },
      h("label", { for: "example" }, "Start from an example"), " ", exSelect, " ", exLoad, exNote) : null,
    h("form", { class: "edit-form", onsubmit: save },
      editor.el, status,
      h("div", { class: "buttons" }, saveBtn, validateBtn,
        h("a", { class: "button", href: isNew ? "#/tests" : "#/tests/" + id }, "Cancel"))));
  if (!isNew) validate(false);
  return () => clearTimeout(timer);
}
