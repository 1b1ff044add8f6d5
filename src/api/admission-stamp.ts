/**
 * The stamp the admission webhook puts on what it admitted: who wrote the refs and a digest of
 * the refs it checked, signed (HMAC-SHA256) with a key only the controller holds. The controller
 * trusts an object's refs only under a stamp that verifies and whose digest matches them now.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ADMITTED_ANNOTATION = 'slipway.io/admitted';
const STAMP_VERSION = 1;

/** The requesting user as the apiserver authenticated them (AdmissionReview userInfo). */
export interface Author {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface StampBody {
  v: typeof STAMP_VERSION;
  /** `Cluster/<name>` or `ClusterOperation/<name>`: a stamp is not valid on another object. */
  object: string;
  refs: string;
  author: Author;
  at: string;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

export function signStamp(key: Buffer, body: StampBody): string {
  const payload = b64(JSON.stringify(body));
  return `${payload}.${b64(mac(key, payload))}`;
}

/**
 * The names a stamp on this object may have been made for: `<Kind>/<name>`, and for an object
 * created with generateName `<Kind>/<generateName>*` (the apiserver picks the name after
 * admission, so the webhook saw only the prefix).
 */
export function stampTargets(kind: string, metadata: { name?: string; generateName?: string } | undefined): string[] {
  const name = metadata?.name ?? '';
  const prefix = metadata?.generateName;
  const generated = prefix !== undefined && name.startsWith(prefix) ? [`${kind}/${prefix}*`] : [];
  return name ? [`${kind}/${name}`, ...generated] : [`${kind}/${prefix ?? ''}*`];
}

export type StampCheck = { ok: true; body: StampBody } | { ok: false; why: string };

/** Verifies the signature, the object it names and the refs digest it vouches for. */
export function verifyStamp(key: Buffer, value: string | undefined, object: string | readonly string[], refs: string): StampCheck {
  if (!value) return { ok: false, why: `it has no ${ADMITTED_ANNOTATION} annotation` };
  const [payload = '', signature = '', ...more] = value.split('.');
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (more.length > 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: `its ${ADMITTED_ANNOTATION} annotation is not signed by this controller's key` };
  let body: StampBody;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as StampBody;
  } catch {
    return { ok: false, why: `its ${ADMITTED_ANNOTATION} annotation cannot be read` };
  }
  if (body.v !== STAMP_VERSION || typeof body.author?.username !== 'string') return { ok: false, why: `its ${ADMITTED_ANNOTATION} annotation has an unknown form` };
  if (typeof object === 'string' ? body.object !== object : !object.includes(body.object)) return { ok: false, why: `its ${ADMITTED_ANNOTATION} annotation was made for ${body.object}` };
  if (body.refs !== refs) return { ok: false, why: 'its refs changed since they were admitted' };
  return { ok: true, body };
}
