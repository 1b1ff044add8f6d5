/**
 * Every ConfigMap and Secret a Cluster or ClusterOperation names, with the key that names it: what
 * the admission webhook authorises as the object's author and what its stamp's digest covers.
 */
import { createHash } from 'node:crypto';
import type { ClusterOperationSpec, ClusterSpec, Hook, ObjectRef } from './types.js';

export type RefResource = 'configmaps' | 'secrets';

export interface NamedRef {
  /** Where the object names it, e.g. `spec.sshAuthRef`, `spec.preHook[1].actionSourceRef`. */
  key: string;
  resource: RefResource;
  ref: ObjectRef;
}

const isRef = (v: unknown): v is ObjectRef =>
  typeof v === 'object' && v !== null && typeof (v as ObjectRef).name === 'string' && typeof (v as ObjectRef).namespace === 'string';

function push(out: NamedRef[], key: string, resource: RefResource, v: unknown): void {
  if (isRef(v)) out.push({ key, resource, ref: { namespace: v.namespace, name: v.name } });
}

export function clusterRefs(spec: Partial<ClusterSpec> | undefined): NamedRef[] {
  const out: NamedRef[] = [];
  push(out, 'spec.hostsConfRef', 'configmaps', spec?.hostsConfRef);
  push(out, 'spec.varsConfRef', 'configmaps', spec?.varsConfRef);
  push(out, 'spec.kubeconfRef', 'configmaps', spec?.kubeconfRef);
  push(out, 'spec.sshAuthRef', 'secrets', spec?.sshAuthRef);
  push(out, 'spec.preCheckRef', 'configmaps', spec?.preCheckRef);
  return out;
}

/** Its own refs: the action's and each hook's ConfigMap, and the copies of kubean's refs a spec may carry. */
export function operationRefs(spec: Partial<ClusterOperationSpec> | undefined): NamedRef[] {
  const out: NamedRef[] = [];
  push(out, 'spec.actionSourceRef', 'configmaps', spec?.actionSourceRef);
  for (const role of ['preHook', 'postHook'] as const) {
    const hooks: unknown = spec?.[role];
    if (!Array.isArray(hooks)) continue;
    (hooks as Partial<Hook>[]).forEach((h, i) => push(out, `spec.${role}[${i}].actionSourceRef`, 'configmaps', h?.actionSourceRef));
  }
  push(out, 'spec.hostsConfRef', 'configmaps', spec?.hostsConfRef);
  push(out, 'spec.varsConfRef', 'configmaps', spec?.varsConfRef);
  push(out, 'spec.sshAuthRef', 'secrets', spec?.sshAuthRef);
  push(out, 'spec.entrypointSHRef', 'configmaps', spec?.entrypointSHRef);
  return out;
}

/**
 * What a stamp vouches for: the refs in order and, for an operation, the Cluster it names (its
 * check covered that Cluster's refs). Any change to either changes the digest.
 */
export function refsDigest(refs: readonly NamedRef[], cluster?: string): string {
  const canonical = JSON.stringify({ cluster: cluster ?? null, refs: refs.map((r) => [r.key, r.resource, r.ref.namespace, r.ref.name]) });
  return createHash('sha256').update(canonical).digest('hex');
}

export const describeRef = (r: NamedRef): string => `${r.resource} ${r.ref.namespace}/${r.ref.name}`;
