/**
 * What the Job executor's informers keep of each Job and pod: the fields runStatus, the result
 * and the second-pod check read, nothing else (no managedFields, no pod spec, no volumes). A
 * controller following thousands of operations holds one of each per operation. Pure.
 */
import type { V1ContainerStatus, V1Job, V1ObjectMeta, V1Pod } from '@kubernetes/client-node';

function slimMeta(m: V1ObjectMeta | undefined): V1ObjectMeta {
  return {
    name: m?.name,
    namespace: m?.namespace,
    uid: m?.uid,
    resourceVersion: m?.resourceVersion,
    ...(m?.labels ? { labels: m.labels } : {}),
    ...(m?.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
  } as V1ObjectMeta;
}

export function slimJob(job: V1Job): V1Job {
  const spec = job.spec;
  return {
    ...(job.apiVersion ? { apiVersion: job.apiVersion } : {}),
    ...(job.kind ? { kind: job.kind } : {}),
    metadata: slimMeta(job.metadata),
    ...(spec
      ? {
          spec: {
            backoffLimit: spec.backoffLimit,
            completions: spec.completions,
            parallelism: spec.parallelism,
            ...(spec.podFailurePolicy ? { podFailurePolicy: spec.podFailurePolicy } : {}),
            ...(spec.suspend !== undefined ? { suspend: spec.suspend } : {}),
            ...(spec.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: spec.activeDeadlineSeconds } : {}),
            template: { spec: { restartPolicy: spec.template?.spec?.restartPolicy, containers: [] } },
          },
        }
      : {}),
    ...(job.status ? { status: { conditions: job.status.conditions, startTime: job.status.startTime, completionTime: job.status.completionTime } } : {}),
  } as V1Job;
}

const slimContainer = (c: V1ContainerStatus): V1ContainerStatus =>
  ({ name: c.name, ...(c.state?.terminated ? { state: { terminated: c.state.terminated } } : {}) }) as V1ContainerStatus;

export function slimPod(pod: V1Pod): V1Pod {
  const s = pod.status;
  return {
    ...(pod.apiVersion ? { apiVersion: pod.apiVersion } : {}),
    ...(pod.kind ? { kind: pod.kind } : {}),
    metadata: slimMeta(pod.metadata),
    ...(s
      ? {
          status: {
            phase: s.phase,
            ...(s.reason ? { reason: s.reason } : {}),
            ...(s.message ? { message: s.message } : {}),
            ...(s.containerStatuses ? { containerStatuses: s.containerStatuses.map(slimContainer) } : {}),
          },
        }
      : {}),
  } as V1Pod;
}
