/**
 * The one base of Slipway's errors: a stable `code` and whether repeating the call can help.
 * A `permanent` error fails the operation with its message (BullMQ's UnrecoverableError idea);
 * any other error is retried with backoff.
 */
export class SlipwayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True when retrying cannot change the answer: the operation is to fail with the error's message. */
export const isPermanent = (err: unknown): err is SlipwayError => err instanceof SlipwayError && err.permanent;

/** Longest message an error carries into a status, a log line or the queue's failed-job record. */
export const MAX_ERROR_MESSAGE = 2048;

/** At most `max` characters of `text`, the cut said. */
export function clipText(text: string, max = MAX_ERROR_MESSAGE): string {
  if (text.length <= max) return text;
  const note = ` … (${text.length - max} more characters)`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}

/** The message of anything thrown, bounded. */
export function errorMessage(err: unknown, max = MAX_ERROR_MESSAGE): string {
  return clipText(err instanceof Error ? err.message : String(err), max);
}
