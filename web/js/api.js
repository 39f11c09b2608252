// api: the REST client. Every call goes through request(), which adds the API token (when one is
// saved in this browser) as `Authorization: Bearer`, decodes the JSON error shape
// {"error":{"code","message","errors"}} into an ApiError, and tells the page about a 401 so that
// it can explain it (see app.js) instead of failing silently.

const TOKEN_KEY = "rampage.token";

// The states in which a run has ended (docs/api.md): run-state.js holds the words.
export { ENDED } from "./run-state.js";

export class ApiError extends Error {
  constructor(status, body, method, path) {
    const e = (body && body.error) || {};
    super(e.message || `${method} ${path}: HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? "network" : "http_" + status);
    this.errors = e.errors || [];
    this.moreErrors = e.more_errors || 0;
    this.method = method;
    this.path = path;
  }
}

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY) || ""; } catch { return ""; }
}

export function setToken(t) {
  try {
    if (t) localStorage.setItem(TOKEN_KEY, t); else localStorage.removeItem(TOKEN_KEY);
  } catch { /* private mode: the token lasts as long as the page */ }
  window.dispatchEvent(new CustomEvent("rampage:token"));
}

// Sends one request. body: an object (sent as JSON), a string (sent as is: a definition keeps its
// text byte for byte), or undefined. Resolves to the decoded JSON (null for 204); rejects with an
// ApiError.
// opts.quiet: do not announce a 401 (background calls such as validation while typing).
export async function request(method, path, body, opts = {}) {
  // X-Rampage-Client on every request: the daemon takes state-changing requests only with it or
  // a JSON Content-Type, which no other page can send without a CORS preflight (docs/operations.md).
  const headers = { "X-Rampage-Client": "dashboard" };
  const token = getToken();
  if (token) headers.Authorization = "Bearer " + token;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, cache: "no-store" });
  } catch (err) {
    throw new ApiError(0, { error: { message: `cannot reach the daemon (${err.message})` } }, method, path);
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = new ApiError(res.status, data, method, path);
    if (res.status === 401 && !opts.quiet)
      window.dispatchEvent(new CustomEvent("rampage:unauthorized", { detail: err }));
    throw err;
  }
  return data;
}

export const get = (p) => request("GET", p);
export const post = (p, b) => request("POST", p, b);
export const put = (p, b) => request("PUT", p, b);
export const del = (p) => request("DELETE", p);

// Builds a query string from an object, leaving out null/undefined/"" values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? "?" + s : "";
}
