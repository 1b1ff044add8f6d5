/**
 * Sessions kept in this process's memory only: a random id (the cookie) maps to the user's
 * token, who they are, and the CSRF token every write must echo in a header. A session ends at
 * logout, after `idleMs` without a request, or `maxMs` after login, whichever comes first.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  /** The bearer token the user signed in with: every apiserver call is made with it. */
  token: string;
  user: string;
  groups: string[];
  csrf: string;
  createdAt: number;
  seenAt: number;
}

export interface SessionLimits {
  idleMs: number;
  maxMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, maxMs: 8 * 3600_000 };

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Called when a session ends, so what it runs (watches) stops. */
  private readonly ended = new Map<string, (() => void)[]>();

  constructor(
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  create(token: string, user: string, groups: string[]): Session {
    const at = this.now();
    const s: Session = { id: randomBytes(32).toString('base64url'), token, user, groups, csrf: randomBytes(32).toString('base64url'), createdAt: at, seenAt: at };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id (its idle clock restarts), or undefined. */
  touch(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const at = this.now();
    if (this.expired(s, at)) {
      this.end(id);
      return undefined;
    }
    s.seenAt = at;
    return s;
  }

  /** Whether `header` is the session's CSRF token (compared in constant time). */
  csrfMatches(s: Session, header: string | undefined): boolean {
    if (!header) return false;
    const a = Buffer.from(header);
    const b = Buffer.from(s.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Calls `stop` when the session ends; the returned function forgets it (its stream ended first). */
  onEnd(id: string, stop: () => void): () => void {
    const list = this.ended.get(id) ?? [];
    list.push(stop);
    this.ended.set(id, list);
    return () => {
      const now = this.ended.get(id);
      if (now) this.ended.set(id, now.filter((f) => f !== stop));
    };
  }

  end(id: string): void {
    this.sessions.delete(id);
    for (const stop of this.ended.get(id) ?? []) stop();
    this.ended.delete(id);
  }

  /** Ends the sessions past their limits (called now and then; `touch` checks too). */
  sweep(): void {
    const at = this.now();
    for (const s of [...this.sessions.values()]) if (this.expired(s, at)) this.end(s.id);
  }

  private expired(s: Session, at: number): boolean {
    return at - s.seenAt > this.limits.idleMs || at - s.createdAt > this.limits.maxMs;
  }

  endAll(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }
}
