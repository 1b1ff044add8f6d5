import { backoffDelay, type BackoffOptions } from '../util/backoff.js';

/** Reconcile retries: from about a second up to a minute, per key. */
export const RECONCILE_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 60_000 };

/**
 * Per-key retry delays: each failure in a row of the same key waits longer (see backoff.ts), a
 * success forgets the key, so one failing operation neither hammers the API nor slows the others.
 */
export class RetrySchedule {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly opts: BackoffOptions = RECONCILE_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Records a failure of `key`; returns how long to wait before retrying it, in ms. */
  failed(key: string): number {
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    return backoffDelay(attempt, this.opts, this.random);
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }

  /** Failures in a row of `key` (0 after a success). */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
