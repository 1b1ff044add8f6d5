/**
 * What the controller benchmarks share: Clusters and ClusterOperations created in the test
 * apiserver (many at once), and quantiles. The inputs are those of test/fixtures/kube-cluster.ts.
 */
import { ApiException, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
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
    createRetrying(
      () => custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterObject(name, ns) }),
      () => custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name }),
    ),
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
      const name = `${cluster}-${String(i).padStart(3, '0')}`;
      const body = operationObject(name, { cluster });
      const created = (await createRetrying(
        () => custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body }),
        () => custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name }),
      )) as ClusterOperation;
      uids.push(created.metadata.uid!);
    });
  }
  return uids;
}

/**
 * A create, again after a 5xx or 429: on a loaded machine the test environment's admission
 * webhook drops a call now and then (the apiserver answers 500), which must not end a backlog of
 * thousands. A retry that finds the object made (the lost answer was a success) reads it.
 */
async function createRetrying(create: () => Promise<unknown>, read: () => Promise<unknown>): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      const code = err instanceof ApiException ? (err.code as number) : 0;
      if (code === 409 && attempt > 1) return read();
      if ((code < 500 && code !== 429) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
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
