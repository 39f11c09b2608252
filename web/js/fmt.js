// fmt: numbers with their units, durations and times (in the browser's time zone) as text.
// The API speaks integer microseconds (*_us) and epoch milliseconds (*_ms); people read ms and
// local dates. No DOM here: elements are built by dom.js.

const nf0 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const nf2 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

// A count: 1,234,567.
export function count(n) {
  return n === null || n === undefined || !isFinite(n) ? "–" : nf0.format(n);
}

// A rate in requests per second: "1,234 req/s", "3.5 req/s".
export function rps(n) {
  if (n === null || n === undefined || !isFinite(n)) return "–";
  return (Math.abs(n) >= 100 ? nf0.format(n) : nf1.format(n)) + " req/s";
}

// Microseconds as milliseconds: "0.05 ms", "12.3 ms", "1,234 ms", or seconds past 10 s.
export function us(v) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  return ms(v / 1000);
}

// Milliseconds: "0.05 ms", "12.3 ms", "1,234 ms", "12.5 s".
export function ms(v) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  if (Math.abs(v) >= 10000) return nf1.format(v / 1000) + " s";
  if (Math.abs(v) >= 100) return nf0.format(v) + " ms";
  if (Math.abs(v) >= 1) return nf1.format(v) + " ms";
  if (v !== 0 && Math.abs(v) < 0.005) return "< 0.01 ms";
  return nf2.format(v) + " ms";
}

// A fraction as a percentage: 0.0123 -> "1.23 %".
export function pct(f) {
  if (f === null || f === undefined || !isFinite(f)) return "–";
  const p = f * 100;
  return (p === 0 || p >= 10 ? nf1.format(p) : nf2.format(p)) + " %";
}

// Bytes: "12.3 MB".
export function bytes(n) {
  if (n === null || n === undefined || !isFinite(n)) return "–";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? nf0.format(n) : nf1.format(n)) + " " + units[i];
}

// A duration in seconds: "45 s", "3 min 05 s", "2 h 03 min".
export function dur(s) {
  if (s === null || s === undefined || !isFinite(s)) return "–";
  s = Math.max(0, Math.round(s));
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60), r = s % 60;
  if (m < 60) return m + " min " + String(r).padStart(2, "0") + " s";
  return Math.floor(m / 60) + " h " + String(m % 60).padStart(2, "0") + " min";
}

const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const tf = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

// Epoch ms as a local date and time (the browser's time zone).
export function date(msEpoch) {
  return msEpoch ? dtf.format(new Date(msEpoch)) : "–";
}

// Epoch ms as a local time of day.
export function time(msEpoch) {
  return msEpoch ? tf.format(new Date(msEpoch)) : "–";
}

// The ISO form for <time datetime>.
export function iso(msEpoch) {
  return msEpoch ? new Date(msEpoch).toISOString() : null;
}

// k6-style durations ("1m30s", "500ms", "2h") in seconds; NaN when unreadable.
export function parseDuration(v) {
  if (typeof v === "number") return v / 1000;   // k6 takes a bare number as ms
  if (typeof v !== "string") return NaN;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|s|m|h|d)/g;
  let total = 0, m, used = 0;
  while ((m = re.exec(v)) !== null) {
    const n = parseFloat(m[1]);
    total += n * { ms: 0.001, us: 1e-6, "µs": 1e-6, s: 1, m: 60, h: 3600, d: 86400 }[m[2]];
    used += m[0].length;
  }
  return used === v.length && used > 0 ? total : NaN;
}

// The message of an error for people: the API's own message, or the network failure.
export function errorText(err) {
  return err && err.message ? err.message : String(err);
}
