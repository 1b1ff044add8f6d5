/** What the commands that act on a management cluster share: its kubeconfig, flags and reads. */
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../api/types.js';
import { CommandError, UsageError } from './exit-codes.js';
import { requireFiles } from './required-files.js';

export { CommandError } from './exit-codes.js';

/** --kubeconfig and --context, as kubectl has them. */
export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
}

export function addClusterFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig of the management cluster (default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account)')
    .option('--context <name>', 'the kubeconfig context to use (default: its current-context)');
}

export function managementKubeConfig(flags: ClusterFlags | string | undefined): KubeConfig {
  const { kubeconfig, context } = typeof flags === 'object' ? flags : { kubeconfig: flags, context: undefined };
  const kc = new KubeConfig();
  if (kubeconfig) {
    requireFiles('--kubeconfig', [kubeconfig]);
    kc.loadFromFile(kubeconfig);
  } else {
    kc.loadFromDefault();
  }
  if (context) {
    if (!kc.getContextObject(context)) throw new UsageError(`--context ${context}: no such context (the kubeconfig has ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(context);
  }
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

export async function readCluster(kc: KubeConfig, name: string): Promise<Cluster> {
  try {
    return (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name })) as Cluster;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) throw new CommandError(`Cluster ${name} not found`);
    throw err;
  }
}

export async function listClusters(kc: KubeConfig): Promise<Cluster[]> {
  return ((await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL })) as { items: Cluster[] }).items;
}

export async function listOperations(kc: KubeConfig): Promise<ClusterOperation[]> {
  return ((await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] }).items;
}

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const ENDED_STATUSES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Cancelled']);
