/**
 * Deleting a cluster from the console, the pure part: the typed confirmation, the reset.yml
 * operation (marked so the console knows it is a deletion's), what a delete request does given
 * the operations so far, and which inputs may go with the Cluster (none another Cluster uses).
 */
import type { Cluster, ClusterOperation, ObjectRef } from '../api/types.js';
import { operationFor } from './cluster-changes.js';

/** On the reset.yml operation a deletion created: once it has succeeded, the console removes the objects. */
export const DELETION_ANNOTATION = 'slipway.kubean.io/console-deletion';

export const DEEP_DELETION_ACK = 'I understand this is a deep deletion and cannot be undone';

export function deletionRefusal(cluster: string, typed: unknown, understood: unknown): string | undefined {
  if (typed !== cluster) return `type the cluster's name (${cluster}) to confirm`;
  if (understood !== true) return `tick "${DEEP_DELETION_ACK}"`;
  return undefined;
}

export function resetOperation(cluster: string): ClusterOperation {
  const op = operationFor(cluster, 'delete', 'reset.yml');
  op.metadata.annotations = { [DELETION_ANNOTATION]: 'true' };
  return op;
}

const created = (o: ClusterOperation): string => {
  const t = o.metadata.creationTimestamp as unknown;
  return t instanceof Date ? t.toISOString() : typeof t === 'string' ? t : '';
};

/**
 * What a delete request does: run a reset (none yet, or the last one failed or was cancelled),
 * wait for the one under way, or remove the objects (the reset succeeded).
 */
export type DeletionStep = { run: 'reset' } | { wait: string } | { remove: 'objects' };

export function deletionStep(cluster: string, ops: Iterable<ClusterOperation>): DeletionStep {
  const last = [...ops]
    .filter((o) => o.spec?.cluster === cluster && o.metadata.annotations?.[DELETION_ANNOTATION] !== undefined)
    .sort((a, b) => created(b).localeCompare(created(a)))[0];
  const status = last?.status?.status;
  if (!last || status === 'Failed' || status === 'Cancelled') return { run: 'reset' };
  if (status === 'Succeeded') return { remove: 'objects' };
  return { wait: last.metadata.name ?? '' };
}

export interface DeletionTargets {
  operations: string[];
  configMaps: ObjectRef[];
  secrets: ObjectRef[];
  /** Inputs left in place because another Cluster uses them too. */
  shared: string[];
}

/** The cluster's operations, and the inputs its spec names that no other Cluster names. */
export function deletionTargets(cluster: Cluster, others: Iterable<Cluster>, ops: Iterable<ClusterOperation>): DeletionTargets {
  const name = cluster.metadata.name ?? '';
  const key = (r: ObjectRef) => `${r.namespace}/${r.name}`;
  const usedElsewhere = new Set<string>();
  for (const c of others) {
    if (c.metadata.name === name) continue;
    for (const r of [c.spec.hostsConfRef, c.spec.varsConfRef]) if (r) usedElsewhere.add(`ConfigMap ${key(r)}`);
    if (c.spec.sshAuthRef) usedElsewhere.add(`Secret ${key(c.spec.sshAuthRef)}`);
  }
  const shared: string[] = [];
  const keep = (kind: string) => (r: ObjectRef | undefined): r is ObjectRef => {
    if (!r) return false;
    if (!usedElsewhere.has(`${kind} ${key(r)}`)) return true;
    shared.push(`${kind} ${key(r)}`);
    return false;
  };
  const configMaps = [cluster.spec.hostsConfRef, cluster.spec.varsConfRef].filter(keep('ConfigMap'));
  const secrets = [cluster.spec.sshAuthRef].filter(keep('Secret'));
  return { operations: [...ops].filter((o) => o.spec?.cluster === name).map((o) => o.metadata.name ?? ''), configMaps, secrets, shared };
}
