import type { ConfigMapLike, DecodedSecret, ObjectSource } from '../api/object-source.js';
import type { Cluster, ObjectRef } from '../api/types.js';

/**
 * An ObjectSource whose Clusters come from the controller's informer when it holds them (as a
 * controller-runtime client reads from its cache), from `inner` when not yet (a Cluster created a
 * moment ago). A copy that lags is harmless for planning, and status writes computed from one are
 * guarded by its resourceVersion (see StatusWriter.cluster). ConfigMaps and Secrets are read
 * from `inner`: they are the user's, not cached.
 */
export class ClusterCacheSource implements ObjectSource {
  constructor(
    private readonly inner: ObjectSource,
    private readonly cached: (name: string) => Cluster | undefined,
  ) {}

  async getCluster(name: string): Promise<Cluster | undefined> {
    return this.cached(name) ?? this.inner.getCluster(name);
  }

  getConfigMap(ref: ObjectRef): Promise<ConfigMapLike | undefined> {
    return this.inner.getConfigMap(ref);
  }

  getSecret(ref: ObjectRef): Promise<DecodedSecret | undefined> {
    return this.inner.getSecret(ref);
  }
}
