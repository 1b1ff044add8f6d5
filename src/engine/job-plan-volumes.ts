/**
 * The pod volumes that put a job plan's files where the containers read them: one projected
 * volume per mount (/conf, /plan), each gathering its keys from the plan ConfigMap and the plan
 * Secret, for the ansible container; and /auth with the user's SSH Secret exactly when the plan
 * has the key (its `agentIdentity`), for the ssh-agent sidecar alone. Pure; the Job builder adds
 * them to the pod spec.
 */
import type { V1KeyToPath, V1Volume, V1VolumeMount, V1VolumeProjection } from '@kubernetes/client-node';
import { JOB_MOUNTS, PLAN_JSON_KEY, SSH_KEY_KEY, type JobFileSource, type JobMount, type JobPlanJson } from './job-plan.js';
import { SlipwayError } from '../util/slipway-error.js';

/** Where each projected key comes from: the plan's own objects, or the Cluster's sshAuthRef Secret. */
type VolumeSource = JobFileSource | 'user-secret';

export interface JobObjectNames {
  planConfigMap: string;
  /** Needed when the plan has secret files (today: always, the inventory). */
  planSecret?: string;
  /** The Cluster's sshAuthRef Secret; it must live in the Job's namespace. */
  userSecret?: string;
}

export class JobVolumeError extends SlipwayError {
  constructor(message: string) {
    super('job-volume', message, true);
  }
}

/** Mode of projected files: the pod runs as a non-root user and reads them through fsGroup. */
const CONFIG_MODE = 0o444;
const SECRET_MODE = 0o440;

export interface JobPlanVolumes {
  volumes: V1Volume[];
  /** The ansible container's: /conf and /plan. */
  mounts: V1VolumeMount[];
  /** The ssh-agent sidecar's /auth, when the plan has the key. */
  keyMount?: V1VolumeMount;
}

export function jobPlanVolumes(plan: JobPlanJson, names: JobObjectNames): JobPlanVolumes {
  const byMount = new Map<JobMount, Map<VolumeSource, V1KeyToPath[]>>();
  const add = (mount: JobMount, source: VolumeSource, item: V1KeyToPath) => {
    const sources = byMount.get(mount) ?? new Map<VolumeSource, V1KeyToPath[]>();
    byMount.set(mount, sources);
    sources.set(source, [...(sources.get(source) ?? []), item]);
  };
  add('plan', 'plan-configmap', { key: PLAN_JSON_KEY, path: PLAN_JSON_KEY, mode: CONFIG_MODE });
  for (const f of plan.files) {
    add(f.mount, f.source, { key: f.key, path: f.key, mode: f.source === 'plan-configmap' ? CONFIG_MODE : SECRET_MODE });
  }
  // Only the ssh-agent sidecar reads it, into its agent; no work file comes from /auth.
  if (plan.agentIdentity !== undefined) add('auth', 'user-secret', { key: SSH_KEY_KEY, path: SSH_KEY_KEY, mode: SECRET_MODE });

  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  let keyMount: V1VolumeMount | undefined;
  for (const [mount, sources] of byMount) {
    const projections: V1VolumeProjection[] = [...sources].map(([source, items]) => projection(source, items, names));
    const name = `slipway-${mount}`;
    volumes.push({ name, projected: { sources: projections } });
    const volumeMount = { name, mountPath: JOB_MOUNTS[mount].path, readOnly: true };
    if (mount === 'auth') keyMount = volumeMount;
    else mounts.push(volumeMount);
  }
  return { volumes, mounts, ...(keyMount ? { keyMount } : {}) };
}

function projection(source: VolumeSource, items: V1KeyToPath[], names: JobObjectNames): V1VolumeProjection {
  switch (source) {
    case 'plan-configmap':
      return { configMap: { name: names.planConfigMap, items } };
    case 'plan-secret':
      if (!names.planSecret) throw new JobVolumeError('the plan has secret files but no plan Secret was named');
      return { secret: { name: names.planSecret, items } };
    case 'user-secret':
      if (!names.userSecret) throw new JobVolumeError('the plan uses the SSH key but the Cluster has no sshAuthRef Secret');
      return { secret: { name: names.userSecret, items } };
  }
}
