import type { V1Job } from '@kubernetes/client-node';

export interface JobOperationStatus {
  status: 'Running' | 'Succeeded' | 'Failed';
  /** Why, for the operation's status message. */
  reason: string;
}

const FAILING_CONDITIONS = ['Failed', 'FailureTarget', 'Suspended'] as const;

/**
 * kubean's mapping of an operation's Job to its status: Complete → Succeeded; Failed,
 * FailureTarget or Suspended (a pod started twice is suspended, so a playbook never runs twice),
 * or the Job gone → Failed; anything else → Running.
 */
export function jobOperationStatus(job: V1Job | undefined): JobOperationStatus {
  if (!job) return { status: 'Failed', reason: 'the Job is gone' };
  const conditions = (job.status?.conditions ?? []).filter((c) => c.status === 'True');
  const complete = conditions.find((c) => c.type === 'Complete');
  if (complete) return { status: 'Succeeded', reason: complete.message || 'the Job completed' };
  for (const type of FAILING_CONDITIONS) {
    const failing = conditions.find((c) => c.type === type);
    if (failing) return { status: 'Failed', reason: `Job ${type}${failing.reason ? ` (${failing.reason})` : ''}${failing.message ? `: ${failing.message}` : ''}` };
  }
  return { status: 'Running', reason: 'the Job is running' };
}
