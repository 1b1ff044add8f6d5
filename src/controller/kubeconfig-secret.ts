/**
 * The Cluster's admin kubeconfig, kept in a Secret `<cluster>-kubeconfig` (key `value`, Cluster
 * API's convention) in the controller's namespace, owned by the Cluster so it goes with it.
 * The builder is pure; the store writes it, and never overwrites a Secret it does not own.
 *
 * Either executor hands the kubeconfig back (in Job mode from the operation's drop-box, checked
 * by the Job executor) and `store` writes it: no pod ever holds a right on this Secret.
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { API_VERSION, CLUSTER_KIND, type Cluster, type ObjectRef } from '../api/types.js';
import { CLUSTER_LABEL, MANAGED_BY, MANAGED_BY_LABEL, labelValue } from '../executors/job-builder.js';

export const KUBECONFIG_KEY = 'value';
export const KUBECONFIG_SECRET_TYPE = 'slipway.io/kubeconfig';

export const kubeconfigSecretName = (cluster: string): string => `${cluster}-kubeconfig`;

export class KubeconfigSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigSecretError';
  }
}

/** The Secret for `cluster` (which must have a uid: it owns the Secret); empty without a kubeconfig. Pure. */
export function buildKubeconfigSecret(cluster: Cluster, namespace: string, kubeconfig?: string): V1Secret {
  const name = cluster.metadata.name!;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: kubeconfigSecretName(name),
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [CLUSTER_LABEL]: labelValue(name) },
      ownerReferences: [{ apiVersion: API_VERSION, kind: CLUSTER_KIND, name, uid: cluster.metadata.uid!, blockOwnerDeletion: false }],
    },
    type: KUBECONFIG_SECRET_TYPE,
    data: kubeconfig === undefined ? {} : { [KUBECONFIG_KEY]: Buffer.from(kubeconfig, 'utf8').toString('base64') },
  };
}

const notTheClusters = (ref: ObjectRef) => new KubeconfigSecretError(`Secret ${ref.namespace}/${ref.name} exists and is not this Cluster's; the kubeconfig was not stored`);
const ownedBy = (s: V1Secret, cluster: Cluster): boolean => (s.metadata?.ownerReferences ?? []).some((o) => o.kind === CLUSTER_KIND && o.uid === cluster.metadata.uid);

export class KubeconfigStore {
  private readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig, readonly namespace: string) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Creates or replaces the Secret; throws KubeconfigSecretError when the name is another's Secret. */
  async store(cluster: Cluster, kubeconfig: string): Promise<ObjectRef> {
    const body = buildKubeconfigSecret(cluster, this.namespace, kubeconfig);
    const { ref, existing } = await this.createOrRead(body);
    if (!existing) return ref;
    if (!ownedBy(existing, cluster)) throw notTheClusters(ref);
    // Guarded by resourceVersion: a concurrent change makes this fail (409) rather than be lost.
    await this.core.replaceNamespacedSecret({ name: ref.name, namespace: ref.namespace, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } } });
    return ref;
  }

  /** Creates `body`; when a Secret of its name exists already, that one is read instead. */
  private async createOrRead(body: V1Secret): Promise<{ ref: ObjectRef; existing?: V1Secret }> {
    const ref = { namespace: this.namespace, name: body.metadata!.name! };
    try {
      await this.core.createNamespacedSecret({ namespace: this.namespace, body });
      return { ref };
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) throw err;
    }
    return { ref, existing: await this.core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace }) };
  }
}
