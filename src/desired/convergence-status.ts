/** status.convergence from a ClusterDiff, bounded whatever the cluster's size. Pure. */
import { clip } from '../api/input-error.js';
import type { ConvergenceStatus } from '../api/types.js';
import type { ClusterDiff } from './cluster-diff.js';

const MAX_PENDING = 20;
const MAX_BLOCKED = 10;
const MAX_TEXT = 1024;

const bounded = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

export function convergenceStatus(diff: ClusterDiff): ConvergenceStatus {
  const { plan } = diff;
  return {
    mode: diff.mode,
    ...(plan.operations.length > 0
      ? {
          pending: plan.operations.slice(0, MAX_PENDING).map((op) => ({
            action: op.action,
            ...(op.extraArgs ? { extraArgs: bounded(op.extraArgs) } : {}),
            reason: bounded(op.reason),
            ...(op.needsApproval ? { heldFor: bounded(op.needsApproval) } : {}),
          })),
        }
      : {}),
    ...(plan.blocked.length > 0 ? { blocked: plan.blocked.slice(0, MAX_BLOCKED).map(bounded) } : {}),
    ...(plan.paused ? { paused: true } : {}),
    ...(plan.waiting ? { waiting: bounded(plan.waiting) } : {}),
  };
}

export function convergenceProblem(mode: string, message: string): ConvergenceStatus {
  return { mode: clip(mode, 20).slice(1, -1), problem: bounded(message) };
}
