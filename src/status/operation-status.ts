import { createHash } from 'node:crypto';
import type { InputError } from '../api/input-error.js';
import type { ClusterOperation, ClusterOperationStatus, ObjectRef, OperationStep } from '../api/types.js';
import type { Plan } from '../engine/plan-types.js';
import type { OperationResult } from '../executors/types.js';
import { problemSummary, warningSummary } from './bounded-status.js';

/** sha256 of the spec fields that decide what runs; a change after start sets hasModified. */
export function specDigest(spec: ClusterOperation['spec']): string {
  const fields = {
    actionType: spec.actionType,
    action: spec.action,
    actionSource: spec.actionSource ?? 'builtin',
    actionSourceRef: spec.actionSourceRef ?? null,
    extraArgs: spec.extraArgs ?? '',
    preHook: spec.preHook ?? [],
    postHook: spec.postHook ?? [],
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(fields)).digest('hex')}`;
}

type PlanFacts = Pick<Plan, 'activeDeadlineSeconds'> & Partial<Pick<Plan, 'warnings'>>;

const deadlineOf = (plan?: PlanFacts): Pick<ClusterOperationStatus, 'activeDeadlineSeconds'> =>
  plan?.activeDeadlineSeconds ? { activeDeadlineSeconds: plan.activeDeadlineSeconds } : {};

/** Status of an operation whose run was dispatched: Running since `startTime`, with the Job it runs as (if any). */
export function runningStatus(op: ClusterOperation, startTime: string, plan?: PlanFacts, jobRef?: ObjectRef): ClusterOperationStatus {
  return {
    action: op.spec.action,
    status: 'Running',
    startTime,
    digest: specDigest(op.spec),
    hasModified: false,
    ...(jobRef ? { jobRef } : {}),
    ...deadlineOf(plan),
    message: withWarnings(jobRef ? `running as Job ${jobRef.namespace}/${jobRef.name}` : 'running', plan?.warnings),
  };
}

/**
 * Status of an operation queued behind another one of its cluster; nothing of it has run. Written
 * once: it does not name the operation ahead (that changes with every turn); a cluster's
 * operations run one at a time, oldest first, so its place is what `kubectl get` lists before it.
 */
export function waitingStatus(op: ClusterOperation): ClusterOperationStatus {
  return {
    action: op.spec.action,
    status: 'Waiting',
    digest: specDigest(op.spec),
    hasModified: false,
    message: `waiting for its turn on cluster ${op.spec.cluster}: its operations run one at a time, oldest first`,
  };
}

/**
 * The status after the spec changed: hasModified is set once the digest differs from the one
 * recorded when the operation started (or was queued); the change is never run. Undefined when
 * nothing is to be written.
 */
export function modifiedStatus(op: ClusterOperation): ClusterOperationStatus | undefined {
  const status = op.status;
  if (!status?.digest || status.hasModified) return undefined;
  if (status.status !== 'Running' && status.status !== 'Succeeded' && status.status !== 'Failed' && status.status !== 'Cancelled') return undefined;
  return specDigest(op.spec) === status.digest ? undefined : { ...status, hasModified: true };
}

/** Status from a finished run; names the failing step, task and hosts, and the deadline it ran under. */
export function finishedStatus(op: ClusterOperation, result: OperationResult, plan?: PlanFacts, jobRef?: ObjectRef): ClusterOperationStatus {
  const steps = result.steps.map(
    (s): OperationStep => ({
      name: s.name,
      role: s.role,
      status: s.status,
      startTime: s.startTime,
      endTime: s.endTime,
      ...(s.message ? { message: s.message } : {}),
    }),
  );
  const failed = result.failed;
  const base: ClusterOperationStatus = {
    action: op.spec.action,
    status: result.cancelled ? 'Cancelled' : result.status,
    startTime: result.startTime,
    endTime: result.endTime,
    digest: specDigest(op.spec),
    hasModified: false,
    ...(jobRef ? { jobRef } : {}),
    steps,
    ...deadlineOf(plan),
  };
  if (result.cancelled) return { ...base, message: withWarnings(result.cancelled, plan?.warnings) };
  return {
    ...base,
    ...(failed
      ? {
          message: withWarnings(failed.message, plan?.warnings),
          failedStep: failed.step,
          ...(failed.task ? { failedTask: failed.task } : {}),
          failedHosts: failed.hosts,
        }
      : { message: withWarnings(`${result.steps.length} step(s) succeeded`, plan?.warnings) }),
  };
}

/**
 * Status of an operation rejected before anything ran: Failed, listing its problems (at most
 * STATUS_BOUNDS.problems, then how many more). No startTime: it never started, and history
 * pruning counts it apart from the operations that ran.
 */
export function rejectedStatus(op: ClusterOperation, err: InputError, now: Date): ClusterOperationStatus {
  return {
    action: op.spec?.action,
    status: 'Failed',
    endTime: now.toISOString(),
    ...(op.spec ? { digest: specDigest(op.spec) } : {}),
    hasModified: false,
    message: `rejected before running: ${problemSummary(err.problems, err.omitted)}`,
  };
}

/** `message`, then the plan's warnings (what Slipway will not honour, plaintext secrets…), bounded. */
function withWarnings(message: string, warnings: readonly string[] | undefined): string {
  return warnings && warnings.length > 0 ? `${message}; ${warningSummary(warnings)}` : message;
}
