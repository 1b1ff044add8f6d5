/** `slipway describe cluster NAME` and `slipway describe operation NAME`. */
import { ApiException, CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_KIND } from '../api/types.js';
import { EXIT } from './exit-codes.js';
import { listOperations, managementKubeConfig, readCluster, readOperation, type ClusterFlags, type CommandIO } from './management-cluster.js';
import { renderClusterTree, renderOperation } from './print-describe.js';

export interface DescribeFlags extends ClusterFlags {
  /** Where the controller records its Events (default: every namespace the user may read). */
  namespace?: string;
}

export async function describeClusterCommand(name: string, flags: ClusterFlags, io: CommandIO): Promise<number> {
  const kc = managementKubeConfig(flags);
  const cluster = await readCluster(kc, name);
  io.out(renderClusterTree(cluster, await listOperations(kc), new Date()));
  return EXIT.done;
}

export async function describeOperationCommand(name: string, flags: DescribeFlags, io: CommandIO): Promise<number> {
  const kc = managementKubeConfig(flags);
  const op = await readOperation(kc, name);
  io.out(renderOperation(op, await eventsOf(kc, name, flags.namespace), new Date()));
  return EXIT.done;
}

/** The operation's Events, or why they could not be read (the text shown in their place). */
async function eventsOf(kc: KubeConfig, name: string, namespace: string | undefined): Promise<CoreV1Event[] | string> {
  const core = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `involvedObject.kind=${CLUSTER_OPERATION_KIND},involvedObject.name=${name}`;
  try {
    const list = namespace ? await core.listNamespacedEvent({ namespace, fieldSelector }) : await core.listEventForAllNamespaces({ fieldSelector });
    return list.items;
  } catch (err) {
    if (err instanceof ApiException && err.code === 403) return `<not readable: you may not list Events${namespace ? ` in ${namespace}` : ' in all namespaces (name the controller\'s with -n)'}>`;
    throw err;
  }
}
