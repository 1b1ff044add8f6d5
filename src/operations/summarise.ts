import type { ClusterOperation, ClusterOperationStatus, ClusterStatus, ObjectRef } from '../api/types.js';
import type { Plan } from '../engine/plan-types.js';
import type { ExecutionRef, OperationResult } from '../executors/types.js';
import { clusterStatusFor } from '../status/cluster-status.js';
import { finishedStatus, runningStatus } from '../status/operation-status.js';
import { createRedactor, redactDeep } from '../util/redact.js';

/** What to write after a change: the operation's status and its Cluster's, both redacted. Pure. */
export interface StatusPair {
  operation: ClusterOperationStatus;
  cluster: ClusterStatus;
}

/** status.jobRef for a run that is a Job; a local run has none. */
export function jobRefOf(ref: ExecutionRef | undefined): ObjectRef | undefined {
  return ref?.executor === 'job' ? { namespace: ref.namespace, name: ref.name } : undefined;
}

/** The statuses once the run is dispatched: the operation Running, the Cluster in the phase the action implies. */
export function summariseRunning(op: ClusterOperation, plan: Plan, ref: ExecutionRef, startTime: string, previous: ClusterStatus | undefined): StatusPair {
  const redact = createRedactor(plan.secrets);
  return redactDeep(
    {
      operation: runningStatus(op, startTime, plan, jobRefOf(ref)),
      cluster: clusterStatusFor({ previous, operation: op, cluster: plan.clusterFacts, outcome: { succeeded: false, startTime } }),
    },
    redact,
  );
}

/** The statuses once the run ended. */
export function summariseFinished(op: ClusterOperation, plan: Plan, result: OperationResult, ref: ExecutionRef | undefined, previous: ClusterStatus | undefined): StatusPair {
  const redact = createRedactor(plan.secrets);
  return redactDeep(
    {
      operation: finishedStatus(op, result, plan, jobRefOf(ref)),
      cluster: clusterStatusFor({
        previous,
        operation: op,
        cluster: plan.clusterFacts,
        outcome: { succeeded: result.status === 'Succeeded', changedNothing: changedNothing(result), cancelled: result.cancelled !== undefined, startTime: result.startTime, endTime: result.endTime },
      }),
    },
    redact,
  );
}

/**
 * A run refused by its checks: every step that ran is an ansible run whose recap shows no host
 * changed, and it failed only at assertions or unreachable hosts. A step without a
 * recap (a shell step, or one cut short) may have changed anything, and so may a failed task of
 * another module (a `kubeadm upgrade` that failed half-way is not counted as changed).
 */
export function changedNothing(result: OperationResult): boolean {
  const ran = result.steps.filter((s) => s.status !== 'Skipped');
  if (ran.length === 0) return false;
  return ran.every(
    (s) =>
      s.status !== 'TimedOut' &&
      s.status !== 'Cancelled' &&
      Object.keys(s.hosts).length > 0 &&
      Object.values(s.hosts).every((h) => h.changed === 0) &&
      s.failures.every((f) => f.unreachable || f.check === true),
  );
}
