/**
 * What `Auto` does on one pass, pure: create the plan's first operation, or wait, or stay stopped.
 * One operation at a time (nothing is created while an operation of the Cluster is unfinished);
 * a generated operation that failed stops the sequence until a retry of it succeeds or the inputs
 * change (no retry storm); the step just carried out is not created again while the observed
 * status does not show it yet.
 */
import type { ConvergencePlan, PendingOperation } from './convergence-types.js';

/** One ClusterOperation of the Cluster, as the decision needs it. */
export interface OperationRecord {
  name: string;
  /** Succeeded, Failed, Cancelled; anything else is unfinished. */
  status?: string;
  created: string;
  action: string;
  extraArgs?: string;
  /** Set on generated operations: the inputs fingerprint they were planned from. */
  generatedFor?: string;
  /** The operation this one retries (annotation slipway.io/retry-of). */
  retryOf?: string;
}

export type AutoDecision =
  | { kind: 'create'; operation: PendingOperation }
  | { kind: 'wait'; why: string; operation?: string }
  | { kind: 'stopped'; why: string; operation: string }
  | { kind: 'idle' };

const FINISHED = new Set(['Succeeded', 'Failed', 'Cancelled']);

export function autoStep(plan: ConvergencePlan, history: readonly OperationRecord[], fingerprint: string): AutoDecision {
  if (plan.paused || plan.blocked.length > 0 || plan.waiting) return { kind: 'idle' };
  const unfinished = [...history].sort(byCreation).find((op) => !FINISHED.has(op.status ?? ''));
  if (unfinished) return { kind: 'wait', why: `${unfinished.name} (${unfinished.action}) is ${unfinished.status ?? 'not started'}: one operation at a time`, operation: unfinished.name };
  const last = [...history].filter((op) => op.generatedFor !== undefined).sort(byCreation).at(-1);
  const first = plan.operations[0];
  if (last && last.status !== 'Succeeded' && !retriedSuccessfully(last, history)) {
    if (last.generatedFor === fingerprint) {
      return { kind: 'stopped', why: `${last.name} (${stepOf(last)}) ended ${last.status}: nothing more is generated until \`slipway retry ${last.name}\` succeeds or the hosts or vars change`, operation: last.name };
    }
  } else if (last && first && last.generatedFor === fingerprint && sameStep(first, last)) {
    return { kind: 'wait', why: `${last.name} (${stepOf(last)}) succeeded; waiting for the cluster's observed status to show it`, operation: last.name };
  }
  if (!first) return { kind: 'idle' };
  if (first.needsApproval) return { kind: 'idle' };
  return { kind: 'create', operation: first };
}

/** A retry of it (or of a retry of it) succeeded. */
function retriedSuccessfully(failed: OperationRecord, history: readonly OperationRecord[]): boolean {
  const chain = new Set([failed.name]);
  for (const op of [...history].sort(byCreation)) {
    if (op.retryOf === undefined || !chain.has(op.retryOf)) continue;
    if (op.status === 'Succeeded') return true;
    chain.add(op.name);
  }
  return false;
}

const sameStep = (p: PendingOperation, op: OperationRecord): boolean => p.action === op.action && (p.extraArgs ?? '') === (op.extraArgs ?? '');
const stepOf = (op: OperationRecord): string => `${op.action}${op.extraArgs ? ` ${op.extraArgs}` : ''}`;
const byCreation = (a: OperationRecord, b: OperationRecord): number => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.name < b.name ? -1 : 1);
