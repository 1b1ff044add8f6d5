/**
 * The runs bench/fanout.ts times on a fleet of local sshd hosts: raw parallel ssh, an operation
 * through Slipway's real path (planner, sandboxed local executor, as `slipway run` does), and
 * plain ansible-playbook with kubespray's ansible.cfg. Each returns when its processes are gone.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManifestSource } from '../src/api/manifest-source.js';
import type { ManifestObject } from '../src/api/manifests.js';
import type { ClusterOperation } from '../src/api/types.js';
import { LocalExecutor } from '../src/executors/local-executor.js';
import type { LocalHostFleet } from '../src/hosts/local-hosts.js';
import { runOperation } from '../src/operations/run-operation.js';

const BENCH_FILES = fileURLToPath(new URL('../../bench/fanout/', import.meta.url));
export const BUILTIN_DIR = fileURLToPath(new URL('../../playbooks/', import.meta.url));

/** Exit status of a command whose output is thrown away (kept in `logFile` when given). */
export function runQuiet(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile?: string } = {}): Promise<number> {
  const [program, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(program!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd ?? process.cwd() });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => out.push(d));
    child.once('error', reject);
    child.once('close', (code) => {
      const done = () => resolve(code ?? -1);
      if (opts.logFile) void writeFile(opts.logFile, Buffer.concat(out)).then(done, done);
      else done();
    });
  });
}

/** `ssh host true` to every host at once, with the options Slipway's steps use. */
export async function rawSsh(fleet: LocalHostFleet): Promise<void> {
  const codes = await Promise.all(
    fleet.hosts.map((h) =>
      runQuiet([
        'ssh', '-F', '/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', fleet.privateKeyPath,
        '-o', `UserKnownHostsFile=${fleet.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
        '-p', String(h.port), `${fleet.user}@${h.address}`, 'true',
      ]),
    ),
  );
  if (codes.some((c) => c !== 0)) throw new Error(`raw ssh failed: exit codes ${codes.join(' ')}`);
}

function hostsYml(fleet: LocalHostFleet): string {
  const lines = ['all:', '  hosts:'];
  for (const h of fleet.hosts) {
    lines.push(`    ${h.name}:`, `      ip: ${h.address}`, `      ansible_host: ${h.address}`, `      ansible_port: ${h.port}`, `      ansible_user: ${fleet.user}`);
  }
  const [first, ...rest] = fleet.hosts.map((h) => h.name);
  lines.push(
    '  children:',
    '    kube_control_plane:', '      hosts:', `        ${first}:`,
    '    etcd:', '      hosts:', `        ${first}:`,
    '    kube_node:', '      hosts:', ...(rest.length > 0 ? rest : [first]).map((n) => `        ${n}:`),
    '    k8s_cluster:', '      children:', '        kube_control_plane:', '        kube_node:',
  );
  return `${lines.join('\n')}\n`;
}

/** The kubean objects of a cluster made of the fleet, with its key and known_hosts. */
export async function fleetObjects(fleet: LocalHostFleet): Promise<ManifestObject[]> {
  const meta = (name: string) => ({ name, namespace: 'kubean-system' });
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('fanout-hosts'), data: { 'hosts.yml': hostsYml(fleet) } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('fanout-vars'), data: { 'group_vars.yml': 'kube_version: v1.34.4\n' } },
    {
      apiVersion: 'v1', kind: 'Secret', metadata: meta('fanout-ssh'),
      stringData: { 'ssh-privatekey': fleet.privateKey, known_hosts: await readFile(fleet.knownHostsPath, 'utf8') },
    },
    {
      apiVersion: 'kubean.io/v1alpha1', kind: 'Cluster', metadata: { name: 'fanout' },
      spec: {
        hostsConfRef: meta('fanout-hosts'), varsConfRef: meta('fanout-vars'), sshAuthRef: meta('fanout-ssh'),
      },
    },
  ] as unknown as ManifestObject[];
}

/** Where Slipway's runs keep their work dirs; reachable for the sandbox's uid. */
export async function slipwayWorkRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-fanout-'));
  await chmod(root, 0o711);
  return root;
}

export interface SlipwayRunOptions {
  objects: ManifestObject[];
  workRoot: string;
  playbook: string;
  /** Added to every step's environment: the levers, e.g. ANSIBLE_PIPELINING=False. */
  extraEnv: Record<string, string>;
  /** Counts the per-host lines the run reported, to check the progress stays per host. */
  onHostResult: () => void;
}

let operationSerial = 0;

/** One ClusterOperation running `playbook` on every host, as `slipway run` runs it. */
export async function slipwayRun(opts: SlipwayRunOptions): Promise<void> {
  const name = `fanout-${process.pid}-${++operationSerial}`;
  const op = {
    apiVersion: 'kubean.io/v1alpha1', kind: 'ClusterOperation', metadata: { name },
    spec: { cluster: 'fanout', actionType: 'playbook', action: opts.playbook },
  };
  const source = new ManifestSource([...opts.objects, op as unknown as ManifestObject]);
  const outcome = await runOperation(
    op as unknown as ClusterOperation,
    {
      source,
      builtinDir: BUILTIN_DIR,
      operator: { allowLoopbackHosts: true },
      executorFor: (plan) => {
        for (const step of plan.steps) Object.assign(step.env, opts.extraEnv);
        return new LocalExecutor({ builtinDir: BUILTIN_DIR, workRoot: opts.workRoot, sandbox: { allowLoopbackHosts: true } });
      },
    },
    { sink: (e) => (e.type === 'host-result' ? opts.onHostResult() : undefined) },
  );
  if (outcome.kind !== 'finished' || outcome.result.status !== 'Succeeded') {
    const why = outcome.kind === 'finished' ? (outcome.result.failed?.message ?? outcome.result.status) : outcome.error.message;
    throw new Error(`slipway ${opts.playbook}: ${why}`);
  }
}

/**
 * Plain `ansible-playbook` with kubespray's ansible.cfg (bench/fanout/kubespray-ansible.cfg) and a
 * fresh fact cache and control-socket dir per run, under a subreaper so the ControlPersist
 * masters it leaves are stopped and counted.
 */
export async function kubesprayRun(fleet: LocalHostFleet, playbook: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-fanout-ks-'));
  try {
    const inventory = join(dir, 'hosts.yml');
    await writeFile(inventory, hostsYml(fleet));
    await mkdir(join(dir, 'facts'));
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      LANG: process.env.LANG ?? 'C.UTF-8',
      ANSIBLE_CONFIG: join(BENCH_FILES, 'kubespray-ansible.cfg'),
      ANSIBLE_CACHE_PLUGIN_CONNECTION: join(dir, 'facts'),
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    };
    const argv = ['python3', join(BENCH_FILES, 'subreaper.py'), 'ansible-playbook', '-i', inventory, '--private-key', fleet.privateKeyPath, join(BUILTIN_DIR, playbook)];
    const code = await runQuiet(argv, { env, cwd: dir, logFile: join(tmpdir(), 'slipway-fanout-kubespray.log') });
    if (code !== 0) throw new Error(`kubespray-style ${playbook} exited ${code} (log: ${join(tmpdir(), 'slipway-fanout-kubespray.log')})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
