import type { ManifestObject } from './manifests.js';
import { decodeSecretValues, type ConfigMapLike, type DecodedSecret, type ObjectSource } from './object-source.js';
import { API_VERSION, type Cluster, type ClusterOperation, type ObjectRef } from './types.js';

const key = (kind: string, namespace: string | undefined, name: string): string =>
  `${kind}/${namespace ?? ''}/${name}`;

/** An ObjectSource over objects read from manifest files; Clusters are cluster-scoped. */
export class ManifestSource implements ObjectSource {
  private readonly byKey = new Map<string, ManifestObject>();

  constructor(readonly objects: ManifestObject[]) {
    for (const o of objects) {
      const namespaced = o.kind === 'ConfigMap' || o.kind === 'Secret';
      this.byKey.set(key(o.kind, namespaced ? (o.metadata.namespace ?? 'default') : undefined, o.metadata.name), o);
    }
  }

  /** ClusterOperations in the order they appear in the files. */
  operations(): ClusterOperation[] {
    return this.objects.filter(
      (o) => o.kind === 'ClusterOperation' && o.apiVersion === API_VERSION,
    ) as unknown as ClusterOperation[];
  }

  async getCluster(name: string): Promise<Cluster | undefined> {
    const o = this.byKey.get(key('Cluster', undefined, name));
    return o && o.apiVersion === API_VERSION ? (o as unknown as Cluster) : undefined;
  }

  async getConfigMap(ref: ObjectRef): Promise<ConfigMapLike | undefined> {
    return this.byKey.get(key('ConfigMap', ref.namespace, ref.name)) as ConfigMapLike | undefined;
  }

  async getSecret(ref: ObjectRef): Promise<DecodedSecret | undefined> {
    const o = this.byKey.get(key('Secret', ref.namespace, ref.name));
    if (!o) return undefined;
    const raw = o as { data?: Record<string, string>; stringData?: Record<string, string> };
    return { metadata: o.metadata, values: decodeSecretValues(raw) };
  }
}
