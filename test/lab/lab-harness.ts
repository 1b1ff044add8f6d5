import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse } from 'yaml';
import { labPaths } from '../../src/lab/lab-paths.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The lab tests start real machines: the slow suite only (`npm run test:lab` sets SLIPWAY_SLOW_SUITE). */
export const LAB_TESTS_SKIP = process.env.SLIPWAY_SLOW_SUITE ? false : 'slow suite only: npm run test:lab';

export const randomLabName = (): string => `t${randomBytes(4).toString('hex').slice(0, 6)}`;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs the real CLI; the lab's state goes to `stateRoot` so tests never touch a user's labs. */
export async function slipway(args: string[], stateRoot: string, timeoutMs = 600_000): Promise<CliResult> {
  const start = performance.now();
  const r = await execa('node', [CLI, ...args], { cwd: REPO, reject: false, timeout: timeoutMs, env: { SLIPWAY_LAB_STATE: stateRoot } });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), seconds: (performance.now() - start) / 1000 };
}

export interface UpOutput {
  machines: Array<{ name: string; address: string }>;
  hostAddress: string;
  inputsDir: string;
}

export function parseUp(stdout: string): UpOutput {
  const lines = stdout.split('\n');
  const machines = lines.filter((l) => /^\S+-node\d+\t/.test(l)).map((l) => {
    const [name, address] = l.split('\t');
    return { name: name!, address: address! };
  });
  const host = /^host\t(\S+)/m.exec(stdout)?.[1];
  const inputs = /^inputs: (.+)$/m.exec(stdout)?.[1];
  if (!host || !inputs || machines.length === 0) throw new Error(`unexpected lab up output:\n${stdout}`);
  return { machines, hostAddress: host, inputsDir: inputs };
}

/** SSH into lab machines with the key and known_hosts of the generated Secret, strictly. */
export class LabSsh {
  private constructor(
    private readonly keyPath: string,
    private readonly knownHostsPath: string,
  ) {}

  static async fromInputs(inputsDir: string): Promise<LabSsh> {
    const secret = parse(await readFile(join(inputsDir, 'ssh-auth.yml'), 'utf8')) as { stringData: Record<string, string> };
    // beside the Secret it is made from, so `lab down` removes it with the lab
    const dir = join(inputsDir, '.test-ssh');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keyPath = join(dir, 'id');
    const knownHostsPath = join(dir, 'known_hosts');
    await writeFile(keyPath, secret.stringData['ssh-privatekey']!, { mode: 0o600 });
    await writeFile(knownHostsPath, secret.stringData.known_hosts!);
    return new LabSsh(keyPath, knownHostsPath);
  }

  /** Runs `script` with bash on the machine as root; `input` goes to its stdin. */
  async run(address: string, script: string, input?: string): Promise<CliResult> {
    const start = performance.now();
    const r = await execa('ssh', [
      '-i', this.keyPath,
      '-o', `UserKnownHostsFile=${this.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
      '-o', 'ConnectTimeout=10',
      `root@${address}`, 'bash', '-c', shellQuote(script),
    ], { reject: false, timeout: 600_000, ...(input !== undefined ? { input } : { stdin: 'ignore' }) });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), seconds: (performance.now() - start) / 1000 };
  }
}

/** ssh joins its arguments into one remote command line; one single-quoted word survives that. */
const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * What labs can leave on the host, filtered to lab names so other work here does not count.
 * Processes are those of `labs` only (machines go on changing theirs); the rest is any lab's.
 */
export interface HostTraces {
  links: string[];
  netns: string[];
  mounts: string[];
  firewall: string[];
  processes: string[];
  cgroups: string[];
}

const LAB_TRACE = /slipway-lab|slw\d*-|\/run\/netns/;

export async function hostTraces(labs: string[]): Promise<HostTraces> {
  const podmanDir = labPaths().podmanDir;
  const text = async (file: string, args: string[]) => String((await execa(file, args, { reject: false })).stdout);
  // Scoped to these labs: another lab left on the host (a killed run's) is not theirs to judge.
  const ofLabs = (name: string) => labs.some((lab) => name === `slw-${lab}` || new RegExp(`^slw\\d+-${lab}$`).test(name) || name.startsWith(`slipway-lab-${lab}-`));
  const links = (await text('ip', ['-o', 'link', 'show'])).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter(ofLabs);
  const netns = (await text('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0] ?? '').filter(ofLabs);
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ').slice(3, 5).join(' '))
    .filter((m) => LAB_TRACE.test(m) || m.includes(podmanDir));
  const firewall = [...(await text('iptables-save', [])).split('\n'), ...(await text('ip6tables-save', [])).split('\n')].filter((l) => labs.some((lab) => l.includes(`slipway-lab ${lab}"`)));
  const processes: string[] = [];
  for (const pid of (await readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
    const [cmdline, cgroup] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
      readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => ''),
    ]);
    const ours = labs.some((lab) => cgroup.includes(`/slipway-lab/${lab}/`) || cmdline.includes(`slipway-lab-${lab}-`));
    if (ours) processes.push(`${pid} ${cmdline.replaceAll('\0', ' ').trim()}`);
  }
  const cgroups: string[] = [];
  for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    const isLink = await readlink(join('/sys/fs/cgroup', h)).then(() => true, () => false);
    if (isLink) continue;
    const entries = await readdir(join('/sys/fs/cgroup', h, 'slipway-lab'), { withFileTypes: true }).catch(() => undefined);
    if (entries !== undefined) cgroups.push(`${h}/slipway-lab: ${entries.filter((e) => e.isDirectory() && labs.includes(e.name)).map((e) => e.name).join(',')}`);
  }
  return { links: links.sort(), netns: netns.sort(), mounts: mounts.sort(), firewall: firewall.sort(), processes: processes.sort(), cgroups: cgroups.sort() };
}

export async function readSysctl(name: string): Promise<string> {
  return (await readFile(join('/proc/sys', ...name.split('.')), 'utf8')).trim();
}
