/**
 * Shared by the controller's integration tests: a cluster with its inputs, operations, polling,
 * and controllers in-process or as real `slipway controller` processes. Every controller
 * reconciles every ClusterOperation in the apiserver: each test stops the ones it started.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiException, BatchV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation, type ClusterOperationSpec } from '../../src/api/types.js';
import { OPERATION_UID_LABEL } from '../../src/executors/job-builder.js';
import { startDaemon, logTail, type Daemon } from '../../src/util/daemon.js';
import { freePort } from '../../src/util/free-port.js';
import { loadTestEnv } from '../env/index.js';
import { clusterObject, createClusterInputs, INPUT_NAMES, operationObject } from '../fixtures/kube-cluster.js';

export const env = loadTestEnv();
export const core = env.kubeConfig.makeApiClient(CoreV1Api);
export const batch = env.kubeConfig.makeApiClient(BatchV1Api);
export const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);

export const FAKE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';

/**
 * Pods of Jobs in namespaces starting with this stay Running until annotated
 * {@link RELEASE_ANNOTATION}=true (see test/env/kwok/pod-complete.yaml).
 */
export const HELD_NAMESPACE_PREFIX = 'held-';
export const RELEASE_ANNOTATION = 'slipway.test/release';

/** A namespace with the cluster's inputs, and the Cluster itself; `cleanups` gets its deletion. */
export async function clusterFixture(prefix: string, cleanups: (() => Promise<unknown>)[]): Promise<{ ns: string; cluster: string }> {
  const ns = await env.namespace(prefix);
  const cluster = env.randomName(prefix);
  await createClusterInputs(core, ns);
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: INPUT_NAMES.ssh }, stringData: { 'ssh-privatekey': FAKE_KEY } } });
  await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterObject(cluster, ns, { ssh: true }) });
  cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster }));
  return { ns, cluster };
}

export async function createOperation(name: string, spec: Partial<ClusterOperationSpec> & { cluster: string }, cleanups: (() => Promise<unknown>)[]): Promise<ClusterOperation> {
  const created = (await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body: operationObject(name, spec) })) as ClusterOperation;
  cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name }).catch(() => undefined));
  return created;
}

export const getOp = async (name: string): Promise<ClusterOperation> =>
  (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name })) as ClusterOperation;
export const jobsOf = async (ns: string, uid: string) => (await batch.listNamespacedJob({ namespace: ns, labelSelector: `${OPERATION_UID_LABEL}=${uid}` })).items;
export const podsOfJob = async (ns: string, job: string) => (await core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${job}` })).items;

/** Polls (tests only) until `check` returns a value; fails with the last error seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const finished = (name: string, timeoutMs = 60_000) =>
  eventually(`${name} to finish`, async () => {
    const op = await getOp(name);
    return op.status?.status === 'Succeeded' || op.status?.status === 'Failed' ? op : undefined;
  }, timeoutMs);

export const gone = async (read: () => Promise<unknown>): Promise<true | undefined> => {
  try {
    await read();
    return undefined;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return true;
    throw err;
  }
};

/** Lets a held pod complete (kwok's pod-complete stage then runs it to Succeeded). */
export async function releasePod(ns: string, pod: string): Promise<void> {
  await core.patchNamespacedPod(
    { name: pod, namespace: ns, body: { metadata: { annotations: { [RELEASE_ANNOTATION]: 'true' } } } },
    (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'),
  );
}

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ControllerProcess {
  daemon: Daemon;
  /** The POD_NAME it was given (its Lease identity starts with it). */
  podName: string;
  metricsUrl: string;
  /** SIGTERM and wait (a clean stop: the Lease is released). */
  stop(): Promise<void>;
  /** SIGKILL and wait: nothing is released, nothing is flushed. */
  kill9(): Promise<void>;
  logTail(): string;
}

/** A real `slipway controller` process; `running` gets its stop. Resolves once /readyz answers 200. */
export async function spawnController(o: {
  ns: string;
  redisUrl: string;
  podName: string;
  running: (() => Promise<unknown>)[];
  extraArgs?: string[];
  kubeconfigPath?: string;
  waitReady?: boolean;
}): Promise<ControllerProcess> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-ctl-'));
  const daemon = startDaemon({
    name: `slipway controller ${o.podName}`,
    command: process.execPath,
    args: [CLI, 'controller', `--namespace=${o.ns}`, `--redis-url=${o.redisUrl}`, `--kubeconfig=${o.kubeconfigPath ?? env.kubeconfigPath}`, `--metrics-addr=127.0.0.1:${port}`, ...(o.extraArgs ?? [])],
    logFile: join(env.logsDir, `controller-${o.podName}.log`),
    cwd: dir,
    env: { ...process.env, POD_NAME: o.podName, SLIPWAY_LOG_LEVEL: process.env.SLIPWAY_LOG_LEVEL ?? 'info' },
  });
  const metricsUrl = `http://127.0.0.1:${port}`;
  const proc: ControllerProcess = {
    daemon,
    podName: o.podName,
    metricsUrl,
    stop: () => daemon.stop(15_000),
    kill9: async () => {
      try {
        process.kill(daemon.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await daemon.exited;
    },
    logTail: () => logTail(daemon.logFile, 60),
  };
  o.running.push(() => proc.stop());
  if (o.waitReady !== false) {
    const exitedEarly = daemon.exited.then((code) => {
      throw new Error(`${daemon.name} exited (${code}) before it was ready:\n${proc.logTail()}`);
    });
    exitedEarly.catch(() => undefined);
    await Promise.race([eventually(`${daemon.name} /readyz`, async () => ((await httpGet(`${metricsUrl}/readyz`)).status === 200 ? true : undefined), 60_000), exitedEarly]);
  }
  return proc;
}

export async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, text: await res.text() };
}

/** The value of one sample in Prometheus text, e.g. `slipway_dispatch_latency_seconds_count`. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    if (line.slice(0, at) === series) return Number(line.slice(at + 1));
  }
  return undefined;
}
