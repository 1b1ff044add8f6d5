/**
 * Prints how long after a Job's pod reaches Succeeded its ClusterOperation's status says
 * Succeeded: p50/p99/max over N operations (default 200), spread over clusters (each cluster
 * runs its operations one at a time). Needs the test environment (apiserver + kwok + Redis):
 *   node dist/test/env/run.js dist/bench/status-latency.js [-- N]   (or SLIPWAY_BENCH_OPS=N)
 * Both moments are when this process's watches see them, on one clock. Numbers only.
 */
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { Queue } from 'bullmq';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../src/api/types.js';
import { Controller } from '../src/controller/controller.js';
import { defaultBuiltinDir } from '../src/engine/builtin-dir.js';
import { OPERATION_UID_LABEL } from '../src/executors/job-builder.js';
import { createLogger } from '../src/cli/logger.js';
import { FAKE_NODE_LABEL, RUN_DURATION_ANNOTATION, loadTestEnv } from '../test/env/index.js';
import { admissionKey } from '../test/controller/controller-harness.js';
import { createBenchClusters, createBenchOperations, quantile } from './kube-bench.js';

const OPS = Number(process.env.SLIPWAY_BENCH_OPS ?? 200);
const PER_CLUSTER = 5;

const env = loadTestEnv();
const { ns, clusters } = await createBenchClusters(env, 'bench-lat', Math.ceil(OPS / PER_CLUSTER));

const podSucceeded = new Map<string, number>();
const opSucceeded = new Map<string, number>();
const watch = new Watch(env.kubeConfig);
const podWatch = await watch.watch(`/api/v1/namespaces/${ns}/pods`, { labelSelector: OPERATION_UID_LABEL }, (_type, pod: V1Pod) => {
  const uid = pod.metadata?.labels?.[OPERATION_UID_LABEL];
  if (uid && pod.status?.phase === 'Succeeded' && !podSucceeded.has(uid)) podSucceeded.set(uid, performance.now());
}, () => undefined);
const opWatch = await watch.watch(`/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`, {}, (_type, op: ClusterOperation) => {
  const uid = op.metadata.uid;
  if (uid && op.status?.status === 'Succeeded' && !opSucceeded.has(uid)) opSucceeded.set(uid, performance.now());
}, () => undefined);

const queueName = env.randomName('bench-q');
const controller = await Controller.start({
  kubeConfig: env.kubeConfig,
  namespace: ns,
  redis: { host: env.redis.host, port: env.redis.port },
  identity: 'bench',
  executor: 'job',
  jobImage: 'registry.invalid/slipway/job:bench',
  jobPod: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value }, annotations: { [RUN_DURATION_ANNOTATION]: '1s' } },
  readPodLogs: false,
  builtinDir: defaultBuiltinDir(),
  historyLimit: 100,
  operator: {},
  admission: { key: await admissionKey(), protectedNamespace: env.admission.namespace },
  queueName,
  keyPrefix: `${queueName}:`,
  leaseName: queueName,
  logger: createLogger({ level: 'error' }),
});

const started = performance.now();
// One at a time, as operations arrive, not as a backlog.
const uids = await createBenchOperations(env, clusters, PER_CLUSTER, { concurrency: 1 });
const deadline = Date.now() + 15 * 60_000;
while (uids.some((u) => !opSucceeded.has(u) || !podSucceeded.has(u)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
const wall = (performance.now() - started) / 1000;

const latencies = uids.filter((u) => opSucceeded.has(u) && podSucceeded.has(u)).map((u) => opSucceeded.get(u)! - podSucceeded.get(u)!).sort((a, b) => a - b);
const q = (p: number): number => quantile(latencies, p);
console.log(`status latency (pod Succeeded → ClusterOperation status Succeeded, as watched) over ${latencies.length}/${OPS} operations, ${clusters.length} clusters, ${wall.toFixed(1)} s wall:`);
console.log(`  p50 ${q(50).toFixed(0)} ms   p90 ${q(90).toFixed(0)} ms   p99 ${q(99).toFixed(0)} ms   max ${(latencies.at(-1) ?? NaN).toFixed(0)} ms   min ${(latencies[0] ?? NaN).toFixed(0)} ms`);

podWatch.abort();
opWatch.abort();
await controller.stop();
const queue = new Queue(queueName, { connection: { host: env.redis.host, port: env.redis.port } });
await queue.obliterate({ force: true });
await queue.close();
