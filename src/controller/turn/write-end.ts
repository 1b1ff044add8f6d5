/**
 * The one place a turn's end is written: the operation's final status with its Cluster's, the
 * Events that announce it, the metrics, then what the ended run leaves behind (the executor's
 * objects, old operations beyond the history limit).
 */
import { ApiException } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation, type ClusterOperationStatus, type ObjectRef } from '../../api/types.js';
import { operationKind } from '../../engine/kubespray-actions.js';
import type { OperationResult } from '../../executors/types.js';
import { summariseFinished } from '../../operations/summarise.js';
import { clusterStatusAfterLostRun, withKubeconfigSecretRef } from '../../status/cluster-status.js';
import { finishedStatus } from '../../status/operation-status.js';
import { createRedactor } from '../../util/redact.js';
import type { ControllerScope } from '../controller-scope.js';
import { operationsToPrune } from '../history.js';
import { KubeconfigSecretError } from '../kubeconfig-secret.js';
import { ControllerMetrics } from '../metrics.js';
import { clusterTarget, opTarget, type TurnEnd, type TurnOutcome } from './operation-turn.js';

export async function writeEnd(scope: ControllerScope, op: ClusterOperation, end: TurnEnd): Promise<TurnOutcome> {
  switch (end.kind) {
    case 'ended':
      return { status: end.status };
    case 'rejected':
      return writeRejected(scope, op, end.status, end.reason);
    case 'failed':
      return writeFailed(scope, op, end.message, end.cancelled);
    case 'finished':
      return writeFinished(scope, op, end);
  }
}

/** Failed before anything ran (rejected, or not admitted): its status and a Warning Event say why. */
async function writeRejected(scope: ControllerScope, op: ClusterOperation, status: ClusterOperationStatus, reason: string): Promise<TurnOutcome> {
  scope.metrics?.operationEnded(operationKind(op.spec.action, undefined), 'Rejected');
  await scope.status.operation(op.metadata.name!, op.metadata.uid, status);
  await scope.events.record(opTarget(op), 'Warning', reason, status.message ?? reason);
  await prune(scope, op.spec.cluster);
  return { status: 'Failed' };
}

/**
 * Failed without a plan's result. A Cluster that shows it running is written too, so it does not
 * stay in the operation's phase (Upgrading…) for good.
 */
async function writeFailed(scope: ControllerScope, op: ClusterOperation, message: string, cancelled: boolean): Promise<TurnOutcome> {
  const now = new Date().toISOString();
  const result = { status: 'Failed' as const, startTime: op.status?.startTime ?? now, endTime: now, steps: [], failed: { step: 'job', hosts: [], message }, ...(cancelled ? { cancelled: message } : {}) };
  const { startTime, ...unstarted } = finishedStatus(op, result, undefined, op.status?.jobRef);
  // Without a startTime it never ran: history pruning counts it apart from the operations that ran.
  const status: ClusterOperationStatus = op.status?.startTime ? { ...unstarted, startTime } : unstarted;
  const cluster = await scope.source.getCluster(op.spec.cluster);
  const clusterStatus = await scope.status.pair(op, status, cluster, (previous) => clusterStatusAfterLostRun(previous, op, now, cancelled));
  const outcome = status.status === 'Cancelled' ? 'Cancelled' : 'Failed';
  await scope.events.record(opTarget(op), 'Warning', outcome, message);
  scope.metrics?.operationEnded(operationKind(op.spec.action, undefined), outcome);
  if (clusterStatus) {
    await scope.events.record(clusterTarget(op.spec.cluster, cluster?.metadata.uid), 'Warning', `Operation${outcome}`, `${op.metadata.name} (${op.spec.action}) ${outcome}; phase ${clusterStatus.phase ?? 'none'}`);
  }
  await scope.executor.release?.(op);
  await prune(scope, op.spec.cluster);
  return { status: outcome };
}

async function writeFinished(scope: ControllerScope, op: ClusterOperation, end: TurnEnd & { kind: 'finished' }): Promise<TurnOutcome> {
  const { plan, ref, result, cluster } = end;
  const kubeconfigRef = await storeKubeconfig(scope, op, result, cluster);
  const clusterStatus = await scope.status.pair(op, end.operation, cluster, (previous) => {
    const status = summariseFinished(op, plan, result, ref, previous).cluster;
    return kubeconfigRef ? withKubeconfigSecretRef(status, kubeconfigRef) : status;
  });
  const sinceEnd = ControllerMetrics.secondsSince(result.endTime);
  if (sinceEnd !== undefined) scope.metrics?.statusUpdateLatency.observe(sinceEnd);
  const ran = (Date.parse(result.endTime) - Date.parse(result.startTime)) / 1000;
  const ended = result.cancelled ? 'Cancelled' : result.status;
  scope.metrics?.operationEnded(operationKind(plan.action, plan.clusterFacts.limit), ended, Number.isFinite(ran) ? Math.max(0, ran) : undefined);
  const redact = createRedactor(plan.secrets);
  const type = result.status === 'Succeeded' ? 'Normal' : 'Warning';
  await Promise.all([
    scope.events.record(opTarget(op), type, ended, redact(end.operation.message ?? ended)),
    scope.events.record(
      clusterTarget(op.spec.cluster, cluster?.metadata.uid),
      type,
      `Operation${ended}`,
      redact(`${op.metadata.name} (${plan.action}) ${ended}${clusterStatus?.phase ? `; phase ${clusterStatus.phase}` : ''}`),
    ),
  ]);
  await scope.executor.release?.(op);
  await prune(scope, op.spec.cluster);
  scope.observeCluster?.(op.spec.cluster);
  return { status: ended };
}

/**
 * Stores the kubeconfig an install fetched (either executor hands it back) in the Cluster's
 * Secret; the Cluster's status is to refer to the Secret returned. A Secret of that name that is
 * not the Cluster's is left alone: a Warning Event says so and the operation's own outcome stands.
 */
async function storeKubeconfig(scope: ControllerScope, op: ClusterOperation, result: OperationResult, cluster: Cluster | undefined): Promise<ObjectRef | undefined> {
  const kubeconfig = result.kubeconfig;
  if (result.status !== 'Succeeded' || kubeconfig === undefined || !cluster?.metadata.uid) return undefined;
  try {
    return await scope.kubeconfigs.store(cluster, kubeconfig);
  } catch (err) {
    if (!(err instanceof KubeconfigSecretError)) throw err;
    await scope.events.record(clusterTarget(op.spec.cluster, cluster.metadata.uid), 'Warning', 'KubeconfigNotStored', err.message);
    return undefined;
  }
}

/** Deletes the finished operations of `cluster` beyond the newest `historyLimit` (their Jobs and plan objects go with them). */
async function prune(scope: ControllerScope, cluster: string): Promise<void> {
  for (const old of operationsToPrune(scope.operations(), cluster, scope.historyLimit)) {
    try {
      await scope.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: old.metadata.name!, body: { preconditions: { uid: old.metadata.uid } } });
      scope.logger.info({ cluster, operation: old.metadata.name }, 'pruned a finished operation');
    } catch (err) {
      if (!(err instanceof ApiException && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}

