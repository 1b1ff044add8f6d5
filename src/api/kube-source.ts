import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { decodeSecretValues, type ConfigMapLike, type DecodedSecret, type ObjectSource } from './object-source.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation, type ObjectRef } from './types.js';

/** undefined for 404; every other error propagates. */
async function orMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

/** An ObjectSource reading the operation's inputs from a Kubernetes API server. */
export class KubeSource implements ObjectSource {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  getCluster(name: string): Promise<Cluster | undefined> {
    return orMissing(() => this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name }) as Promise<Cluster>);
  }

  getOperation(name: string): Promise<ClusterOperation | undefined> {
    return orMissing(
      () => this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name }) as Promise<ClusterOperation>,
    );
  }

  async getConfigMap(ref: ObjectRef): Promise<ConfigMapLike | undefined> {
    const cm = await orMissing(() => this.core.readNamespacedConfigMap(ref));
    return cm && { metadata: { name: ref.name, namespace: ref.namespace }, ...(cm.data ? { data: cm.data } : {}) };
  }

  async getSecret(ref: ObjectRef): Promise<DecodedSecret | undefined> {
    const secret = await orMissing(() => this.core.readNamespacedSecret(ref));
    return secret && { metadata: { name: ref.name, namespace: ref.namespace }, values: decodeSecretValues(secret) };
  }
}
