/**
 * `npm run demo:controller`: the controller on this machine, outside any cluster, against a
 * throwaway management apiserver — the README's walk-through. Starts etcd, kube-apiserver
 * (with Slipway's CRDs), kube-controller-manager (garbage collection of the kept logs), Redis,
 * three sshd hosts on 127.0.0.11–13 port 2222 (the addresses and port `examples/local` names),
 * the SSH Secret `examples/local` refers to, and `slipway controller` with the local executor.
 * Writes `env.sh` (KUBECONFIG, kubectl on PATH, a `slipway` alias) to its state directory and
 * stays up until SIGINT/SIGTERM, then stops everything and removes the state directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startLocalHosts } from '../../src/hosts/local-hosts.js';
import { KNOWN_HOSTS_KEY, SSH_KEY } from '../../src/api/resolve-input.js';
import { generateCerts } from './certs.js';
import { applyCrds } from './crds.js';
import { startEtcd } from './etcd.js';
import { startApiServer } from './kube-apiserver.js';
import { resolveKubeBinaries } from './kube-binaries.js';
import { startControllerManager } from './kube-controllers.js';
import { writeAdminKubeconfig } from './kubeconfig.js';
import { startRedis } from './redis.js';
import { repoRoot } from './repo-root.js';
import { Teardown } from './teardown.js';

const HOSTS_PORT = 2222;
const HOSTS_NAMESPACE = 'kubean-system';
const SSH_SECRET = 'local-demo-ssh-auth';
const CONTROLLER_NAMESPACE = 'slipway-system';

const say = (line: string): void => console.log(`demo:controller: ${line}`);

export function demoStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state'), 'slipway', 'demo-controller');
}

async function createInputs(kubeconfigPath: string, fleet: { privateKey: string; knownHostsPath: string }): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of [HOSTS_NAMESPACE, CONTROLLER_NAMESPACE]) await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedSecret({
    namespace: HOSTS_NAMESPACE,
    body: {
      metadata: { name: SSH_SECRET },
      type: 'Opaque',
      stringData: { [SSH_KEY]: fleet.privateKey, [KNOWN_HOSTS_KEY]: await readFile(fleet.knownHostsPath, 'utf8') },
    },
  });
}

function startController(kubeconfigPath: string, redisUrl: string, logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  try {
    return spawn(
      process.execPath,
      [
        join(repoRoot(), 'dist', 'src', 'cli', 'main.js'),
        'controller',
        '--namespace', CONTROLLER_NAMESPACE,
        '--kubeconfig', kubeconfigPath,
        '--redis-url', redisUrl,
        '--executor', 'local',
        '--allow-loopback-hosts',
        // One user on one machine: nobody else creates objects here (docs/security.md says what
        // a shared controller needs).
        '--admission', 'off',
        '--observe-interval', '60',
      ],
      { stdio: ['ignore', log, log], env: { ...process.env, SLIPWAY_WATCH_NAMESPACES: HOSTS_NAMESPACE } },
    );
  } finally {
    closeSync(log);
  }
}

function envScript(kubeconfigPath: string, kubeBin: string): string {
  const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  return [
    '# source me: the demo controller\'s management apiserver, kubectl and the slipway CLI',
    `export KUBECONFIG=${kubeconfigPath}`,
    `export PATH=${kubeBin}:$PATH`,
    `slipway() { node ${cli} "$@"; }`,
    '',
  ].join('\n');
}

const state = demoStateDir();
const teardown = new Teardown();
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping');
    await teardown.stopAll();
    await rm(state, { recursive: true, force: true });
  }
  process.exit(code);
}

async function main(): Promise<void> {
  const bins = resolveKubeBinaries();
  await rm(state, { recursive: true, force: true });
  await mkdir(join(state, 'logs'), { recursive: true, mode: 0o700 });
  const logFile = (name: string): string => join(state, 'logs', `${name}.log`);

  const t0 = Date.now();
  const fleet = await startLocalHosts({ dir: join(state, 'hosts'), logDir: join(state, 'logs'), count: 3, port: HOSTS_PORT });
  teardown.add('ssh hosts', fleet.stop);
  const [certs, etcd, redis] = await Promise.all([
    generateCerts(join(state, 'certs')),
    startEtcd({ bin: bins.etcd, dir: state, logFile: logFile('etcd') }),
    startRedis({ dir: join(state, 'redis'), logFile: logFile('redis') }),
  ]);
  teardown.add('etcd', etcd.stop, etcd.daemon.pid);
  teardown.add('redis', redis.stop);
  const api = await startApiServer({ bin: bins.kubeApiserver, etcdUrl: etcd.url, certs, logFile: logFile('kube-apiserver') });
  teardown.add('kube-apiserver', api.stop, api.daemon.pid);
  const kubeconfigPath = await writeAdminKubeconfig(join(state, 'kubeconfig'), api.url, certs);
  const cm = await startControllerManager({ bin: bins.kubeControllerManager, kubeconfig: kubeconfigPath, certDir: join(state, 'kube-controller-manager'), logFile: logFile('kube-controller-manager') }, certs);
  teardown.add(cm.name, cm.stop, cm.daemon.pid);
  await applyCrds(bins.kubectl, kubeconfigPath);
  await createInputs(kubeconfigPath, fleet);
  const controller = startController(kubeconfigPath, redis.url, logFile('controller'));
  teardown.add('slipway controller', async () => {
    if (controller.exitCode !== null) return;
    controller.kill('SIGTERM');
    await new Promise((resolve) => controller.once('exit', resolve));
  }, controller.pid);
  controller.once('exit', (code) => {
    if (stopping) return;
    say(`the controller exited (${code}); its log: ${logFile('controller')}`);
    void stop(1);
  });
  const envFile = join(state, 'env.sh');
  await writeFile(envFile, envScript(kubeconfigPath, dirname(bins.kubectl)));
  say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: a management apiserver, Redis, 3 sshd hosts (127.0.0.11-13:${HOSTS_PORT}) and the controller (log: ${logFile('controller')})`);
  say('in another terminal, from the repository:');
  say(`  source ${envFile}`);
  say('  kubectl apply -f examples/local/');
  say('  slipway get operations -w');
  say('Ctrl-C here stops everything');
  // The daemons do not hold the event loop; this does, until a signal.
  setInterval(() => undefined, 1 << 30);
}

process.on('exit', () => teardown.killAllSync());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(0));
main().catch((err: unknown) => {
  console.error(`demo:controller: ${err instanceof Error ? err.message : String(err)}`);
  void stop(1);
});
