/**
 * Benchmark (b): Clusters × ClusterOperations each (ping.yml; kwok completes each Job's pod at
 * once) through one `slipway controller` process in Job mode, started over the whole backlog.
 * Prints the time until every operation was dispatched (its Job created) and until every one
 * finished, the controller's resident memory, and the apiserver requests and Redis commands per
 * operation. Needs the test environment:
 *   node dist/test/env/run.js dist/bench/fleet.js
 *   SLIPWAY_FLEET_CLUSTERS (default 1000), SLIPWAY_FLEET_OPS (per cluster, default 10),
 *   SLIPWAY_FLEET_TIMEOUT_MIN (default 120), SLIPWAY_FLEET_CONCURRENCY (the controller's --concurrency;
 *   default: the controller's), SLIPWAY_FLEET_NODE_ARGS (node's flags for the controller, space-separated;
 *   default: the image's, see scripts/build-controller-image.sh)
 * The controller runs as the test environment's audited user: every request it makes is in the
 * apiserver's audit log, which is what is counted. Numbers only; nothing is asserted.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type KubernetesListObject, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../src/api/types.js';
import { isFinished } from '../src/controller/history.js';
import { ResilientInformer } from '../src/api/informer.js';
import { MANAGED_BY, MANAGED_BY_LABEL, OPERATION_UID_LABEL } from '../src/executors/job-builder.js';
import { auditedRequests, requestKind } from '../test/env/audit-log.js';
import { AUDITED_USER } from '../test/env/certs.js';
import { loadTestEnv } from '../test/env/index.js';
import { httpGet, sample, spawnController } from '../test/controller/controller-harness.js';
import { createBenchClusters, createBenchOperations, quantile } from './kube-bench.js';

const CLUSTERS = Number(process.env.SLIPWAY_FLEET_CLUSTERS ?? 1000);
const PER_CLUSTER = Number(process.env.SLIPWAY_FLEET_OPS ?? 10);
const TIMEOUT_MS = Number(process.env.SLIPWAY_FLEET_TIMEOUT_MIN ?? 120) * 60_000;
const MiB = 1024 * 1024;
/** The controller's peak RSS goals: a few clusters as kubean's operator (~64 MiB), and a fleet. */
const RSS_GOAL_MIB = (clusters: number): number => (clusters <= 10 ? 96 : 200);
// As the controller image starts node (scripts/build-controller-image.sh).
const CONTROLLER_NODE_ARGS = ['--max-semi-space-size=1'];

const env = loadTestEnv();
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string): void => console.log(line);

// The backlog, before the controller starts.
let t = performance.now();
const { ns, clusters } = await createBenchClusters(env, 'fleet', CLUSTERS);
const uids = await createBenchOperations(env, clusters, PER_CLUSTER);
const total = uids.length;
log(`fleet: ${CLUSTERS} clusters × ${PER_CLUSTER} operations = ${total} (ping.yml), created in ${seconds(performance.now() - t)}`);

// What this process sees: each operation's Job created, its pod created and Succeeded, the operation finished.
const dispatchedAt = new Map<string, number>();
const podCreatedAt = new Map<string, number>();
const podEndedAt = new Map<string, number>();
const finishedAt = new Map<string, number>();
const batch = env.kubeConfig.makeApiClient(BatchV1Api);
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
const jobs = new ResilientInformer<V1Job>({
  kubeConfig: env.kubeConfig,
  path: `/apis/batch/v1/namespaces/${ns}/jobs`,
  list: () => batch.listNamespacedJob({ namespace: ns, labelSelector: selector }),
  labelSelector: selector,
});
const pods = new ResilientInformer<V1Pod>({
  kubeConfig: env.kubeConfig,
  path: `/api/v1/namespaces/${ns}/pods`,
  list: () => core.listNamespacedPod({ namespace: ns, labelSelector: selector }),
  labelSelector: selector,
});
const ops = new ResilientInformer<ClusterOperation>({
  kubeConfig: env.kubeConfig,
  path: `/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`,
  list: () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL }) as Promise<KubernetesListObject<ClusterOperation>>,
});
const onJob = (job: V1Job): void => {
  const uid = job.metadata?.labels?.[OPERATION_UID_LABEL];
  if (uid && !dispatchedAt.has(uid)) dispatchedAt.set(uid, performance.now());
};
const onPod = (pod: V1Pod): void => {
  const uid = pod.metadata?.labels?.[OPERATION_UID_LABEL];
  if (!uid) return;
  if (!podCreatedAt.has(uid)) podCreatedAt.set(uid, performance.now());
  if ((pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') && !podEndedAt.has(uid)) podEndedAt.set(uid, performance.now());
};
const onOp = (op: ClusterOperation): void => {
  if (isFinished(op) && !finishedAt.has(op.metadata.uid!)) finishedAt.set(op.metadata.uid!, performance.now());
};
jobs.onAdd(onJob).onUpdate(onJob);
pods.onAdd(onPod).onUpdate(onPod);
ops.onAdd(onOp).onUpdate(onOp);
await Promise.all([jobs.start(), pods.start(), ops.start()]);

const redis = new Redis({ host: env.redis.host, port: env.redis.port });
const redisCallsBefore = await redisCalls(redis);

// The controller, as its own process and as the audited user.
const running: (() => Promise<unknown>)[] = [];
t = performance.now();
const concurrency = process.env.SLIPWAY_FLEET_CONCURRENCY;
const controllerNodeArgs = (process.env.SLIPWAY_FLEET_NODE_ARGS ?? CONTROLLER_NODE_ARGS.join(' ')).split(' ').filter(Boolean);
const controller = await spawnController({
  ns,
  redisUrl: env.redis.url,
  podName: 'fleet',
  running,
  kubeconfigPath: env.auditedKubeconfigPath,
  extraArgs: concurrency ? [`--concurrency=${concurrency}`] : [],
  nodeArgs: controllerNodeArgs,
  // As the controller image sets it (scripts/build-controller-image.sh).
  env: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
});
const pid = controller.daemon.pid;
const readyMs = performance.now() - t;
// The event-loop delay histogram restarts at each scrape: this one starts the run's.
await httpGet(`${controller.metricsUrl}/metrics`).catch(() => undefined);
let rssPeakSampled = 0;
const sampler = setInterval(() => (rssPeakSampled = Math.max(rssPeakSampled, memoryOf(pid).rss)), 500);

const deadline = Date.now() + TIMEOUT_MS;
let lastReport = 0;
while (finishedAt.size < total && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 1000));
  if (Date.now() - lastReport > 60_000) {
    lastReport = Date.now();
    log(`  … ${seconds(performance.now() - t)}: ${dispatchedAt.size} dispatched, ${finishedAt.size} finished, RSS ${(memoryOf(pid).rss / MiB).toFixed(0)} MiB`);
  }
}
clearInterval(sampler);
const memory = memoryOf(pid);
const metrics = await httpGet(`${controller.metricsUrl}/metrics`).catch(() => ({ status: 0, text: '' }));
const heapUsed = sample(metrics.text, 'nodejs_heap_size_used_bytes') ?? NaN;
const loopDelayMax = sample(metrics.text, 'nodejs_eventloop_lag_max_seconds') ?? NaN;
const loopDelayP99 = sample(metrics.text, 'nodejs_eventloop_lag_p99_seconds') ?? NaN;
const cpuSeconds = cpuSecondsOf(pid);
const redisCallsAfter = await redisCalls(redis);
// Stops the controller and removes its working directory.
for (const stop of running) await stop();
await Promise.all([jobs.stop(), pods.stop(), ops.stop()]);
redis.disconnect();

// The times, from the controller's start.
const since = (at: number): number => at - t;
const ended = [...finishedAt.values()].map(since).sort((a, b) => a - b);
const dispatched = [...dispatchedAt.values()].map(since).sort((a, b) => a - b);
const firstOfEach = clusters.length;
log(`  controller ready (leading, informers synced) after ${seconds(readyMs)}`);
log(`  dispatched (Job created): first ${seconds(dispatched[0] ?? NaN)}, one per cluster (${firstOfEach}) ${seconds(dispatched[firstOfEach - 1] ?? NaN)}, all ${dispatched.length}/${total} ${seconds(dispatched.at(-1) ?? NaN)}`);
log(`  finished: ${ended.length}/${total} in ${seconds(ended.at(-1) ?? NaN)} (${(ended.length / ((ended.at(-1) ?? NaN) / 1000)).toFixed(1)} operations/s)`);
log(`  controller CPU: ${cpuSeconds.toFixed(0)} s (${((cpuSeconds * 1000) / total).toFixed(1)} ms per operation); event loop delay p99 ${(loopDelayP99 * 1000).toFixed(0)} ms, max ${(loopDelayMax * 1000).toFixed(0)} ms`);
log(`  controller memory: peak RSS ${(memory.hwm / MiB).toFixed(0)} MiB (VmHWM; sampled ${(rssPeakSampled / MiB).toFixed(0)} MiB), RSS at the end ${(memory.rss / MiB).toFixed(0)} MiB, V8 heap used ${(heapUsed / MiB).toFixed(0)} MiB`);
log(`  goal (issue 21): peak RSS ≤ ${RSS_GOAL_MIB(CLUSTERS)} MiB at ${CLUSTERS <= 10 ? '≤ 10 clusters' : '1000 clusters × 10 operations'}: ${memory.hwm / MiB <= RSS_GOAL_MIB(CLUSTERS) ? 'met' : 'not met'}; node flags ${controllerNodeArgs.join(' ') || 'none'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

// Where an operation's time goes, as this process saw it (medians, p90): whose work each stretch is.
const stretches: [string, (uid: string, previous: string | undefined) => number | undefined][] = [
  ['previous one of its cluster finished → Job created (controller: turn handed over, planned, dispatched)', (uid, prev) => gap(prev === undefined ? undefined : finishedAt.get(prev), dispatchedAt.get(uid))],
  ['Job created → pod created (kube-controller-manager)', (uid) => gap(dispatchedAt.get(uid), podCreatedAt.get(uid))],
  ['pod created → pod Succeeded (kube-scheduler, kwok)', (uid) => gap(podCreatedAt.get(uid), podEndedAt.get(uid))],
  ['pod Succeeded → operation finished (controller)', (uid) => gap(podEndedAt.get(uid), finishedAt.get(uid))],
];
log('  where an operation\'s time goes (p50 / p90):');
for (const [what, measure] of stretches) {
  const values = uids.flatMap((uid, i) => {
    const v = measure(uid, i >= clusters.length ? uids[i - clusters.length] : undefined);
    return v === undefined ? [] : [v];
  }).sort((a, b) => a - b);
  log(`    ${quantile(values, 50).toFixed(0).padStart(6)} / ${quantile(values, 90).toFixed(0).padStart(6)} ms  ${what}`);
}

// Requests: every one the controller made, from the audit log of its user.
const requests = (await auditedRequests(env.auditLogPath)).filter((r) => r.user.username === AUDITED_USER);
const byKind = new Map<string, number>();
for (const r of requests) byKind.set(requestKind(r), (byKind.get(requestKind(r)) ?? 0) + 1);
log(`  apiserver requests by the controller: ${requests.length} = ${(requests.length / total).toFixed(2)} per operation`);
for (const [kind, n] of [...byKind].sort((a, b) => b[1] - a[1])) log(`    ${(n / total).toFixed(2).padStart(7)}  ${String(n).padStart(7)}  ${kind}`);
const redisTotal = [...redisCallsAfter.values()].reduce((a, b) => a + b, 0) - [...redisCallsBefore.values()].reduce((a, b) => a + b, 0);
log(`  Redis commands (the controller and its worker; those Lua scripts run counted one by one): ${redisTotal} = ${(redisTotal / total).toFixed(1)} per operation`);
const redisByCommand = [...redisCallsAfter].map(([command, n]) => [command, n - (redisCallsBefore.get(command) ?? 0)] as const).sort((a, b) => b[1] - a[1]);
for (const [command, n] of redisByCommand.slice(0, 8)) log(`    ${(n / total).toFixed(2).padStart(7)}  ${String(n).padStart(7)}  ${command}`);
if (finishedAt.size < total) log(`  TIMED OUT after ${seconds(TIMEOUT_MS)}: ${total - finishedAt.size} operations did not finish`);

function gap(from: number | undefined, to: number | undefined): number | undefined {
  return from === undefined || to === undefined ? undefined : to - from;
}

/** User and system CPU time of a process, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSecondsOf(processId: number): number {
  const fields = readFileSync(`/proc/${processId}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are the 14th and 15th fields; [0] here is the 3rd (state).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function memoryOf(processId: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${processId}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Commands Redis has run so far by command (INFO commandstats), this connection's INFO calls included. */
async function redisCalls(client: Redis): Promise<Map<string, number>> {
  const info = await client.info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}
