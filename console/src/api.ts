/** The page's calls to its server: the session's CSRF token goes with every write; the bearer token never comes back. */

export interface SessionInfo {
  user: string;
  groups: string[];
  csrf: string;
}

let csrf = '';

export class RequestFailed extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new RequestFailed(res.status, body.error ?? `HTTP ${res.status}`);
  return body;
}

export async function currentSession(): Promise<SessionInfo | undefined> {
  const res = await fetch('/api/session', { credentials: 'same-origin' });
  if (res.status === 401) return undefined;
  const s = await answer<SessionInfo>(res);
  csrf = s.csrf;
  return s;
}

export async function signIn(token: string): Promise<SessionInfo> {
  const s = await answer<SessionInfo>(await fetch('/api/login', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) }));
  csrf = s.csrf;
  return s;
}

export async function post<T>(path: string, body: unknown = {}): Promise<T> {
  return answer<T>(await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) }));
}

export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { credentials: 'same-origin' }));
}

/** A write that outlives the page (sent as it closes). */
export function postOnLeave(path: string, body: unknown = {}): void {
  void fetch(path, { method: 'POST', credentials: 'same-origin', keepalive: true, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) }).catch(() => undefined);
}

export async function signOut(): Promise<void> {
  await post('/api/logout');
  csrf = '';
}

/** The app listens for this to show the sign-in page again. */
export const SESSION_ENDED = 'slipway-session-ended';

/**
 * Follows one of the server's live views; `on` gets each event's data. A stream the server
 * refuses (the session ended) signals SESSION_ENDED.
 */
export function follow(path: string, on: Record<string, (data: unknown) => void>): () => void {
  const source = new EventSource(path);
  for (const [event, handler] of Object.entries(on)) source.addEventListener(event, (e) => handler(JSON.parse((e as MessageEvent<string>).data)));
  const ended = () => window.dispatchEvent(new Event(SESSION_ENDED));
  source.addEventListener('session-ended', () => {
    source.close();
    ended();
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) return;
    void currentSession().then((s) => s || ended(), () => undefined);
  });
  return () => source.close();
}
