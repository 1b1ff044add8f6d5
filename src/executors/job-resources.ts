/**
 * CPU and memory of an operation pod's containers when the operation sets no spec.resources
 * (its ansible container), and always for the sidecars: the operator's (controller
 * `--job-resources`, chart `job.resources`), each container's entry replacing the default. Pure.
 */
import type { V1ResourceRequirements } from '@kubernetes/client-node';

export interface JobResources {
  /** The ansible container, unless the operation sets spec.resources. */
  operation: V1ResourceRequirements;
  sshAgent: V1ResourceRequirements;
  kubeconfigUpload: V1ResourceRequirements;
}

// ansible-playbook forks a worker per host (up to its forks) on 1–2 cores; 2 GiB as the local
// sandbox's default. bash with ssh-agent takes about 6 MiB, python3 with ssl about 22 MiB.
export const DEFAULT_JOB_RESOURCES: JobResources = {
  operation: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
  sshAgent: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
  kubeconfigUpload: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
};

export class JobResourcesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobResourcesError';
  }
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function checkList(where: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JobResourcesError(`${where} must be a mapping`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    const q = typeof v === 'number' ? String(v) : v;
    if (!RESOURCES.has(k) || typeof q !== 'string' || !QUANTITY.test(q)) throw new JobResourcesError(`${where}.${k}: ${JSON.stringify(v)} is not a cpu, memory or ephemeral-storage quantity`);
    out[k] = q;
  }
  return out;
}

/** The operator's JSON (`{"operation": {"requests": {...}, "limits": {...}}, "sshAgent": ...}`) over the defaults. */
export function parseJobResources(json: string): JobResources {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new JobResourcesError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JobResourcesError('must be a JSON object');
  const out: JobResources = { ...DEFAULT_JOB_RESOURCES };
  for (const [name, req] of Object.entries(value)) {
    if (!(name in DEFAULT_JOB_RESOURCES)) throw new JobResourcesError(`unknown container ${JSON.stringify(name)} (operation, sshAgent, kubeconfigUpload)`);
    if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new JobResourcesError(`${name} must be a mapping`);
    const r: V1ResourceRequirements = {};
    for (const [k, v] of Object.entries(req)) {
      if (k !== 'requests' && k !== 'limits') throw new JobResourcesError(`${name}.${k}: only requests and limits`);
      r[k] = checkList(`${name}.${k}`, v);
    }
    out[name as keyof JobResources] = r;
  }
  return out;
}
