import { parseArgs } from 'node:util';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ObjectRef } from '../api/types.js';
import { KUBECONFIG_KEY, kubeconfigSecretName } from '../controller/kubeconfig-secret.js';

export const KUBECONFIG_USAGE = `Usage: slipway kubeconfig <cluster> [options]

Prints the admin kubeconfig Slipway stored after the cluster's install: the Secret the Cluster's
status.kubeconfigSecretRef names (key value).

Options:
  --namespace <ns>        read <cluster>-kubeconfig in this namespace (the controller's)
                          instead of asking the Cluster where it is
  --kubeconfig <file>     of the management cluster; default: $KUBECONFIG, ~/.kube/config,
                          or the in-cluster service account
`;

class KubeconfigCommandError extends Error {}

export interface KubeconfigIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function kubeconfigCommand(argv: string[], io: KubeconfigIO): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { namespace: { type: 'string' }, kubeconfig: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    }));
  } catch (err) {
    io.err(`slipway kubeconfig: ${(err as Error).message}\n\n${KUBECONFIG_USAGE}`);
    return 3;
  }
  if (values.help) {
    io.out(KUBECONFIG_USAGE);
    return 0;
  }
  const [cluster, ...rest] = positionals;
  if (!cluster || rest.length > 0) {
    io.err(`slipway kubeconfig: name exactly one cluster\n\n${KUBECONFIG_USAGE}`);
    return 3;
  }
  const kc = new KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  try {
    const ref = values.namespace ? { namespace: values.namespace, name: kubeconfigSecretName(cluster) } : await refOf(kc, cluster);
    io.out(await readKubeconfig(kc, ref));
    return 0;
  } catch (err) {
    if (!(err instanceof KubeconfigCommandError)) throw err;
    io.err(`slipway kubeconfig: ${err.message}\n`);
    return 1;
  }
}

async function refOf(kc: KubeConfig, name: string): Promise<ObjectRef> {
  let cluster: Cluster;
  try {
    cluster = (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name })) as Cluster;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) throw new KubeconfigCommandError(`Cluster ${name} not found`);
    throw err;
  }
  const ref = cluster.status?.kubeconfigSecretRef;
  if (!ref) throw new KubeconfigCommandError(`Cluster ${name} has no kubeconfig yet (status.kubeconfigSecretRef is empty: no install succeeded under Slipway)`);
  return ref;
}

async function readKubeconfig(kc: KubeConfig, ref: ObjectRef): Promise<string> {
  try {
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret(ref);
    const data = secret.data?.[KUBECONFIG_KEY];
    if (data === undefined) throw new KubeconfigCommandError(`Secret ${ref.namespace}/${ref.name} has no key ${KUBECONFIG_KEY}`);
    return Buffer.from(data, 'base64').toString('utf8');
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) throw new KubeconfigCommandError(`Secret ${ref.namespace}/${ref.name} not found`);
    throw err;
  }
}
