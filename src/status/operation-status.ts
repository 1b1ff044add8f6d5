import { createHash } from 'node:crypto';
import { formatProblem, type InputError } from '../api/input-error.js';
import type { ClusterOperation, ClusterOperationStatus, OperationStep } from '../api/types.js';
import type { Plan } from '../engine/plan-types.js';
import type { OperationResult } from '../executors/types.js';

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

const deadlineOf = (plan?: Pick<Plan, 'activeDeadlineSeconds'>): Pick<ClusterOperationStatus, 'activeDeadlineSeconds'> =>
  plan?.activeDeadlineSeconds ? { activeDeadlineSeconds: plan.activeDeadlineSeconds } : {};

/** Status from a finished run; names the failing step, task and hosts, and the deadline it ran under. */
export function finishedStatus(op: ClusterOperation, result: OperationResult, plan?: Pick<Plan, 'activeDeadlineSeconds'>): ClusterOperationStatus {
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
  return {
    action: op.spec.action,
    status: result.status,
    startTime: result.startTime,
    endTime: result.endTime,
    digest: specDigest(op.spec),
    hasModified: false,
    steps,
    ...deadlineOf(plan),
    ...(failed
      ? {
          message: failed.message,
          failedStep: failed.step,
          ...(failed.task ? { failedTask: failed.task } : {}),
          failedHosts: failed.hosts,
        }
      : { message: `${result.steps.length} step(s) succeeded` }),
  };
}

/** Status of an operation rejected before anything ran: Failed, with every problem listed. */
export function rejectedStatus(op: ClusterOperation, err: InputError, now: Date): ClusterOperationStatus {
  return {
    action: op.spec?.action,
    status: 'Failed',
    startTime: now.toISOString(),
    endTime: now.toISOString(),
    ...(op.spec ? { digest: specDigest(op.spec) } : {}),
    hasModified: false,
    message: `rejected before running: ${err.problems.filter((p) => p.severity === 'error').map(formatProblem).join('; ')}`,
  };
}
