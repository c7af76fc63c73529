// The API client and the session.
//
// Tokens, as the OAuth 2.0 browser-based-apps BCP asks: the access token lives in this module's memory only (never in
// storage, a URL or a log), is refreshed ahead of its expiry and once more on a 401, and only one refresh is ever in
// flight — across tabs too (Web Locks), because the refresh token rotates and presenting a used one revokes the whole
// sign-in. The refresh token is kept in localStorage so that a reload or a second tab stays signed in; the README
// ("Tokens in the browser") says why that is the safest place available to this API and what protects it.

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? "";
/** Empty when the gateway serves the app (same origin); another origin's copy names the API here. */
export const apiBase = meta("voice-invoice-api").replace(/\/+$/, "");
export const googleEnabled = meta("voice-invoice-google") === "on";

const REFRESH_KEY = "voice-invoice.refresh";
const LOCK = "voice-invoice.refresh";

let accessToken = null;
let expiresAt = 0;
let user = null;
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    super(problem?.detail || problem?.title || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem ?? {};
    this.retryAfter = retryAfter;
    this.fieldErrors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
  /** What to tell a person. */
  get friendly() {
    if (this.status === 429) {
      return `Too many requests. Try again in ${this.retryAfter ?? "a few"} second${this.retryAfter === 1 ? "" : "s"}.`;
    }
    if (this.status === 0) return this.message;
    if (this.status >= 500 && !this.problem.detail) return "The server had a problem. Try again in a moment.";
    return this.message;
  }
}

export const onSessionChange = (listener) => listeners.add(listener);
export const currentUser = () => user;
export const signedIn = () => accessToken !== null;
const storedRefreshToken = () => { try { return localStorage.getItem(REFRESH_KEY); } catch { return null; } };

function adopt(tokens) {
  accessToken = tokens.accessToken;
  user = tokens.user;
  expiresAt = Date.now() + tokens.expiresIn * 1000;
  try { localStorage.setItem(REFRESH_KEY, tokens.refreshToken); } catch { /* private mode: this tab only */ }
  clearTimeout(refreshTimer);
  // Ahead of expiry: halfway through a short life, a minute before the end of a long one.
  const lead = Math.max(tokens.expiresIn * 0.5, tokens.expiresIn - 60);
  refreshTimer = setTimeout(() => refresh().catch(() => {}), lead * 1000);
  for (const listener of listeners) listener(user);
}

function endSession() {
  accessToken = null;
  user = null;
  expiresAt = 0;
  clearTimeout(refreshTimer);
  try { localStorage.removeItem(REFRESH_KEY); } catch {}
  for (const listener of listeners) listener(null);
}

// Another tab signed out (the stored token is gone): so does this one.
window.addEventListener("storage", (event) => {
  if (event.key === REFRESH_KEY && event.newValue === null && accessToken !== null) endSession();
});

async function send(method, path, { json, body, headers = {}, auth = true, credentials = "omit" } = {}) {
  const fields = new Headers(headers);
  if (json !== undefined) {
    fields.set("Content-Type", "application/json");
    body = JSON.stringify(json);
  }
  if (auth && accessToken) fields.set("Authorization", `Bearer ${accessToken}`);
  if (!fields.has("Accept")) fields.set("Accept", "application/json, application/problem+json");
  try {
    return await fetch(apiBase + path, { method, headers: fields, body, credentials, cache: "no-store" });
  } catch {
    throw new ApiError(0, { title: "Offline", detail: "The server could not be reached. Check the connection and try again." });
  }
}

export async function problemOf(response) {
  let problem = null;
  if ((response.headers.get("Content-Type") ?? "").includes("json")) {
    try { problem = await response.json(); } catch {}
  }
  const retryAfter = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return new ApiError(response.status, problem ?? { title: response.statusText }, Number.isFinite(retryAfter) ? retryAfter : null);
}

/** One refresh at a time in this tab (a shared promise) and across tabs (a Web Lock, then the token re-read). */
export function refresh() {
  if (!refreshing) refreshing = lockedRefresh().finally(() => { refreshing = null; });
  return refreshing;
}

async function lockedRefresh() {
  const work = async () => {
    // Read inside the lock: another tab may have rotated the token while this one waited.
    const token = storedRefreshToken();
    if (!token) {
      endSession();
      throw new ApiError(401, { title: "Signed out", detail: "Please sign in again." });
    }
    const response = await send("POST", "/api/auth/refresh", { json: { refreshToken: token }, auth: false });
    if (!response.ok) {
      const error = await problemOf(response);
      if (response.status === 401) endSession();
      throw error;
    }
    adopt(await response.json());
  };
  return navigator.locks ? navigator.locks.request(LOCK, work) : work();
}

/** On start: a stored refresh token resumes the sign-in. */
export async function resume() {
  if (!storedRefreshToken()) return false;
  try {
    await refresh();
    return true;
  } catch (error) {
    if (error.status === 401) return false;
    throw error;
  }
}

async function authorised(method, path, options) {
  if (accessToken === null || Date.now() > expiresAt - 10_000) await refresh();
  let response = await send(method, path, options);
  if (response.status === 401) {
    // Expired or revoked while we held it (a laptop asleep, a clock off): one refresh, one retry.
    await refresh();
    response = await send(method, path, options);
    if (response.status === 401) endSession();
  }
  return response;
}

/** A request; a problem answer becomes an ApiError. */
export async function request(method, path, options = {}) {
  const response = options.auth === false ? await send(method, path, options) : await authorised(method, path, options);
  if (!response.ok && response.status !== 304) throw await problemOf(response);
  return response;
}

export async function json(method, path, options) {
  const response = await request(method, path, options);
  return response.status === 204 ? null : response.json();
}

/** A new key per logical attempt: a retry of the same attempt reuses it, so nothing is created twice. */
export const idempotencyKey = () => crypto.randomUUID();

// MARK: sign-in

export async function signIn(email, password) {
  adopt(await json("POST", "/api/auth/login", { json: { email, password }, auth: false }));
}

export async function register(name, email, password) {
  adopt(await json("POST", "/api/auth/register", { json: { name, email, password }, auth: false }));
}

/** The Google web flow's one-time code, traded with the binding cookie the callback set (hence credentials). */
export async function exchange(code) {
  adopt(await json("POST", "/api/auth/exchange", { json: { code }, auth: false, credentials: "include" }));
}

export const googleStartURL = () => `${apiBase}/api/auth/google/start`;

export async function signOut({ everywhere = false } = {}) {
  const token = storedRefreshToken();
  try {
    if (everywhere) await request("POST", "/api/auth/logout-all");
    else if (token) await send("POST", "/api/auth/logout", { json: { refreshToken: token }, auth: false });
  } finally {
    endSession();
  }
}

/** An upload with progress (fetch has none): XMLHttpRequest, with the same token handling. */
export async function upload(path, formData, { onProgress, headers = {} } = {}) {
  if (accessToken === null || Date.now() > expiresAt - 10_000) await refresh();
  const attempt = () => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", apiBase + path);
    xhr.setRequestHeader("Authorization", `Bearer ${accessToken}`);
    xhr.setRequestHeader("Accept", "application/json, application/problem+json");
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.responseType = "text";
    xhr.upload.onprogress = (event) => { if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total); };
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new ApiError(0, { title: "Offline", detail: "The upload did not reach the server. Try again." }));
    xhr.send(formData);
  });
  let xhr = await attempt();
  if (xhr.status === 401) {
    await refresh();
    xhr = await attempt();
  }
  let body = null;
  try { body = JSON.parse(xhr.responseText); } catch {}
  if (xhr.status < 200 || xhr.status >= 300) {
    const retryAfter = Number.parseInt(xhr.getResponseHeader("Retry-After") ?? "", 10);
    throw new ApiError(xhr.status, body ?? { title: xhr.statusText }, Number.isFinite(retryAfter) ? retryAfter : null);
  }
  return body;
}

/** A file from the API (PDF, export) as a Blob and the name the server gave it. */
export async function download(path) {
  const response = await request("GET", path, { headers: { Accept: "*/*" } });
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "download";
  return { blob: await response.blob(), name };
}
