/** Capped exponential backoff with "equal jitter": retries of many clients spread out instead of stampeding, yet never retry at once. */
export interface BackoffOptions {
  /** Delay cap of the first retry, in ms. */
  initialMs: number;
  /** No delay exceeds this, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** The delay before retry number `attempt` (0-based): uniform in [cap/2, cap], cap = min(max, initial·2^attempt). */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const cap = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
