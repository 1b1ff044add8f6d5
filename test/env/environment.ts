import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startLocalHosts } from '../../src/hosts/local-hosts.js';
import { generateCerts } from './certs.js';
import { ADMISSION_CONFIG, ADMISSION_NAMESPACE, ADMISSION_SECRET, startAdmissionWebhook } from './admission-webhook.js';
import { applyCrds } from './crds.js';
import { startEtcd } from './etcd.js';
import type { TestEnvState } from './index.js';
import { startApiServer } from './kube-apiserver.js';
import { resolveKubeBinaries } from './kube-binaries.js';
import { startControllerManager, startScheduler } from './kube-controllers.js';
import { writeAdminKubeconfig, writeAuditedKubeconfig } from './kubeconfig.js';
import { createFakeNodes, FAIL_POD_LABEL, fakeNodeNames, KWOK_CRD_FILES, startKwok } from './kwok.js';
import { startRedis } from './redis.js';
import type { Teardown } from './teardown.js';

export const FAKE_NODE_COUNT = 3;
export const SSH_HOST_COUNT = 3;

/** Waits for every promise and then throws the first failure, so nothing is still starting when teardown runs. */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * Every component is handed to `teardown` the moment it is ready, never later, so a failure
 * or an abort elsewhere cannot strand it.
 *
 * Starts etcd, the Kubernetes control plane, kwok with its fake nodes, the CRDs, Redis and
 * the SSH hosts under `runDir`; every started component is registered with `teardown`.
 * Writes the state file and returns its path with the state.
 */
export async function startTestEnvironment(
  runDir: string,
  teardown: Teardown,
  opts: { log?: (message: string) => void; signal?: AbortSignal } = {},
): Promise<{ stateFile: string; state: TestEnvState }> {
  const { log = () => undefined, signal } = opts;
  const bins = resolveKubeBinaries();
  const logsDir = join(runDir, 'logs');
  await mkdir(logsDir, { recursive: true });
  const logFile = (name: string): string => join(logsDir, `${name}.log`);
  const timed = async <T>(name: string, start: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await start();
    log(`${name} ready in ${Date.now() - t0} ms`);
    return result;
  };

  const kube = async () => {
    const [certs, etcd] = await settleAll([
      generateCerts(join(runDir, 'certs'), signal),
      timed('etcd', async () => {
        const e = await startEtcd({ bin: bins.etcd, dir: runDir, logFile: logFile('etcd'), signal });
        teardown.add('etcd', e.stop, e.daemon.pid);
        return e;
      }),
    ] as const);
    const api = await timed('kube-apiserver', async () => {
      const a = await startApiServer({ bin: bins.kubeApiserver, etcdUrl: etcd.url, certs, logFile: logFile('kube-apiserver'), auditLog: join(logsDir, 'audit.jsonl'), signal });
      teardown.add('kube-apiserver', a.stop, a.daemon.pid);
      return a;
    });
    const kubeconfigPath = await writeAdminKubeconfig(join(runDir, 'kubeconfig'), api.url, certs);
    const auditedKubeconfigPath = await writeAuditedKubeconfig(join(runDir, 'audited.kubeconfig'), api.url, certs);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const controllerOpts = (name: string, bin: string) =>
      ({ bin, kubeconfig: kubeconfigPath, certDir: join(runDir, name), logFile: logFile(name), signal });
    const fakeNodes = fakeNodeNames(FAKE_NODE_COUNT);
    await settleAll([
      timed('kube-controller-manager', async () => {
        const c = await startControllerManager(controllerOpts('kube-controller-manager', bins.kubeControllerManager), certs);
        teardown.add(c.name, c.stop, c.daemon.pid);
      }),
      timed('kube-scheduler', async () => {
        const c = await startScheduler(controllerOpts('kube-scheduler', bins.kubeScheduler));
        teardown.add(c.name, c.stop, c.daemon.pid);
      }),
      timed('kwok and fake nodes', async () => {
        await applyCrds(bins.kubectl, kubeconfigPath, signal, KWOK_CRD_FILES);
        const tls = { cert: certs.apiServerCert, key: certs.apiServerKey };
        const kwok = await startKwok({ bin: bins.kwok, kubeconfig: kubeconfigPath, home: join(runDir, 'kwok-home'), logFile: logFile('kwok'), tls, signal });
        teardown.add('kwok', kwok.stop, kwok.daemon.pid);
        await createFakeNodes(kc, fakeNodes, signal);
      }),
      timed('CRDs', () => applyCrds(bins.kubectl, kubeconfigPath, signal)),
    ] as const);
    const webhook = await timed('admission webhook', async () => {
      const w = await startAdmissionWebhook({ kubeConfig: kc, kubeconfigPath, logFile: logFile('webhook'), signal });
      teardown.add('admission webhook', () => w.daemon.stop(), w.daemon.pid);
      return w;
    });
    return { webhookUrl: webhook.url, kubeconfigPath, auditedKubeconfigPath, apiServerUrl: api.url, fakeNodes };
  };

  const [k8s, redis, fleet] = await settleAll([
    kube(),
    timed('redis', async () => {
      const r = await startRedis({ dir: join(runDir, 'redis'), logFile: logFile('redis') });
      teardown.add('redis', r.stop);
      return r;
    }),
    timed('ssh hosts', async () => {
      const f = await startLocalHosts({ dir: join(runDir, 'hosts'), count: SSH_HOST_COUNT, logDir: logsDir });
      teardown.add('ssh hosts', f.stop);
      return f;
    }),
  ] as const);

  const state: TestEnvState = {
    runDir,
    logsDir,
    kubeconfigPath: k8s.kubeconfigPath,
    auditedKubeconfigPath: k8s.auditedKubeconfigPath,
    auditLogPath: join(logsDir, 'audit.jsonl'),
    apiServerUrl: k8s.apiServerUrl,
    redis: { host: redis.host, port: redis.port, url: redis.url },
    hosts: fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })),
    sshUser: fleet.user,
    sshPrivateKeyPath: fleet.privateKeyPath,
    knownHostsPath: fleet.knownHostsPath,
    fakeNodes: k8s.fakeNodes,
    failPodLabel: { ...FAIL_POD_LABEL },
    admission: { namespace: ADMISSION_NAMESPACE, secretName: ADMISSION_SECRET, webhookConfig: ADMISSION_CONFIG, url: k8s.webhookUrl },
  };
  const stateFile = join(runDir, 'state.json');
  await writeFile(stateFile, JSON.stringify(state, null, 2) + '\n');
  return { stateFile, state };
}
