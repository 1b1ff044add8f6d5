import type { V1Job, V1Pod } from '@kubernetes/client-node';

export interface JobOperationStatus {
  status: 'Running' | 'Succeeded' | 'Failed';
  /** Why, for the operation's status message. */
  reason: string;
  /** The Job's one pod decided it (its terminal phase), not a condition of the Job. */
  byPod?: boolean;
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

/**
 * Whether the Job's outcome is its one pod's: one completion, one pod at a time, never retried
 * (backoffLimit 0, no pod failure policy to ignore a failure) nor restarted (restartPolicy Never).
 * The Jobs Slipway builds are so; a Job of another shape is left to its conditions.
 */
export function podDecidesJob(job: V1Job): boolean {
  const spec = job.spec;
  return (
    spec?.backoffLimit === 0 &&
    (spec.completions ?? 1) === 1 &&
    (spec.parallelism ?? 1) <= 1 &&
    spec.podFailurePolicy === undefined &&
    spec.template.spec?.restartPolicy === 'Never'
  );
}

/**
 * The operation's status from its Job and the Job's sole pod. For a Job whose pod decides it
 * ({@link podDecidesJob}), that pod's terminal phase is the outcome: Succeeded means the Job
 * completes, Failed that it fails; the Job controller says so only later (it batches a Job's
 * status sync by a second), and what it adds then (BackoffLimitExceeded) says nothing new. The
 * pod wins a race with the Job's deadline too: a pod that succeeded ran its playbooks to the end.
 * Everything else is the Job's conditions: no pod (a deadline that passed before one ran), a pod
 * being deleted (its Job was suspended or ran past its deadline), a Job of another shape.
 */
export function runStatus(job: V1Job, pod: V1Pod | undefined): JobOperationStatus {
  if (pod && !pod.metadata?.deletionTimestamp && podDecidesJob(job)) {
    const name = pod.metadata?.name ?? '(unnamed)';
    if (pod.status?.phase === 'Succeeded') return { status: 'Succeeded', reason: `pod ${name} succeeded`, byPod: true };
    if (pod.status?.phase === 'Failed') return { status: 'Failed', reason: `pod ${name} failed`, byPod: true };
  }
  return jobOperationStatus(job);
}
