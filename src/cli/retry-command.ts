/**
 * `slipway retry OPERATION`: a new ClusterOperation from a failed one, limited to the hosts that
 * failed where that is safe (src/operations/retry-operation.ts), created with the user's own
 * credentials. `--dry-run` prints it instead.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { KubeSource } from '../api/kube-source.js';
import { HOSTS_KEY } from '../api/resolve-input.js';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../api/types.js';
import { CONTROL_PLANE_GROUP, groupMembers } from '../inventory/inventory-model.js';
import { parseHosts } from '../inventory/parse-hosts.js';
import { retryOperation } from '../operations/retry-operation.js';
import { CommandError, managementKubeConfig, readOperation, type ClusterFlags, type CommandIO } from './management-cluster.js';

export interface RetryFlags extends ClusterFlags {
  dryRun?: boolean;
}

export async function retryCommand(name: string, flags: RetryFlags, io: CommandIO): Promise<number> {
  const kc = managementKubeConfig(flags);
  const failed = await readOperation(kc, name);
  const names = await operationNames(kc);
  const plan = retryOperation({ failed, controlPlane: await controlPlaneOf(kc, failed), taken: (n) => names.has(n) });
  if ('refused' in plan) throw new CommandError(plan.refused);
  if (flags.dryRun) {
    io.out(stringify(plan.operation));
    io.err(`slipway retry: ${plan.reason} (dry run: not created)\n`);
    return 0;
  }
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body: plan.operation });
  io.out(`clusteroperation.kubean.io/${plan.operation.metadata.name} created\n`);
  io.err(`slipway retry: ${plan.reason}\n`);
  return 0;
}

/** The control-plane hosts of the operation's cluster, from its hosts ConfigMap as it is now. */
async function controlPlaneOf(kc: KubeConfig, op: ClusterOperation): Promise<string[]> {
  const source = new KubeSource(kc);
  const cluster = await source.getCluster(op.spec.cluster);
  if (!cluster) throw new CommandError(`Cluster ${op.spec.cluster} not found`);
  const ref = cluster.spec.hostsConfRef;
  const cm = await source.getConfigMap(ref);
  const text = cm?.data?.[HOSTS_KEY];
  if (text === undefined) throw new CommandError(`ConfigMap ${ref.namespace}/${ref.name} (key ${HOSTS_KEY}) not found`);
  const inventory = parseHosts({ object: `ConfigMap ${ref.namespace}/${ref.name}`, key: HOSTS_KEY, text });
  return groupMembers(inventory, CONTROL_PLANE_GROUP);
}

/** The names of the operations there are now, so the retry's name is a free one. */
async function operationNames(kc: KubeConfig): Promise<Set<string>> {
  const list = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] };
  return new Set(list.items.map((o) => o.metadata.name ?? ''));
}
