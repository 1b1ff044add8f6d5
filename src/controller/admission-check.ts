/**
 * The controller's side of admission, when an operation's turn starts: the operation and its
 * Cluster must carry stamps this controller's key signed over their refs as they are now, and the
 * operation's author must still be allowed to get every ConfigMap and Secret the operation and
 * the Cluster's current spec name. An object created while the webhook was away, a stamp copied
 * or forged, or a Cluster re-pointed at refs the author cannot read: the operation fails, unrun.
 */
import type { ObjectSource } from '../api/object-source.js';
import { CLUSTER_KIND, CLUSTER_OPERATION_KIND, type Cluster, type ClusterOperation, type ClusterOperationStatus } from '../api/types.js';
import { specDigest } from '../status/operation-status.js';
import type { AccessReviewer } from '../api/access-review.js';
import { ADMITTED_ANNOTATION, stampTargets, verifyStamp, type Author, type StampCheck } from '../api/admission-stamp.js';
import { clusterRefs, describeRef, operationRefs, refsDigest, type NamedRef } from '../api/object-refs.js';

export interface AdmissionGate {
  key: Buffer;
  /** No ref may point into it (the controller's namespace, where the webhook's Secret is). */
  protectedNamespace: string;
  review: AccessReviewer;
  /** How long before its object's creation a stamp may have been made (default {@link STAMP_LEAD_MS}). */
  stampLeadMs?: number;
}

export type AdmissionProblemCode = 'not-admitted' | 'ref-forbidden';

export interface AdmissionProblem {
  code: AdmissionProblemCode;
  message: string;
}

/** The operation's author if it may run with `cluster` as it is now; else the problem. */
export async function checkAdmitted(gate: AdmissionGate, op: ClusterOperation, cluster: Cluster | undefined): Promise<{ author: Author } | { problem: AdmissionProblem }> {
  const opId = `ClusterOperation/${op.metadata.name ?? ''}`;
  const own = operationRefs(op.spec);
  const opStamp = stampOf(gate, op, stampTargets(CLUSTER_OPERATION_KIND, op.metadata), refsDigest(own, op.spec.cluster));
  if (!opStamp.ok) return { problem: { code: 'not-admitted', message: `${opId} was not admitted by the webhook: ${opStamp.why}` } };
  const author = opStamp.body.author;
  const refs: (NamedRef & { owner: string })[] = own.map((r) => ({ ...r, owner: opId }));
  if (cluster) {
    const clusterId = `Cluster/${cluster.metadata.name ?? ''}`;
    const theirs = clusterRefs(cluster.spec);
    const clusterStamp = stampOf(gate, cluster, stampTargets(CLUSTER_KIND, cluster.metadata), refsDigest(theirs));
    if (!clusterStamp.ok) return { problem: { code: 'not-admitted', message: `${clusterId} was not admitted by the webhook: ${clusterStamp.why}` } };
    refs.push(...theirs.map((r) => ({ ...r, owner: clusterId })));
  }
  for (const r of refs) {
    if (r.ref.namespace === gate.protectedNamespace) return { problem: { code: 'ref-forbidden', message: `${r.owner} ${r.key} (${describeRef(r)}) points into the controller's namespace` } };
  }
  const decisions = await Promise.all(refs.map(async (r) => ({ r, d: await gate.review(author, r) })));
  const denied = decisions.filter(({ d }) => !d.allowed).map(({ r, d }) => `${r.owner} ${r.key} (${describeRef(r)}): ${d.why}`);
  if (denied.length > 0) return { problem: { code: 'ref-forbidden', message: `its author may no longer use what it runs with: ${denied.join('; ')}` } };
  return { author };
}

/**
 * A stamp made well before the object existed is one copied from an earlier object of that name
 * (no uid exists yet when the webhook stamps a new object, so the stamp cannot name one). The
 * lead allows for the admission chain's time (at most 30 s per webhook) and clock skew.
 */
export const STAMP_LEAD_MS = 60_000;

function stampOf(gate: AdmissionGate, obj: Cluster | ClusterOperation, targets: readonly string[], digest: string): StampCheck {
  const check = verifyStamp(gate.key, obj.metadata.annotations?.[ADMITTED_ANNOTATION], targets, digest);
  if (!check.ok) return check;
  const created = new Date(obj.metadata.creationTimestamp as unknown as string).getTime();
  if (Date.parse(check.body.at) < created - (gate.stampLeadMs ?? STAMP_LEAD_MS)) return { ok: false, why: `its ${ADMITTED_ANNOTATION} annotation was made at ${check.body.at}, before it was created: it is an earlier object's` };
  return check;
}

/** Failed before anything ran, with the problem's code first. */
export function notAdmittedStatus(op: ClusterOperation, problem: AdmissionProblem, now: Date): ClusterOperationStatus {
  return {
    action: op.spec.action,
    status: 'Failed',
    startTime: now.toISOString(),
    endTime: now.toISOString(),
    digest: specDigest(op.spec),
    hasModified: false,
    message: `${problem.code}: ${problem.message}`,
  };
}

/** `inner`, except that `cluster` is the one read for its name: the turn runs with the Cluster it checked. */
export function withCheckedCluster(inner: ObjectSource, cluster: Cluster): ObjectSource {
  const name = cluster.metadata.name;
  return {
    getCluster: (n) => (n === name ? Promise.resolve(cluster) : inner.getCluster(n)),
    getConfigMap: (ref) => inner.getConfigMap(ref),
    getSecret: (ref) => inner.getSecret(ref),
  };
}
