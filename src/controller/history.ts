import type { ClusterOperation } from '../api/types.js';

const FINISHED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** Succeeded, Failed or Cancelled; Running, Waiting and not started ('' or no status) are not finished. */
export function isFinished(op: ClusterOperation): boolean {
  return FINISHED.has(op.status?.status ?? '');
}

function created(op: ClusterOperation): number {
  const t = op.metadata.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
}

/** Newest first: creation time, then name (as the turn order ranks them, reversed). */
function newestFirst(a: ClusterOperation, b: ClusterOperation): number {
  return created(b) - created(a) || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
}

/** Finished without ever starting (rejected, or refused before it could run): no startTime. */
export function neverRan(op: ClusterOperation): boolean {
  return isFinished(op) && !op.status?.startTime;
}

/**
 * The finished operations of `cluster` to delete so that only the `keep` newest finished ones
 * remain; operations that are running, waiting or not started are never chosen. Those that
 * never ran are counted apart (the `keep` newest of them stay too), so a burst of rejected
 * operations never evicts the history of operations that ran.
 */
export function operationsToPrune(ops: readonly ClusterOperation[], cluster: string, keep: number): ClusterOperation[] {
  if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`keep must be a whole number ≥ 0, not ${keep}`);
  const finished = ops.filter((op) => op.spec.cluster === cluster && isFinished(op)).sort(newestFirst);
  return [...finished.filter((op) => !neverRan(op)).slice(keep), ...finished.filter(neverRan).slice(keep)];
}
