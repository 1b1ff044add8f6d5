import type { Plan } from '../../engine/plan-types.js';
import { ClusterDeletedError, ensureClusterFinalizer } from '../cluster-deletion.js';
import { addRunFinalizer, cancelRequest, OperationCancelledError } from '../operation-cancel.js';
import type { OperationTurn } from './operation-turn.js';

/**
 * Planned, before anything runs: the Cluster is not being deleted, shares no host with another
 * Cluster (InputError), and carries the finalizer, so that deleting it waits for this run to stop.
 */
export async function guardCluster(turn: OperationTurn, plan: Plan): Promise<void> {
  const { scope, op } = turn;
  if (!scope.runs) return;
  if (scope.runs.isDeleting(op.spec.cluster)) throw new ClusterDeletedError(op.spec.cluster);
  const cluster = await turn.source.getCluster(op.spec.cluster);
  if (cluster?.metadata.deletionTimestamp) throw new ClusterDeletedError(op.spec.cluster);
  if (!cluster) return;
  scope.hostClaims?.claim(cluster, plan.hostAddresses);
  await ensureClusterFinalizer(scope.custom, cluster);
  await addRunFinalizer(scope.custom, op);
  const cancelled = cancelRequest(op) ?? scope.runs.cancelledReason(op.metadata.uid);
  if (cancelled) throw new OperationCancelledError(cancelled);
}
