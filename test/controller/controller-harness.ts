/**
 * Shared by the controller's integration tests: each file's cleanup lists, a cluster with its
 * inputs, operations, polling, watches that record every version of kubean objects, held pods
 * released or failed, and controllers in-process or as real `slipway controller` processes.
 * Every controller reconciles every ClusterOperation in the apiserver: each test stops the ones
 * it started.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ApiException, BatchV1Api, CoreV1Api, CustomObjectsApi, setHeaderOptions, type KubernetesListObject, type KubernetesObject, type V1ObjectMeta } from '@kubernetes/client-node';
import { Queue } from 'bullmq';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation, type ClusterOperationSpec } from '../../src/api/types.js';
import { Controller, type ControllerOptions } from '../../src/controller/controller.js';
import { ResilientInformer } from '../../src/api/informer.js';
import { defaultBuiltinDir } from '../../src/engine/builtin-dir.js';
import { OPERATION_UID_LABEL } from '../../src/executors/job-builder.js';
import { startDaemon, logTail, type Daemon } from '../../src/util/daemon.js';
import { freePort } from '../../src/util/free-port.js';
import { createLogger } from '../../src/cli/logger.js';
import { FAIL_POD_LABEL, FAKE_NODE_LABEL, RUN_DURATION_ANNOTATION, loadTestEnv } from '../env/index.js';
import { clusterObject, createClusterInputs, INPUT_NAMES, operationObject } from '../fixtures/kube-cluster.js';
import { EventRecorder } from './event-recorder.js';

export const env = loadTestEnv();
export const core = env.kubeConfig.makeApiClient(CoreV1Api);
export const batch = env.kubeConfig.makeApiClient(BatchV1Api);
export const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);

export type Cleanups = (() => Promise<unknown>)[];

/**
 * A test file's two cleanup lists, called at its top level: `running` (controllers, watches) is
 * emptied after each test, because every controller reconciles every ClusterOperation and each
 * test stops its own before the next starts; `cleanups` (the objects tests made) after the last.
 */
export function testLifecycle(): { cleanups: Cleanups; running: Cleanups } {
  const cleanups: Cleanups = [];
  const running: Cleanups = [];
  afterEach(async () => {
    for (const stop of running.splice(0).reverse()) await stop().catch(() => undefined);
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });
  return { cleanups, running };
}

const FAKE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';

/**
 * Pods of Jobs in namespaces starting with this stay Running until annotated
 * {@link RELEASE_ANNOTATION}=true (see test/env/kwok/pod-complete.yaml).
 */
export const HELD_NAMESPACE_PREFIX = 'held-';
export const RELEASE_ANNOTATION = 'slipway.test/release';

export interface FixtureInputs {
  /** hosts.yml of ConfigMap `hosts` (default: node1 in every group). */
  hosts?: string;
  /** group_vars.yml of ConfigMap `vars`. */
  vars?: string;
  /** Secret `ssh` (default: a fake key). */
  secret?: Record<string, string>;
  /** ConfigMap `actions`, for actionSource configmap. */
  actions?: Record<string, string>;
}

/**
 * A namespace with the cluster's inputs (ConfigMaps `hosts`, `vars`, maybe `actions`, Secret
 * `ssh`), and the Cluster itself; `cleanups` gets its deletion.
 */
export async function clusterFixture(prefix: string, cleanups: Cleanups, inputs: FixtureInputs = {}): Promise<{ ns: string; cluster: string }> {
  const ns = await env.namespace(prefix);
  const cluster = env.randomName(prefix);
  await createClusterInputs(core, ns, inputs);
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: INPUT_NAMES.ssh }, stringData: inputs.secret ?? { 'ssh-privatekey': FAKE_KEY } } });
  if (inputs.actions) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: INPUT_NAMES.actions }, data: inputs.actions } });
  await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterObject(cluster, ns, { ssh: true }) });
  cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster }));
  return { ns, cluster };
}

export async function createOperation(name: string, spec: Partial<ClusterOperationSpec> & { cluster: string }, cleanups: Cleanups): Promise<ClusterOperation> {
  const created = (await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body: operationObject(name, spec) })) as ClusterOperation;
  cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name }).catch(() => undefined));
  return created;
}

export const getOp = async (name: string): Promise<ClusterOperation> =>
  (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name })) as ClusterOperation;
export const getCluster = async (name: string): Promise<Cluster> =>
  (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name })) as Cluster;
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

export const finished = async (name: string, timeoutMs = 60_000): Promise<ClusterOperation> => {
  let last: ClusterOperation | undefined;
  try {
    return await eventually(`${name} to finish`, async () => {
      last = await getOp(name);
      return last.status?.status === 'Succeeded' || last.status?.status === 'Failed' || last.status?.status === 'Cancelled' ? last : undefined;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; its status then: ${JSON.stringify(last?.status ?? null)}`);
  }
};

export const gone = async (read: () => Promise<unknown>): Promise<true | undefined> => {
  try {
    await read();
    return undefined;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return true;
    throw err;
  }
};

/** The operation Running with its one Job, whose pod is Running; returns the Job's and pod's names. */
export async function runningPod(ns: string, op: ClusterOperation, timeoutMs = 60_000): Promise<{ job: string; pod: string }> {
  return eventually(`${op.metadata.name} Running with a Running pod`, async () => {
    const o = await getOp(op.metadata.name!);
    if (o.status?.status !== 'Running') return undefined;
    const jobs = await jobsOf(ns, op.metadata.uid!);
    if (jobs.length !== 1) return undefined;
    const job = jobs[0]!.metadata!.name!;
    const pods = (await podsOfJob(ns, job)).filter((p) => p.status?.phase === 'Running');
    return pods.length === 1 ? { job, pod: pods[0]!.metadata!.name! } : undefined;
  }, timeoutMs);
}

async function patchPodMetadata(ns: string, pod: string, metadata: V1ObjectMeta): Promise<void> {
  await core.patchNamespacedPod({ name: pod, namespace: ns, body: { metadata } }, setHeaderOptions('Content-Type', 'application/merge-patch+json'));
}

/** Lets a held pod complete (kwok's pod-complete stage then runs it to Succeeded). */
export const releasePod = (ns: string, pod: string): Promise<void> => patchPodMetadata(ns, pod, { annotations: { [RELEASE_ANNOTATION]: 'true' } });

/** Makes a running pod fail, held or not (kwok's pod-fail stage: its containers exit 1). */
export const failPod = (ns: string, pod: string): Promise<void> => patchPodMetadata(ns, pod, { labels: { [FAIL_POD_LABEL.key]: FAIL_POD_LABEL.value } });

/**
 * Every version of the kubean objects of `plural` (Clusters, ClusterOperations) from now on, in
 * the order the watch delivers them: a ResilientInformer whose restarts resume from the last
 * resourceVersion, so no write in between is missed. `running` gets its stop.
 */
export async function watchKubean<T extends KubernetesObject>(plural: string, running: Cleanups): Promise<EventRecorder<T>> {
  const versions = new EventRecorder<T>();
  const informer = new ResilientInformer<T>({
    kubeConfig: env.kubeConfig,
    path: `/apis/${GROUP}/${VERSION}/${plural}`,
    list: () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural }) as Promise<KubernetesListObject<T>>,
  });
  informer.onAdd(versions.push).onUpdate(versions.push);
  await informer.start();
  running.push(() => informer.stop());
  return versions;
}

/** Resolves once `versions` holds the object as `read` returns it now: every earlier write has been seen. */
export async function watchCaughtUp<T extends KubernetesObject>(versions: EventRecorder<T>, read: () => Promise<T>): Promise<void> {
  const { name, resourceVersion } = (await read()).metadata ?? {};
  await versions.waitFor(`the watch to deliver ${name} at resourceVersion ${resourceVersion}`, (seen) => seen.some((o) => o.metadata?.name === name && o.metadata?.resourceVersion === resourceVersion));
}

/**
 * An in-process controller running operations as Jobs whose pods kwok runs (2 s each unless
 * `extra` says otherwise), on a queue and Lease of its own unless `extra` names them (a
 * controller started again on the same ones resumes the first one's turns). `running` gets its
 * stop, which also empties its queue.
 */
export async function startController(ns: string, running: Cleanups, extra: Partial<ControllerOptions> = {}): Promise<Controller> {
  const queueName = extra.queueName ?? env.randomName('ctl');
  const admission = extra.admission ?? { key: await admissionKey(), protectedNamespace: env.admission.namespace };
  const controller = await Controller.start({
    kubeConfig: env.kubeConfig,
    namespace: ns,
    redis: { host: env.redis.host, port: env.redis.port },
    identity: 'test',
    executor: 'job',
    jobImage: 'registry.invalid/slipway/job:test',
    jobPod: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value }, annotations: { [RUN_DURATION_ANNOTATION]: '2s' } },
    readPodLogs: false,
    builtinDir: defaultBuiltinDir(),
    historyLimit: 30,
    operator: {},
    queueName,
    keyPrefix: `${queueName}:`,
    leaseName: queueName,
    lease: { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 },
    logger: createLogger({ level: process.env.SLIPWAY_LOG_LEVEL ?? 'warn' }),
    ...extra,
    admission,
  });
  running.push(async () => {
    await controller.stop();
    const q = new Queue(queueName, { connection: { host: env.redis.host, port: env.redis.port } });
    await q.obliterate({ force: true });
    await q.close();
  });
  return controller;
}

let key: Promise<Buffer> | undefined;

/** The HMAC key of the test environment's admission webhook: controllers verify its stamps with it. */
export function admissionKey(): Promise<Buffer> {
  key ??= core.readNamespacedSecret({ namespace: env.admission.namespace, name: env.admission.secretName }).then((s) => Buffer.from(s.data?.['hmac.key'] ?? '', 'base64'));
  return key;
}

/** Flags that make a `slipway controller` verify the test webhook's stamps (and serve its own copy on a free port, unregistered). */
export const ADMISSION_ARGS = (): string[] => [`--webhook-secret=${env.admission.namespace}/${env.admission.secretName}`, '--webhook-config=', '--webhook-port=0'];

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
  running: Cleanups;
  extraArgs?: string[];
  kubeconfigPath?: string;
  waitReady?: boolean;
  /** More environment variables for the process. */
  env?: Record<string, string>;
  /** node's own flags (V8's among them), before the script. */
  nodeArgs?: string[];
}): Promise<ControllerProcess> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-ctl-'));
  const daemon = startDaemon({
    name: `slipway controller ${o.podName}`,
    command: process.execPath,
    args: [...(o.nodeArgs ?? []), CLI, 'controller', `--namespace=${o.ns}`, `--redis-url=${o.redisUrl}`, `--kubeconfig=${o.kubeconfigPath ?? env.kubeconfigPath}`, `--metrics-addr=127.0.0.1:${port}`, '--metrics-auth=none', '--shared-hosts=allow', ...ADMISSION_ARGS(), ...(o.extraArgs ?? [])],
    logFile: join(env.logsDir, `controller-${o.podName}.log`),
    cwd: dir,
    env: { ...process.env, POD_NAME: o.podName, SLIPWAY_LOG_LEVEL: process.env.SLIPWAY_LOG_LEVEL ?? 'info', ...o.env },
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
  o.running.push(async () => {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  });
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
