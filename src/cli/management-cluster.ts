/** What the commands that act on a management cluster share: its kubeconfig and reading an operation. */
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../api/types.js';

/** A problem the user can act on: printed as `slipway <command>: <message>`, exit 1. */
export class CommandError extends Error {}

export function managementKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}

export async function readOperation(kc: KubeConfig, name: string): Promise<ClusterOperation> {
  try {
    return (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name })) as ClusterOperation;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) throw new CommandError(`ClusterOperation ${name} not found`);
    throw err;
  }
}

export const KUBECONFIG_OPTION_HELP = `  --kubeconfig <file>     of the management cluster; default: $KUBECONFIG, ~/.kube/config,
                          or the in-cluster service account`;
