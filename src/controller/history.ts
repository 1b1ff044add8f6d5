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

/**
 * The finished operations of `cluster` to delete so that only the `keep` newest finished ones
 * remain; operations that are running, waiting or not started are never chosen.
 */
export function operationsToPrune(ops: readonly ClusterOperation[], cluster: string, keep: number): ClusterOperation[] {
  if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`keep must be a whole number ≥ 0, not ${keep}`);
  return ops
    .filter((op) => op.spec.cluster === cluster && isFinished(op))
    .sort(newestFirst)
    .slice(keep);
}
