/**
 * Caps on what a ClusterOperation's status holds, whatever the input: a status is one write
 * to the apiserver (which refuses requests over 3 MiB with 413) and is read by every watcher.
 */
import { formatProblem, type Problem } from '../api/input-error.js';
import type { ClusterOperationStatus, OperationStep } from '../api/types.js';
import { clipText } from '../util/slipway-error.js';

export const STATUS_BOUNDS = {
  /** Problems a rejection lists; the rest are counted ("and N more"). */
  problems: 50,
  /** Characters of status.message. */
  message: 8192,
  /** Characters of any other string in the status (a step's message, a task's name…). */
  field: 1024,
  /** Entries of failedHosts[]. */
  failedHosts: 200,
} as const;

/**
 * "error[code]: where: what; …" for at most STATUS_BOUNDS.problems errors and `budget`
 * characters, then how many more (`omitted`: errors counted, not kept).
 */
export function problemSummary(problems: readonly Problem[], omitted = 0, budget = STATUS_BOUNDS.message - 100): string {
  const errors = problems.filter((p) => p.severity === 'error');
  const shown: string[] = [];
  let length = 0;
  for (const p of errors.slice(0, STATUS_BOUNDS.problems)) {
    const text = clipText(formatProblem(p), STATUS_BOUNDS.field);
    if (shown.length > 0 && length + text.length + 2 > budget) break;
    shown.push(text);
    length += text.length + 2;
  }
  const more = errors.length - shown.length + omitted;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** Warnings a status message lists; the rest are counted. */
const STATUS_WARNINGS = 20;

/** "N warning(s): where: what; …" for at most STATUS_WARNINGS warnings and `budget` characters. */
export function warningSummary(warnings: readonly string[], budget = STATUS_BOUNDS.message / 2): string {
  const shown: string[] = [];
  let length = 0;
  for (const w of warnings.slice(0, STATUS_WARNINGS)) {
    const text = clipText(w, 300);
    if (shown.length > 0 && length + text.length + 2 > budget) break;
    shown.push(text);
    length += text.length + 2;
  }
  const more = warnings.length - shown.length;
  return `${warnings.length} warning(s): ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

const clipField = (s: string | undefined): string | undefined => (s === undefined ? undefined : clipText(s, STATUS_BOUNDS.field));

function boundedStep(step: OperationStep): OperationStep {
  const { message, ...rest } = step;
  return { ...rest, name: clipField(step.name)!, ...(message !== undefined ? { message: clipField(message)! } : {}) };
}

/**
 * `status` with every string within STATUS_BOUNDS and failedHosts cut to its bound (the message
 * then says how many more failed); unchanged when it already is. Steps are bounded by the spec's
 * hooks (see src/api/spec-bounds.ts). Pure.
 */
export function boundedOperationStatus(status: ClusterOperationStatus): ClusterOperationStatus {
  const out: ClusterOperationStatus = { ...status };
  for (const key of ['action', 'failedStep', 'failedTask', 'digest'] as const) {
    if (status[key] !== undefined) out[key] = clipField(status[key]);
  }
  let message = status.message;
  const hosts = status.failedHosts;
  if (hosts && hosts.length > STATUS_BOUNDS.failedHosts) {
    out.failedHosts = hosts.slice(0, STATUS_BOUNDS.failedHosts);
    message = `${message ?? 'failed'} (failedHosts lists ${STATUS_BOUNDS.failedHosts} of ${hosts.length} hosts)`;
  }
  if (out.failedHosts) out.failedHosts = out.failedHosts.map((h) => clipField(h)!);
  if (message !== undefined) out.message = clipText(message, STATUS_BOUNDS.message);
  if (status.steps) out.steps = status.steps.map(boundedStep);
  return out;
}
