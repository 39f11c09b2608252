// jsonpos: where each value of a JSON text is, by the JSON path the daemon uses in its validation
// errors ("scenarios.browse.stages[1].duration", `headers["X-Id"]`, "" for the document), so the
// editor can put an error at the offending key. A small strict JSON parser that records positions;
// a syntax error comes back with its position too.

// A key as the daemon writes it in a path: plain keys after a dot, others quoted in brackets.
function keySegment(prefix, key) {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return prefix ? prefix + "." + key : key;
  return prefix + "[" + JSON.stringify(key) + "]";
}

// Parses text; returns {paths: Map(path -> {start, end, keyStart}), error: null | {pos, message}}.
// keyStart is the position of the member's key (objects) or of the value (arrays, the root).
export function scan(text) {
  const paths = new Map();
  let i = 0;
  const fail = (message, pos = i) => { const e = new Error(message); e.pos = pos; throw e; };
  const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
  const describe = () => i >= text.length ? "the end of the text" : JSON.stringify(text[i]);

  function string() {
    const start = i;
    i++;   // opening quote
    let out = "";
    while (i < text.length) {
      const c = text[i];
      if (c === '"') { i++; return out; }
      if (c === "\\") {
        const n = text[i + 1];
        const map = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (n in map) { out += map[n]; i += 2; continue; }
        if (n === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)); i += 6; continue;
        }
        fail("bad escape in a string");
      }
      if (c < " ") fail("a control character in a string (write \\n for a new line)");
      out += c; i++;
    }
    fail("a string that never ends", start);
  }

  function value(path, keyStart) {
    ws();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i++; ws();
      const seen = new Set();
      if (text[i] === "}") { i++; }
      else for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a key in double quotes, got ${describe()}`);
        const ks = i;
        const key = string();
        if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, ks);
        seen.add(key);
        ws();
        if (text[i] !== ":") fail(`expected ':' after the key ${JSON.stringify(key)}, got ${describe()}`);
        i++;
        value(keySegment(path, key), ks);
        ws();
        if (text[i] === ",") { i++; ws(); if (text[i] === "}") fail("a comma before '}' (JSON allows no trailing comma)"); continue; }
        if (text[i] === "}") { i++; break; }
        fail(`expected ',' or '}' after a member, got ${describe()}`);
      }
    } else if (c === "[") {
      i++; ws();
      let n = 0;
      if (text[i] === "]") { i++; }
      else for (;;) {
        ws();
        value(path + "[" + n + "]", i);
        n++;
        ws();
        if (text[i] === ",") { i++; ws(); if (text[i] === "]") fail("a comma before ']' (JSON allows no trailing comma)"); continue; }
        if (text[i] === "]") { i++; break; }
        fail(`expected ',' or ']' after an element, got ${describe()}`);
      }
    } else if (c === '"') {
      string();
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail("a malformed number");
      i += m[0].length;
    } else if (text.startsWith("true", i)) i += 4;
    else if (text.startsWith("false", i)) i += 5;
    else if (text.startsWith("null", i)) i += 4;
    else fail(`expected a value, got ${describe()}`);
    paths.set(path, { start, end: i, keyStart });
  }

  try {
    ws();
    value("", i);
    ws();
    if (i < text.length) fail(`unexpected text after the JSON document: ${describe()}`);
    return { paths, error: null };
  } catch (e) {
    return { paths, error: { pos: Math.min(e.pos ?? i, text.length), message: e.message } };
  }
}

// Splits a daemon path into segments: "a.b[2][\"x y\"]" -> ["a", "b", 2, "x y"].
export function segments(path) {
  const out = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === ".") { i++; continue; }
    if (path[i] === "[") {
      if (path[i + 1] === '"') {
        // a JSON string up to the matching quote
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === "\\" ? 2 : 1;
        try { out.push(JSON.parse(path.slice(i + 1, j + 1))); } catch { out.push(path.slice(i + 2, j)); }
        i = j + 1;
        if (path.startsWith("...", i)) i += 3;
        if (path[i] === "]") i++;
      } else {
        const j = path.indexOf("]", i);
        out.push(Number(path.slice(i + 1, j < 0 ? path.length : j)));
        i = j < 0 ? path.length : j + 1;
      }
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
    out.push(path.slice(i, j));
    i = j;
  }
  return out;
}

// Builds a path from segments (the inverse of segments()).
export function join(segs) {
  let p = "";
  for (const s of segs) p = typeof s === "number" ? p + "[" + s + "]" : keySegment(p, s);
  return p;
}

// Finds where a daemon path points in a scan() result: the deepest existing prefix (an error about
// a missing key points at the object that lacks it). Returns {pos, exact} or null.
export function locate(scanned, path) {
  const segs = segments(path || "");
  for (let n = segs.length; n >= 0; n--) {
    const hit = scanned.paths.get(join(segs.slice(0, n)));
    if (hit) return { pos: hit.keyStart, exact: n === segs.length };
  }
  return null;
}

// 1-based line and column of a position.
export function lineCol(text, pos) {
  let line = 1, last = -1;
  for (let k = 0; k < pos && k < text.length; k++) if (text[k] === "\n") { line++; last = k; }
  return { line, col: pos - last };
}
