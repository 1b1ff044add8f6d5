import { InputError } from '../api/input-error.js';
import type { ConfigMapLike, DecodedSecret, ObjectSource } from '../api/object-source.js';
import type { Cluster, ObjectRef } from '../api/types.js';

/**
 * An ObjectSource that reads ConfigMaps and Secrets only in the namespaces the controller was
 * given (SLIPWAY_WATCH_NAMESPACES; the chart grants read access to exactly these): a ref
 * elsewhere is rejected with a reason instead of failing on a 403 again and again.
 */
export class WatchedNamespacesSource implements ObjectSource {
  constructor(
    private readonly inner: ObjectSource,
    private readonly namespaces: ReadonlySet<string> | undefined,
  ) {}

  getCluster(name: string): Promise<Cluster | undefined> {
    return this.inner.getCluster(name);
  }

  getConfigMap(ref: ObjectRef): Promise<ConfigMapLike | undefined> {
    this.check('ConfigMap', ref);
    return this.inner.getConfigMap(ref);
  }

  getSecret(ref: ObjectRef): Promise<DecodedSecret | undefined> {
    this.check('Secret', ref);
    return this.inner.getSecret(ref);
  }

  private check(kind: string, ref: ObjectRef): void {
    if (!this.namespaces || this.namespaces.has(ref.namespace)) return;
    throw new InputError([
      {
        severity: 'error',
        code: 'namespace-not-watched',
        object: `${kind} ${ref.namespace}/${ref.name}`,
        message: `Slipway reads inputs only in ${[...this.namespaces].join(', ')} (SLIPWAY_WATCH_NAMESPACES)`,
      },
    ]);
  }
}
