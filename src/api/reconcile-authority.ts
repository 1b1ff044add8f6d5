/**
 * Whose authority `slipway.io/reconcile=Auto` carries. The admission webhook records the user who
 * set Auto in `slipway.io/reconcile-by`, signed with the stamps' key (nobody else can write a
 * value that verifies); the controller copies that user into each operation it generates, under
 * `slipway.io/generated`, signed over the operation's name and spec; the webhook then admits the
 * generated operation as that user, not as the controller.
 */
import { createHash } from 'node:crypto';
import { ADMITTED_ANNOTATION, signStamp, verifyStamp, type Author, type StampCheck } from './admission-stamp.js';
import type { ClusterOperationSpec } from './types.js';

export const RECONCILE_BY_ANNOTATION = 'slipway.io/reconcile-by';
export const GENERATED_ANNOTATION = 'slipway.io/generated';
export const GENERATED_BY_LABEL = 'slipway.io/generated-by';
export const GENERATED_BY_RECONCILE = 'reconcile';
/** `generation=<n> inputs=<fingerprint>`: what caused a generated operation. */
export const GENERATED_FOR_ANNOTATION = 'slipway.io/generated-for';
export const GENERATED_REASON_ANNOTATION = 'slipway.io/generated-reason';

/** The stamps' `refs` field, so that neither value passes for an admission stamp (or the other). */
const RECONCILE_BY_REFS = 'reconcile-by:Auto';
/** What a generated operation runs, so a signature is not valid on another spec. */
function generatedRefs(spec: ClusterOperationSpec): string {
  const { cluster, actionType, action, actionSource, actionSourceRef, extraArgs, preHook, postHook } = spec;
  const fields = JSON.stringify([cluster, actionType, action, actionSource ?? 'builtin', actionSourceRef ?? null, extraArgs ?? '', preHook ?? [], postHook ?? []]);
  return `generated:${createHash('sha256').update(fields).digest('base64url')}`;
}

const REFS_CHANGED = 'its refs changed since they were admitted';

/** A generated operation's signature is made just before it is created: an older one is a copy. */
export const GENERATED_MAX_AGE_MS = 60_000;

export function signReconcileBy(key: Buffer, cluster: string, author: Author, now: Date): string {
  return signStamp(key, { v: 1, object: `Cluster/${cluster}`, refs: RECONCILE_BY_REFS, author, at: now.toISOString() });
}

export function verifyReconcileBy(key: Buffer, cluster: string, value: string | undefined): StampCheck {
  const check = verifyStamp(key, value, `Cluster/${cluster}`, RECONCILE_BY_REFS);
  return check.ok ? check : { ok: false, why: check.why.replaceAll(ADMITTED_ANNOTATION, RECONCILE_BY_ANNOTATION) };
}

export function signGenerated(key: Buffer, name: string, spec: ClusterOperationSpec, author: Author, now: Date): string {
  return signStamp(key, { v: 1, object: `ClusterOperation/${name}`, refs: generatedRefs(spec), author, at: now.toISOString() });
}

/** The user a generated operation runs as, if its signature holds for this name and spec and is fresh. */
export function verifyGenerated(key: Buffer, name: string, spec: ClusterOperationSpec, value: string | undefined, now: Date): StampCheck {
  const check = verifyStamp(key, value, `ClusterOperation/${name}`, generatedRefs(spec));
  if (!check.ok) return { ok: false, why: check.why === REFS_CHANGED ? 'it was signed for another spec' : check.why.replaceAll(ADMITTED_ANNOTATION, GENERATED_ANNOTATION) };
  const age = now.getTime() - Date.parse(check.body.at);
  if (!(age < GENERATED_MAX_AGE_MS)) return { ok: false, why: `its ${GENERATED_ANNOTATION} annotation was made at ${check.body.at}: an earlier operation's` };
  return check;
}
