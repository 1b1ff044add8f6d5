/**
 * `slipway kubeconfig CLUSTER`: the admin kubeconfig Slipway stored after the cluster's install,
 * the Secret its status.kubeconfigSecretRef names (key value).
 */
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ObjectRef } from '../api/types.js';
import { KUBECONFIG_KEY, kubeconfigSecretName } from '../controller/kubeconfig-secret.js';
import { CommandError, managementKubeConfig, readCluster, type ClusterFlags, type CommandIO } from './management-cluster.js';

export interface KubeconfigFlags extends ClusterFlags {
  /** Read <cluster>-kubeconfig in this namespace instead of asking the Cluster where it is. */
  namespace?: string;
}

export async function kubeconfigCommand(cluster: string, flags: KubeconfigFlags, io: CommandIO): Promise<number> {
  const kc = managementKubeConfig(flags);
  const ref = flags.namespace ? { namespace: flags.namespace, name: kubeconfigSecretName(cluster) } : await refOf(kc, cluster);
  io.out(await readKubeconfig(kc, ref));
  return 0;
}

async function refOf(kc: KubeConfig, name: string): Promise<ObjectRef> {
  const ref = (await readCluster(kc, name)).status?.kubeconfigSecretRef;
  if (!ref) throw new CommandError(`Cluster ${name} has no kubeconfig yet (status.kubeconfigSecretRef is empty: no install succeeded under Slipway)`);
  return ref;
}

async function readKubeconfig(kc: KubeConfig, ref: ObjectRef): Promise<string> {
  try {
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret(ref);
    const data = secret.data?.[KUBECONFIG_KEY];
    if (data === undefined) throw new CommandError(`Secret ${ref.namespace}/${ref.name} has no key ${KUBECONFIG_KEY}`);
    return Buffer.from(data, 'base64').toString('utf8');
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) throw new CommandError(`Secret ${ref.namespace}/${ref.name} not found`);
    throw err;
  }
}
