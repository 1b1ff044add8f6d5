/**
 * The webhook's part of `slipway.io/reconcile=Auto`: whoever turns Auto on must be allowed to
 * create ClusterOperations, and is recorded, signed, in `slipway.io/reconcile-by` (the controller
 * creates Auto's operations as that user). Nobody writes that annotation but the webhook; it goes
 * when Auto does (an update that merely leaves it out keeps it). A generated operation (signed by the controller in `slipway.io/generated`) is
 * admitted as the user recorded, not as the controller that created it.
 */
import type { Author } from '../api/admission-stamp.js';
import type { OperationCreatorReview } from '../api/access-review.js';
import { GENERATED_ANNOTATION, GENERATED_MAX_AGE_MS, RECONCILE_BY_ANNOTATION, signReconcileBy, verifyGenerated, verifyReconcileBy } from '../api/reconcile-authority.js';
import type { ClusterOperationSpec } from '../api/types.js';
import { RECONCILE_ANNOTATION } from '../desired/reconcile-annotations.js';

export type AnnotationPatch = { op: 'add'; path: string; value: string } | { op: 'remove'; path: string };
export type ReconcileByVerdict = { refused: string } | { patch: AnnotationPatch[] };

interface Meta {
  name?: string;
  annotations?: Record<string, string>;
}

const BY_PATH = `/metadata/annotations/${RECONCILE_BY_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`;
const isAuto = (value: string | undefined): boolean => (value ?? '').trim().toLowerCase() === 'auto';

export async function reconcileByVerdict(
  o: { operation: string; user: Author; object: Meta | undefined; old: Meta | undefined; key: Buffer; mayCreate?: OperationCreatorReview; now: Date },
): Promise<ReconcileByVerdict> {
  const name = o.object?.name ?? '';
  const annotations = o.object?.annotations ?? {};
  const before = o.operation === 'UPDATE' ? (o.old?.annotations ?? {}) : {};
  const old = before[RECONCILE_BY_ANNOTATION];
  // A whole object written back without it (kubectl replace, a GitOps tool): kept, not refused.
  const dropped = annotations[RECONCILE_BY_ANNOTATION] === undefined && old !== undefined;
  const given = dropped ? old : annotations[RECONCILE_BY_ANNOTATION];
  const fresh = (value: string | undefined): boolean => {
    const check = verifyReconcileBy(o.key, name, value);
    return check.ok && o.now.getTime() - Date.parse(check.body.at) < GENERATED_MAX_AGE_MS;
  };
  // A value this webhook set moments ago passes again (the apiserver may call it twice, reinvocationPolicy IfNeeded).
  const ownJustNow = given !== old && fresh(given);
  if (given !== old && !ownJustNow) {
    return { refused: `annotation ${RECONCILE_BY_ANNOTATION} is written by the admission webhook only (the user who sets ${RECONCILE_ANNOTATION}=Auto); remove it from the request` };
  }
  if (!isAuto(annotations[RECONCILE_ANNOTATION])) return { patch: given !== undefined && !dropped ? [{ op: 'remove', path: BY_PATH }] : [] };
  const stillValid = isAuto(before[RECONCILE_ANNOTATION]) && old !== undefined && verifyReconcileBy(o.key, name, old).ok;
  if (stillValid || ownJustNow) return { patch: dropped ? [{ op: 'add', path: BY_PATH, value: old }] : [] };
  const may = await o.mayCreate?.(o.user);
  if (may && !may.allowed) return { refused: `${RECONCILE_ANNOTATION}=Auto creates ClusterOperations as the user who sets it, and ${may.why}` };
  return { patch: [{ op: 'add', path: BY_PATH, value: signReconcileBy(o.key, name, o.user, o.now) }] };
}

/** The user a generated operation is admitted as; undefined if it does not claim to be generated. */
export async function generatedAuthor(
  o: { name: string; spec: ClusterOperationSpec; annotations: Record<string, string> | undefined; key: Buffer; mayCreate?: OperationCreatorReview; now: Date },
): Promise<{ author: Author } | { refused: string } | undefined> {
  const value = o.annotations?.[GENERATED_ANNOTATION];
  if (value === undefined) return undefined;
  const check = verifyGenerated(o.key, o.name, o.spec, value, o.now);
  if (!check.ok) return { refused: `annotation ${GENERATED_ANNOTATION} is the controller's (Auto's operations): ${check.why}` };
  const may = await o.mayCreate?.(check.body.author);
  if (may && !may.allowed) return { refused: `it is generated for ${RECONCILE_ANNOTATION}=Auto, and ${may.why}` };
  return { author: check.body.author };
}
