/**
 * `slipway apply -f DIR|FILE [--dry-run]`: server-side apply of kubean manifests, after a preview
 * of what Slipway will do with them: for each ClusterOperation the plan it would run (what
 * `slipway plan` prints), read against the manifests over what the cluster holds now, or the
 * refusals with their codes. A refusal applies nothing (exit 2); --dry-run applies nothing and
 * asks the apiserver (and its admission webhook) to check every object.
 */
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { InputError } from '../api/input-error.js';
import { KubeSource } from '../api/kube-source.js';
import { ManifestSource } from '../api/manifest-source.js';
import { loadManifestFiles, type ManifestObject } from '../api/manifests.js';
import type { ObjectSource } from '../api/object-source.js';
import { defaultBuiltinDir } from '../engine/builtin-dir.js';
import { planOperation } from '../operations/plan-operation.js';
import { EXIT } from './exit-codes.js';
import { managementKubeConfig, type ClusterFlags, type CommandIO } from './management-cluster.js';
import { renderPlan } from './print-plan.js';
import { renderRejection } from './print-rejection.js';
import { requireFiles } from './required-files.js';

export interface ApplyFlags extends ClusterFlags {
  filename: string[];
  dryRun?: boolean;
  /** For namespaced objects that name none (kubectl's -n). */
  namespace?: string;
  builtinDir?: string;
}

const FIELD_MANAGER = 'slipway';
/** Inputs before the objects that name them, operations last: the admission webhook checks refs as they arrive. */
const ORDER = ['Namespace', 'ConfigMap', 'Secret', 'Cluster', 'ClusterOperation'];
const NAMESPACED = new Set(['ConfigMap', 'Secret']);

export async function applyCommand(flags: ApplyFlags, io: CommandIO): Promise<number> {
  requireFiles('-f', flags.filename);
  const objects = loadManifestFiles(flags.filename).map((o) => withNamespace(o, flags.namespace ?? 'default'));
  const kc = managementKubeConfig(flags);
  const manifests = new ManifestSource(objects);
  const source = overlay(manifests, new KubeSource(kc));
  let refused = 0;
  for (const op of manifests.operations()) {
    try {
      io.out(`${renderPlan(await planOperation(op, source, flags.builtinDir ?? defaultBuiltinDir(), {}))}\n`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      io.err(renderRejection(`ClusterOperation ${op.metadata.name} would be refused`, err));
      refused++;
    }
  }
  if (refused > 0) {
    io.err(`slipway apply: ${refused} operation(s) would be refused: nothing was applied\n`);
    return EXIT.usage;
  }
  const client = KubernetesObjectApi.makeApiClient(kc);
  const ordered = [...objects].sort((a, b) => rank(a.kind) - rank(b.kind));
  for (const o of ordered) {
    await client.patch(o as KubernetesObject, undefined, flags.dryRun ? 'All' : undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    io.out(`${o.kind.toLowerCase()}/${o.metadata.name} serverside-applied${flags.dryRun ? ' (server dry run)' : ''}\n`);
  }
  return EXIT.done;
}

const rank = (kind: string): number => (ORDER.includes(kind) ? ORDER.indexOf(kind) : ORDER.length);

function withNamespace(o: ManifestObject, namespace: string): ManifestObject {
  return NAMESPACED.has(o.kind) && !o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace } } : o;
}

/** The manifests' objects, and the cluster's where the manifests have none: what it will hold once applied. */
function overlay(first: ObjectSource, then: ObjectSource): ObjectSource {
  return {
    getCluster: async (name) => (await first.getCluster(name)) ?? then.getCluster(name),
    getConfigMap: async (ref) => (await first.getConfigMap(ref)) ?? then.getConfigMap(ref),
    getSecret: async (ref) => (await first.getSecret(ref)) ?? then.getSecret(ref),
  };
}
