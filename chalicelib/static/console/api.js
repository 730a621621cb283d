// The console's only way to the server: the public /v1 API, with the signed-in credential.
// The credential lives in this module's memory and nowhere else (no storage, no cookie):
// signing out or closing the tab leaves nothing behind.

let credential = null;

/** ``{type: 'key' | 'bearer', value}``, or null to forget it. */
export function setCredential(value) {
  credential = value;
}

export function signedIn() {
  return credential !== null;
}

/** An answer other than 2xx: its status and problem document (RFC 9457). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.code = problem.code || '';
  }
}

function headers(body, extra) {
  const sent = { Accept: 'application/json', ...extra };
  if (credential?.type === 'key') sent['X-API-Key'] = credential.value;
  if (credential?.type === 'bearer') sent.Authorization = `Bearer ${credential.value}`;
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  return sent;
}

/** Calls ``path`` (relative to the app, e.g. ``v1/keys``); resolves to the JSON answer.
 * ``extra``: request headers besides the credential's (a confirmation). */
export async function api(method, path, body, extra = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body, extra),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, { code: 'network' });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return data;
}

/** A query string of the filled-in values only. */
export function query(values) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== null && value !== undefined && value !== '') params.set(name, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Every group of the tenant, oldest first: ``GET /v1/groups`` a page of 100 at a time,
 * following ``next_cursor`` (a tenant has at most its group limit of them). */
export async function allGroups() {
  const groups = [];
  let cursor = null;
  do {
    const page = await api('GET', `v1/groups${query({ limit: 100, cursor })}`);
    groups.push(...page.groups);
    cursor = page.next_cursor;
  } while (cursor);
  return groups.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}
