import type { ClusterCondition, ClusterOperation, ClusterPhase, ClusterStatus, ObjectRef } from '../api/types.js';
import type { Plan } from '../engine/plan-types.js';
import { digestAfter } from '../engine/control-plane-change.js';
import { operationKind } from '../engine/kubespray-actions.js';
import { healthOf } from './cluster-health.js';
import { phaseAfter, phaseBefore, phaseWhileRunning } from './cluster-phase.js';

export interface ClusterStatusInput {
  previous: ClusterStatus | undefined;
  operation: ClusterOperation;
  /** The plan's view of the cluster: main --limit, node roles, kube_version. */
  cluster: Plan['clusterFacts'];
  /**
   * undefined while the operation runs. `changedNothing`: it failed before any host changed (its
   * first check refused it), so the cluster is as it was and so is its phase.
   */
  outcome?: { succeeded: boolean; healthy?: boolean; changedNothing?: boolean; cancelled?: boolean; startTime: string; endTime?: string };
}

/**
 * The Cluster's status for an operation that runs or has ended: phase, node counts from the
 * inventory, and kubean's per-operation condition (replacing an earlier one of the same op).
 * Pure: computed here, written once by the caller.
 */
export function clusterStatusFor(i: ClusterStatusInput): ClusterStatus {
  const kind = operationKind(i.operation.spec.action, i.cluster.limit);
  const previousPhase = i.previous?.phase;
  let phase: ClusterPhase | undefined;
  if (!i.outcome || i.outcome.endTime === undefined) phase = phaseWhileRunning(kind) ?? previousPhase;
  // A cancelled ping changes nothing; a cancelled lifecycle change leaves the cluster half-way: Abnormal.
  else if (!i.outcome.succeeded && (i.outcome.changedNothing || (i.outcome.cancelled && !phaseWhileRunning(kind)))) phase = phaseWhileRunning(kind) ? phaseBefore(healthOf(i.previous?.clusterConditions), outcomeBefore(i.previous, i.operation)) : previousPhase;
  else phase = phaseAfter({ kind, succeeded: i.outcome.succeeded, healthy: i.outcome.healthy, previous: previousPhase });

  const condition: ClusterCondition = {
    clusterOps: i.operation.metadata.name ?? '',
    status: !i.outcome?.endTime ? 'Running' : i.outcome.succeeded ? 'Succeeded' : 'Failed',
    ...(i.outcome?.startTime ? { startTime: i.outcome.startTime } : {}),
    ...(i.outcome?.endTime ? { endTime: i.outcome.endTime } : {}),
  };
  const conditions = withCondition(i.previous, condition);
  const rest = { ...i.previous };
  delete rest.phase;
  delete rest.controlPlaneDigest;
  const ended = i.outcome?.endTime !== undefined;
  const digest = ended ? digestAfter(kind, i.outcome!.succeeded, i.cluster.controlPlaneDigest, i.previous?.controlPlaneDigest) : i.previous?.controlPlaneDigest;
  return {
    ...rest,
    ...(phase ? { phase } : {}),
    controlPlaneCount: i.cluster.controlPlane.length,
    workerCount: i.cluster.workers.length,
    ...(i.cluster.kubernetesVersion ? { desiredVersion: i.cluster.kubernetesVersion } : {}),
    conditions,
    ...(digest ? { controlPlaneDigest: digest } : {}),
  };
}

/**
 * The Cluster's status for an operation that failed without a run to summarise (its Job was lost,
 * or it could not be dispatched), computed from what the Cluster shows: if it shows the operation
 * Running, it now shows it Failed, in the phase a failure leaves (Abnormal); counts, version and
 * digest stay as they were. Undefined when the Cluster does not show it running: nothing of the
 * operation reached the Cluster, so there is nothing to correct. Pure.
 */
/** `cancelled`: stopped on request, so an action that is no lifecycle change (ping.yml) leaves the phase as it was. */
export function clusterStatusAfterLostRun(previous: ClusterStatus | undefined, operation: ClusterOperation, endTime: string, cancelled = false): ClusterStatus | undefined {
  const name = operation.metadata.name ?? '';
  const running = previous?.conditions?.find((c) => c.clusterOps === name && c.status === 'Running');
  if (!running) return undefined;
  const kind = operationKind(operation.spec.action, undefined);
  const phase = cancelled && kind === 'other' ? previous?.phase : phaseAfter({ kind, succeeded: false, previous: previous?.phase });
  return {
    ...previous,
    ...(phase ? { phase } : {}),
    conditions: withCondition(previous, { ...running, status: 'Failed', endTime }),
  };
}

/** How the operation before `op` ended, by kubean's record (the newest entry other than op's). */
function outcomeBefore(previous: ClusterStatus | undefined, op: ClusterOperation): 'Succeeded' | 'Failed' | undefined {
  const others = (previous?.conditions ?? []).filter((c) => c.clusterOps !== op.metadata.name && (c.status === 'Succeeded' || c.status === 'Failed'));
  return others.at(-1)?.status as 'Succeeded' | 'Failed' | undefined;
}

/** kubean's per-operation conditions with `condition` replacing an earlier one of the same operation. */
function withCondition(previous: ClusterStatus | undefined, condition: ClusterCondition): ClusterCondition[] {
  return [...(previous?.conditions ?? []).filter((c) => c.clusterOps !== condition.clusterOps), condition];
}

/** The Cluster's status once its admin kubeconfig is stored in `ref`. Pure. */
export function withKubeconfigSecretRef(status: ClusterStatus, ref: ObjectRef): ClusterStatus {
  return { ...status, kubeconfigSecretRef: { namespace: ref.namespace, name: ref.name } };
}
