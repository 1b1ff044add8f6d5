/**
 * Why the Job controller cannot create a Job's pod, when it cannot: an admission refusal (Pod
 * Security, a ResourceQuota, a LimitRange, a webhook) shows only as the Job's FailedCreate
 * Events; the Job gets no condition and would wait for its deadline.
 */
import type { CoreV1Api, CoreV1Event, V1Job } from '@kubernetes/client-node';

export const FAILED_CREATE_REASON = 'FailedCreate';

function when(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

/** The newest FailedCreate Event's message for `job`, or undefined if there is none. */
export async function podCreationRefusal(core: CoreV1Api, job: V1Job): Promise<string | undefined> {
  const uid = job.metadata?.uid;
  const namespace = job.metadata?.namespace;
  if (!uid || !namespace) return undefined;
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${uid},reason=${FAILED_CREATE_REASON}` });
  const newest = [...list.items].sort((a, b) => when(b) - when(a))[0];
  return newest ? (newest.message ?? FAILED_CREATE_REASON).trim() : undefined;
}
