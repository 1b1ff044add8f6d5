import { ApiException } from '@kubernetes/client-node';
import { clipText, SlipwayError } from '../util/slipway-error.js';

/** The apiserver refused a write for a reason that asking again cannot change (400, 403, 404, 409, 413, 422). */
export class KubeRefusalError extends SlipwayError {
  constructor(
    readonly status: number,
    message: string,
    cause: unknown,
  ) {
    super('kube-refused', message, true, { cause });
  }
}

const MAX_REFUSAL_MESSAGE = 1024;

/**
 * The 4xx answers to a create that are final. 403 for an exhausted ResourceQuota is not (it
 * frees up as other Jobs end); 409 is, because callers handle "already exists" themselves
 * before asking; 429 and 5xx never are.
 */
function isFinal(err: ApiException<unknown>): boolean {
  if (![400, 403, 404, 409, 413, 422].includes(err.code)) return false;
  return !(err.code === 403 && /exceeded quota/i.test(statusMessage(err)));
}

/** The Status message the apiserver sent, else client-node's own message. */
function statusMessage(err: ApiException<unknown>): string {
  const body = typeof err.body === 'string' ? safeParse(err.body) : err.body;
  const message = body && typeof body === 'object' && 'message' in body ? (body as { message: unknown }).message : undefined;
  return typeof message === 'string' ? message : err.message;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * `err` as a permanent {@link KubeRefusalError} when it is a final refusal of `what` (the
 * apiserver's message, clipped), else `err` unchanged (to be retried).
 */
export function finalRefusal(err: unknown, what: string): unknown {
  if (!(err instanceof ApiException) || !isFinal(err)) return err;
  return new KubeRefusalError(err.code, clipText(`the apiserver refused to ${what} (HTTP ${err.code}): ${statusMessage(err)}`, MAX_REFUSAL_MESSAGE), err);
}
