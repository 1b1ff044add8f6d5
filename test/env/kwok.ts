import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Daemon } from '../../src/util/daemon.js';
import { freePort } from '../../src/util/free-port.js';
import { startReadyDaemon } from './component.js';
import { answersOk } from './http-probe.js';
import { repoRoot } from './repo-root.js';

/** kwok manages only nodes carrying this annotation, so it never touches anything else. */
export const FAKE_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;
/** Pods select the fake nodes with this label (nodeSelector type=kwok). */
export const FAKE_NODE_LABEL = { key: 'type', value: 'kwok' } as const;
/** A pod carrying this label fails (containers exit 1) instead of completing; see kwok/pod-fail.yaml. */
export const FAIL_POD_LABEL = { key: 'slipway.test/fail', value: 'true' } as const;
/** A Go duration ("3s") that keeps a Job's pod Running before it completes or fails. */
export const RUN_DURATION_ANNOTATION = 'slipway.test/run-duration';

export interface KwokOptions {
  bin: string;
  kubeconfig: string;
  logFile: string;
  /** Private HOME for kwok (it reads ~/.kwok/kwok.yaml when that exists). */
  home: string;
  /** Stage files; defaults to every YAML file in test/env/kwok/. */
  stageFiles?: string[];
  /** A serving certificate: the apiserver reaches kwok's kubelet endpoint (pod logs) over HTTPS only. */
  tls?: { cert: string; key: string };
  signal?: AbortSignal;
}

export interface Kwok {
  daemon: Daemon;
  stop(): Promise<void>;
}

export const KWOK_CRD_FILES = [join(repoRoot(), 'test', 'env', 'kwok-crds', 'kwok.x-k8s.io_logs.yaml')];

export function defaultStageFiles(): string[] {
  const dir = join(repoRoot(), 'test', 'env', 'kwok');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * The fake nodes' kubelet endpoint is kwok's server (127.0.0.1, the node port), so the apiserver
 * serves pod logs: those a kwok Logs object (its CRD is in test/env/kwok-crds/) points to a file
 * for; other pods' logs are refused at once.
 */
export function kwokArgs(o: { kubeconfig: string; port: number; stageFiles: string[]; tls?: { cert: string; key: string } }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION.key}=${FAKE_NODE_ANNOTATION.value}`,
    `--server-address=127.0.0.1:${o.port}`,
    // Pod IPs outside the service range, so nothing looks like a Service address.
    '--cidr=10.244.0.0/16',
    '--node-ip=127.0.0.1',
    `--node-port=${o.port}`,
    '--enable-crds=Logs',
    ...(o.tls ? [`--tls-cert-file=${o.tls.cert}`, `--tls-private-key-file=${o.tls.key}`] : []),
    ...o.stageFiles.map((f) => `--config=${f}`),
  ];
}

export async function startKwok(o: KwokOptions): Promise<Kwok> {
  const port = await freePort();
  const stageFiles = o.stageFiles ?? defaultStageFiles();
  const daemon = await startReadyDaemon({
    name: 'kwok',
    command: o.bin,
    args: kwokArgs({ kubeconfig: o.kubeconfig, port, stageFiles, ...(o.tls ? { tls: o.tls } : {}) }),
    logFile: o.logFile,
    env: { ...process.env, HOME: o.home },
    signal: o.signal,
    timeoutMs: 30_000,
    ready: () => answersOk(`http://127.0.0.1:${port}/healthz`),
  });
  return { daemon, stop: () => daemon.stop() };
}

export function fakeNodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `kwok-node-${i}`);
}

export function fakeNode(name: string): V1Node {
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [FAKE_NODE_ANNOTATION.key]: FAKE_NODE_ANNOTATION.value },
      labels: {
        [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
    spec: {},
    status: { capacity: resources, allocatable: resources },
  };
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Creates the fake nodes and waits until kwok has made every one Ready. */
export async function createFakeNodes(kc: KubeConfig, names: string[], signal?: AbortSignal, timeoutMs = 30_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(names.map((name) => core.createNode({ body: fakeNode(name) })));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const list = await core.listNode({ labelSelector: `${FAKE_NODE_LABEL.key}=${FAKE_NODE_LABEL.value}` });
    const ready = new Set(list.items.filter(isReady).map((n) => n.metadata?.name));
    const waiting = names.filter((n) => !ready.has(n));
    if (waiting.length === 0) return;
    if (Date.now() > deadline) throw new Error(`fake nodes not Ready after ${timeoutMs} ms: ${waiting.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
