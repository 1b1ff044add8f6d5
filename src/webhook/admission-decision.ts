/**
 * What the webhook answers for one AdmissionRequest of a Cluster or ClusterOperation: every ref
 * the object uses (an operation: also its Cluster's) authorised as the requesting user, refs into
 * the controller's namespace refused, and the stamp set (or kept, or removed) by a JSON patch.
 */
import { CLUSTER_KIND, CLUSTER_OPERATION_KIND, type Cluster, type ClusterOperationSpec, type ClusterSpec } from '../api/types.js';
import type { AccessReviewer, OperationCreatorReview } from '../api/access-review.js';
import { ADMITTED_ANNOTATION, signStamp, stampTargets, verifyStamp, type Author } from '../api/admission-stamp.js';
import { clusterRefs, describeRef, operationRefs, refsDigest, type NamedRef } from '../api/object-refs.js';
import { generatedAuthor, reconcileByVerdict } from './reconcile-by.js';

export interface AdmissionRequest {
  uid: string;
  kind: { group?: string; version?: string; kind: string };
  operation: string;
  userInfo: Author;
  object?: AdmittedObject;
  oldObject?: AdmittedObject | null;
}

interface AdmittedObject {
  metadata?: { name?: string; generateName?: string; annotations?: Record<string, string> };
  spec?: unknown;
}

export interface AdmissionDeps {
  key: Buffer;
  /** The controller's namespace: no ref may point into it, and its service accounts earn no stamp. */
  protectedNamespace: string;
  review: AccessReviewer;
  /** The Cluster an operation names, read with the webhook's own rights; undefined if none. */
  getCluster: (name: string) => Promise<Cluster | undefined>;
  /** Whether a user may create ClusterOperations (setting reconcile Auto asks for it); unset: not asked. */
  mayCreateOperations?: OperationCreatorReview;
  now?: () => Date;
}

export type JsonPatchOp = { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

export interface AdmissionVerdict {
  allowed: boolean;
  message?: string;
  patch?: JsonPatchOp[];
}

/** A ref together with whose spec names it (the operation's own, or its Cluster's). */
interface CheckedRef extends NamedRef {
  owner: string;
}

const ANNOTATION_PATH = `/metadata/annotations/${ADMITTED_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`;

export async function decideAdmission(req: AdmissionRequest, deps: AdmissionDeps): Promise<AdmissionVerdict> {
  const kind = req.kind.kind;
  const obj = req.object;
  if ((kind !== CLUSTER_KIND && kind !== CLUSTER_OPERATION_KIND) || !obj || (req.operation !== 'CREATE' && req.operation !== 'UPDATE')) return { allowed: true };
  const targets = stampTargets(kind, obj.metadata);
  // What this admission stamps: the name, or the generateName prefix of an object not named yet.
  const objectId = targets[0]!;
  const opSpec = kind === CLUSTER_OPERATION_KIND ? (obj.spec as Partial<ClusterOperationSpec> | undefined) : undefined;
  const own = kind === CLUSTER_KIND ? clusterRefs(obj.spec as Partial<ClusterSpec> | undefined) : operationRefs(opSpec);
  const digest = refsDigest(own, opSpec?.cluster);
  const given = obj.metadata?.annotations?.[ADMITTED_ANNOTATION];
  const now = deps.now?.() ?? new Date();

  let reconcilePatch: JsonPatchOp[] = [];
  if (kind === CLUSTER_KIND) {
    const verdict = await reconcileByVerdict({ operation: req.operation, user: req.userInfo, object: obj.metadata, old: req.oldObject?.metadata, key: deps.key, ...(deps.mayCreateOperations ? { mayCreate: deps.mayCreateOperations } : {}), now });
    if ('refused' in verdict) return { allowed: false, message: `${objectId} is refused: ${verdict.refused}` };
    reconcilePatch = verdict.patch;
  }

  if (req.operation === 'UPDATE') {
    // Refs unchanged under a valid stamp: the stamp stays, whoever edits labels or finalizers.
    const old = req.oldObject?.metadata?.annotations?.[ADMITTED_ANNOTATION];
    if (old !== undefined && verifyStamp(deps.key, old, targets, digest).ok) return { allowed: true, patch: [...(given === old ? [] : [setStamp(obj, old)]), ...reconcilePatch] };
    // The controller reads every Secret: its own edits must never vouch for refs nobody checked.
    if (req.userInfo.username.startsWith(`system:serviceaccount:${deps.protectedNamespace}:`)) return { allowed: true, patch: [...(given === undefined ? [] : [{ op: 'remove' as const, path: ANNOTATION_PATH }]), ...reconcilePatch] };
  }

  // An operation Auto generated is admitted as the user who set Auto, not as the controller that created it.
  let author: Author = req.userInfo;
  if (opSpec && req.operation === 'CREATE') {
    const generated = await generatedAuthor({ name: obj.metadata?.name ?? '', spec: opSpec as ClusterOperationSpec, annotations: obj.metadata?.annotations, key: deps.key, ...(deps.mayCreateOperations ? { mayCreate: deps.mayCreateOperations } : {}), now });
    if (generated && 'refused' in generated) return { allowed: false, message: `${objectId} is refused: ${generated.refused}` };
    if (generated) author = generated.author;
  }

  const refs: CheckedRef[] = own.map((r) => ({ ...r, owner: objectId }));
  if (opSpec?.cluster) {
    const cluster = await deps.getCluster(opSpec.cluster);
    // No Cluster yet: the controller checks the operation's author against it when its turn comes.
    if (cluster) refs.push(...clusterRefs(cluster.spec).map((r) => ({ ...r, owner: `Cluster/${opSpec.cluster}` })));
  }
  const refusals = await refuse(refs, author, deps);
  if (refusals.length > 0) return { allowed: false, message: `${objectId} is refused: ${refusals.join('; ')}` };
  const stamp = signStamp(deps.key, { v: 1, object: objectId, refs: digest, author: authorOf(author), at: now.toISOString() });
  return { allowed: true, patch: [setStamp(obj, stamp), ...reconcilePatch] };
}

/** Each refused ref, as `<owner> <key> (<resource> ns/name): why`. */
async function refuse(refs: readonly CheckedRef[], user: Author, deps: AdmissionDeps): Promise<string[]> {
  const where = (r: CheckedRef) => `${r.owner} ${r.key} (${describeRef(r)})`;
  const reviews = new Map<string, ReturnType<AccessReviewer>>();
  const out = await Promise.all(
    refs.map(async (r) => {
      if (r.ref.namespace === deps.protectedNamespace) return `${where(r)}: namespace ${r.ref.namespace} is the controller's own; no ref may point into it`;
      const id = `${r.resource}/${r.ref.namespace}/${r.ref.name}`;
      let pending = reviews.get(id);
      if (!pending) reviews.set(id, (pending = deps.review(user, r)));
      const decision = await pending;
      return decision.allowed ? undefined : `${where(r)}: ${decision.why}`;
    }),
  );
  return out.filter((m): m is string => m !== undefined);
}

function authorOf(u: Author): Author {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), ...(u.groups ? { groups: u.groups } : {}), ...(u.extra ? { extra: u.extra } : {}) };
}

function setStamp(obj: AdmittedObject, stamp: string): JsonPatchOp {
  if (!obj.metadata?.annotations) return { op: 'add', path: '/metadata/annotations', value: { [ADMITTED_ANNOTATION]: stamp } };
  return { op: 'add', path: ANNOTATION_PATH, value: stamp };
}
