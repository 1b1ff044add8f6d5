/** Shared pieces of the executor integration tests: executor, event recorder, remote reads. */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LocalExecutor, type LocalExecutorOptions } from '../../src/executors/local-executor.js';
import type { ExecutionEvent } from '../../src/executors/types.js';
import { loadTestEnv, type TestEnv } from '../env/index.js';
import { repoRoot } from '../env/repo-root.js';

export interface ExecutorHarness {
  env: TestEnv;
  executor: LocalExecutor;
  /** Parent of the executor's work dirs; empty again after every run. */
  workRoot: string;
  logFile: string;
  /** A fresh directory for per-host marker files. */
  markerDir(): Promise<string>;
}

export async function executorHarness(name: string, opts: Partial<LocalExecutorOptions> = {}): Promise<ExecutorHarness> {
  const env = loadTestEnv();
  const base = join(env.runDir, 'executors', env.randomName(name));
  // Not under the run dir (0700): a sandbox's uid must be able to reach its work dir.
  const workRoot = await mkdtemp(join(tmpdir(), `slipway-${name}-work-`));
  await chmod(workRoot, 0o711);
  process.once('beforeExit', () => void rm(workRoot, { recursive: true, force: true }));
  await mkdir(base, { recursive: true });
  const logFile = join(base, 'operation.log');
  // The test hosts are sshd instances on 127.0.0.x, so loopback hosts are allowed by default.
  const executor = new LocalExecutor({
    builtinDir: join(repoRoot(), 'playbooks'),
    workRoot,
    logFile,
    killGraceMs: 2_000,
    ...opts,
    sandbox: { allowLoopbackHosts: true, ...opts.sandbox },
  });
  return {
    env,
    executor,
    workRoot,
    logFile,
    markerDir: () => mkdtemp(join(base, 'markers-')),
  };
}

export function recorder(): { events: ExecutionEvent[]; sink: (e: ExecutionEvent) => void } {
  const events: ExecutionEvent[] = [];
  return { events, sink: (e) => events.push(e) };
}

/** Reads a file on a test host over SSH, the way an operator would check a machine. */
export async function sshCat(env: TestEnv, hostName: string, path: string): Promise<string> {
  const host = env.hosts.find((h) => h.name === hostName);
  if (!host) throw new Error(`no test host ${hostName}`);
  const { stdout } = await execa('ssh', [
    '-i', env.sshPrivateKeyPath,
    '-p', String(host.port),
    '-o', `UserKnownHostsFile=${env.knownHostsPath}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    `${env.sshUser}@${host.address}`,
    'cat', path,
  ]);
  return stdout;
}


/** PIDs of processes whose command line contains `needle` (our own process excluded). */
export async function processesMatching(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').join(' ').includes(needle)) found.push(Number(entry));
  }
  return found;
}

/** The parent of a process, from /proc/<pid>/stat; undefined once it is gone. */
async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ")".
  const ppid = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  return ppid === undefined ? undefined : Number(ppid);
}

/**
 * PIDs of processes whose command line contains `needle` and that run under one of the test
 * hosts' sshd: what a step started "remotely" on a test host (they are sshd instances on this
 * machine, so their processes are ours to see).
 */
export async function remoteProcessesMatching(env: TestEnv, needle: string): Promise<number[]> {
  const listener = `sshd -D -e -f ${join(env.runDir, 'hosts')}/`;
  const found: number[] = [];
  for (const pid of await processesMatching(needle)) {
    for (let p = await parentOf(pid); p !== undefined && p > 1; p = await parentOf(p)) {
      const cmdline = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
      if (cmdline.includes(listener)) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

/** Polls until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
