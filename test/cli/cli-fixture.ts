import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { TestEnv } from '../env/index.js';

export { clusterManifests, type ClusterOpts } from '../fixtures/test-cluster.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  status: Record<string, Record<string, unknown>>;
  logs: string;
  /** Whether the run wrote an operation log at all (its directory is gone once runCli returns). */
  logged: boolean;
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
  const run = { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, status, logs: await readLogs(logDir), logged: existsSync(logDir) };
  await rm(dir, { recursive: true, force: true });
  return run;
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
