import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { TestEnv } from '../env/index.js';
import { configMapDoc, secretDoc } from '../fixtures/manifest-docs.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface ClusterOpts {
  /** Extra host variables per host name. */
  hostVars?: Record<string, Record<string, string>>;
  operation: Record<string, unknown>;
  /** ConfigMap named "actions" holding user playbooks/scripts. */
  actions?: Record<string, string>;
  /** Rewrites the generated hosts.yml (to break it on purpose). */
  transformHosts?: (hostsYml: string) => string;
  omitSecret?: boolean;
}

/** Manifests for a cluster made of the test environment's SSH hosts, with its key and known_hosts. */
export async function clusterManifests(env: TestEnv, opts: ClusterOpts): Promise<string> {
  const hosts = env.hosts
    .map((h) => {
      const extra = Object.entries(opts.hostVars?.[h.name] ?? {}).map(([k, v]) => `\n      ${k}: ${JSON.stringify(v)}`).join('');
      return `    ${h.name}:\n      ip: ${h.address}\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      ansible_user: ${env.sshUser}${extra}`;
    })
    .join('\n');
  const [first, ...rest] = env.hosts.map((h) => h.name);
  const hostsYml = `all:
  hosts:
${hosts}
  children:
    kube_control_plane:
      hosts:
        ${first}:
    kube_node:
      hosts:
${rest.map((n) => `        ${n}:`).join('\n')}
    etcd:
      hosts:
        ${first}:
    k8s_cluster:
      children:
        kube_control_plane:
        kube_node:
`;
  const finalHosts = opts.transformHosts ? opts.transformHosts(hostsYml) : hostsYml;
  const key = await readFile(env.sshPrivateKeyPath, 'utf8');
  const knownHosts = await readFile(env.knownHostsPath, 'utf8');
  const docs = [
    configMapDoc('t-hosts', { 'hosts.yml': finalHosts }),
    configMapDoc('t-vars', { 'group_vars.yml': `marker_dir: ${JSON.stringify(env.runDir)}\n` }),
    secretDoc('t-ssh', { 'ssh-privatekey': key, known_hosts: knownHosts }),
    `apiVersion: kubean.io/v1alpha1\nkind: Cluster\nmetadata: {name: t-cluster}\nspec:\n  hostsConfRef: {namespace: kubean-system, name: t-hosts}\n  varsConfRef: {namespace: kubean-system, name: t-vars}\n  sshAuthRef: {namespace: kubean-system, name: t-ssh}`,
    `apiVersion: kubean.io/v1alpha1\nkind: ClusterOperation\nmetadata: {name: t-op}\nspec: ${JSON.stringify({ cluster: 't-cluster', ...opts.operation })}`,
  ];
  if (opts.omitSecret) docs.splice(2, 1);
  if (opts.actions) {
    docs.push(configMapDoc('actions', opts.actions));
  }
  return docs.join('\n---\n');
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  status: Record<string, Record<string, unknown>>;
  logs: string;
  logDir: string;
}

/** Runs the real CLI on manifests written to a temp dir; collects output, status and logs. */
export async function runCli(manifests: string, args: string[] = ['run', '--allow-loopback-hosts'], timeoutMs = 240_000): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  await writeFile(join(dir, 'manifests.yml'), manifests);
  const logDir = join(dir, 'logs');
  const statusOut = join(dir, 'status.json');
  const r = await execa('node', [CLI, ...args, '-f', join(dir, 'manifests.yml'), '--log-dir', logDir, '--status-out', statusOut], {
    reject: false,
    timeout: timeoutMs,
    cwd: REPO,
  });
  const status = await readFile(statusOut, 'utf8').then((t) => JSON.parse(t) as CliRun['status'], () => ({}));
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, status, logs: await readLogs(logDir), logDir };
}

async function readLogs(dir: string): Promise<string> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(await readFile(join(d, e.name), 'utf8'));
    }
  };
  await walk(dir);
  return out.join('\n');
}

/** Reads a file on a test host over real SSH ('' when it does not exist). */
export async function readOverSsh(env: TestEnv, host: string, path: string): Promise<string> {
  const h = env.hosts.find((x) => x.name === host)!;
  const r = await execa('ssh', [
    '-i', env.sshPrivateKeyPath, '-p', String(h.port),
    '-o', `UserKnownHostsFile=${env.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
    `${env.sshUser}@${h.address}`, 'cat', path,
  ], { reject: false });
  return r.exitCode === 0 ? r.stdout : '';
}
