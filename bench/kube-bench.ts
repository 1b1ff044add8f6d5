/**
 * What the controller benchmarks share: Clusters and ClusterOperations created in the test
 * apiserver (many at once), and quantiles. The inputs are those of test/fixtures/kube-cluster.ts.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation } from '../src/api/types.js';
import type { TestEnv } from '../test/env/index.js';
import { clusterObject, createClusterInputs, operationObject } from '../test/fixtures/kube-cluster.js';

/** Requests the bench itself keeps in flight while creating objects. */
const CREATE_CONCURRENCY = 16;

export interface BenchClusters {
  /** Where the inputs are (and the controller's Jobs, when it is given this namespace). */
  ns: string;
  clusters: string[];
}

/** A namespace with one hosts and one vars ConfigMap, and `count` Clusters on them. */
export async function createBenchClusters(env: TestEnv, prefix: string, count: number): Promise<BenchClusters> {
  const core = env.kubeConfig.makeApiClient(CoreV1Api);
  const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
  const ns = await env.namespace(prefix);
  await createClusterInputs(core, ns);
  const clusters = Array.from({ length: count }, () => env.randomName(prefix));
  await forEachLimit(clusters, CREATE_CONCURRENCY, (name) =>
    custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterObject(name, ns) }),
  );
  return { ns, clusters };
}

/**
 * ping.yml operations named `<cluster>-<index>`, created `perCluster` rounds over the clusters,
 * so each cluster's come in index order. Returns their uids, in creation order.
 */
export async function createBenchOperations(env: TestEnv, clusters: readonly string[], perCluster: number, opts: { concurrency?: number } = {}): Promise<string[]> {
  const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
  const uids: string[] = [];
  for (let i = 0; i < perCluster; i++) {
    await forEachLimit(clusters, opts.concurrency ?? CREATE_CONCURRENCY, async (cluster) => {
      const body = operationObject(`${cluster}-${String(i).padStart(3, '0')}`, { cluster });
      const created = (await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body })) as ClusterOperation;
      uids.push(created.metadata.uid!);
    });
  }
  return uids;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
