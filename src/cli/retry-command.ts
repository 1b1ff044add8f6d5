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
import { CommandError, KUBECONFIG_OPTION_HELP, managementKubeConfig, parseNamedCommand, readOperation, type CommandIO } from './management-cluster.js';

export const RETRY_USAGE = `Usage: slipway retry <operation> [options]

Creates a new ClusterOperation from a Failed one, linked to it (annotation slipway.io/retry-of),
limited to the hosts that failed or were unreachable where the playbook allows it: workers of
cluster.yml, scale.yml and upgrade-cluster.yml, any host of other playbooks. A failed control
plane, remove-node.yml and reset.yml run again whole. Prints why.

Options:
  --dry-run               print the new operation (YAML) instead of creating it
${KUBECONFIG_OPTION_HELP}
`;

export async function retryCommand(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseNamedCommand('retry', RETRY_USAGE, argv, { 'dry-run': { type: 'boolean', default: false } }, io);
  if (typeof parsed === 'number') return parsed;
  const { name, values } = parsed;
  const kc = managementKubeConfig(values.kubeconfig as string | undefined);
  try {
    const failed = await readOperation(kc, name);
    const names = await operationNames(kc);
    const plan = retryOperation({ failed, controlPlane: await controlPlaneOf(kc, failed), taken: (n) => names.has(n) });
    if ('refused' in plan) throw new CommandError(plan.refused);
    if (values['dry-run']) {
      io.out(stringify(plan.operation));
      io.err(`slipway retry: ${plan.reason} (dry run: not created)\n`);
      return 0;
    }
    await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body: plan.operation });
    io.out(`clusteroperation.kubean.io/${plan.operation.metadata.name} created\n`);
    io.err(`slipway retry: ${plan.reason}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    io.err(`slipway retry: ${err.message}\n`);
    return 1;
  }
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
