import type { ClusterCondition, ClusterOperation, ClusterPhase, ClusterStatus, ObjectRef } from '../api/types.js';
import type { Plan } from '../engine/plan-types.js';
import { digestAfter } from '../engine/control-plane-change.js';
import { operationKind } from '../engine/kubespray-actions.js';
import { phaseAfter, phaseWhileRunning } from './cluster-phase.js';

export interface ClusterStatusInput {
  previous: ClusterStatus | undefined;
  operation: ClusterOperation;
  /** The plan's view of the cluster: main --limit, node roles, kube_version. */
  cluster: Plan['clusterFacts'];
  /** undefined while the operation runs. */
  outcome?: { succeeded: boolean; healthy?: boolean; startTime: string; endTime?: string };
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
  else phase = phaseAfter({ kind, succeeded: i.outcome.succeeded, healthy: i.outcome.healthy, previous: previousPhase });

  const name = i.operation.metadata.name ?? '';
  const condition: ClusterCondition = {
    clusterOps: name,
    status: !i.outcome?.endTime ? 'Running' : i.outcome.succeeded ? 'Succeeded' : 'Failed',
    ...(i.outcome?.startTime ? { startTime: i.outcome.startTime } : {}),
    ...(i.outcome?.endTime ? { endTime: i.outcome.endTime } : {}),
  };
  const conditions = [...(i.previous?.conditions ?? []).filter((c) => c.clusterOps !== name), condition];
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
    ...(i.cluster.kubernetesVersion ? { kubernetesVersion: i.cluster.kubernetesVersion } : {}),
    conditions,
    ...(digest ? { controlPlaneDigest: digest } : {}),
  };
}

/** The Cluster's status once its admin kubeconfig is stored in `ref`. Pure. */
export function withKubeconfigSecretRef(status: ClusterStatus, ref: ObjectRef): ClusterStatus {
  return { ...status, kubeconfigSecretRef: { namespace: ref.namespace, name: ref.name } };
}
