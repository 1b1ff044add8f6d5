/**
 * Starts one step inside bubblewrap. bwrap creates the namespaces, reports the sandbox's pid on
 * the info fd and then waits on the block fd: in that window the sandbox is put into its memory
 * cgroups and given its slirp4netns network, so the step's first instruction already runs with
 * both. Only then is the block fd released.
 */
import { readdir, readlink } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { killGroup, spawnStep, type StepProcess } from './step-process.js';
import { sandboxArgv, type SandboxSpec } from './sandbox-argv.js';
import { createLimitCgroups, type LimitCgroups } from './limit-cgroups.js';
import { createMemoryCgroup, type MemoryCgroup } from './memory-cgroup.js';
import type { OperationSandbox } from './operation-sandbox.js';
import type { SandboxRuntime } from './sandbox-runtime.js';
import { startSlirp, type SlirpNetwork } from './slirp-network.js';

export class SandboxSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxSetupError';
  }
}

export interface SandboxedStep extends StepProcess {
  /** Resolves when the step's command is running inside its finished sandbox. */
  started: Promise<void>;
  /** SIGTERM reaches every process inside (not bwrap's reaper); SIGKILL ends the whole sandbox. */
  signal(signal: NodeJS.Signals): void;
  /** After the process ended: releases the cgroups and network; reports what hit a limit. */
  finish(): Promise<SandboxedStepUsage>;
}

export interface SandboxedStepUsage {
  /** Processes the kernel killed at the memory limit (memory cgroup). */
  oomKills: number;
  /** Forks refused at the process limit (pids cgroup). */
  pidsLimitHits: number;
  /** Time the step was held back at its CPU quota (cpu cgroup). */
  cpuThrottledMs: number;
}

export interface LaunchOptions {
  runtime: SandboxRuntime;
  operation: OperationSandbox;
  network: 'host' | 'isolated';
  command: readonly string[];
  env: Record<string, string>;
  /** Unique among concurrent steps: names the memory cgroup. */
  label: string;
}

const INFO_FD = 3;
const BLOCK_FD = 4;
const INFO_TIMEOUT_MS = 10_000;

export function launchSandboxedStep(opts: LaunchOptions): SandboxedStep {
  const { runtime, operation } = opts;
  const spec: SandboxSpec = {
    tools: runtime.tools,
    identity: runtime.identity,
    dropPrivileges: runtime.dropPrivileges,
    network: opts.network,
    root: runtime.layout.root,
    hostEtc: [...runtime.layout.etc, ...operation.hostEtcExtra[opts.network]],
    generatedEtc: operation.generatedEtc[opts.network],
    workDir: operation.workDir,
    builtinDir: operation.builtinDir,
    fds: { info: INFO_FD, block: BLOCK_FD },
    tmpBytes: runtime.tmpBytes,
    controlDir: operation.controlDir,
    agentDir: operation.agentDir,
    command: opts.command,
  };
  if (runtime.memory.mode === 'rlimit') spec.addressSpaceLimitBytes = runtime.memory.limitBytes;
  if (runtime.limits.mode === 'rlimit') {
    spec.processLimit = runtime.limits.pids;
    spec.cpuTimeLimitSeconds = runtime.limits.cpuSeconds;
  }
  const proc = spawnStep(sandboxArgv(spec), {
    // bwrap chdirs inside; outside, the cwd only has to exist.
    cwd: '/',
    env: opts.env,
    extraStdio: ['pipe', 'pipe'],
  });
  const infoPipe = proc.child.stdio[INFO_FD] as Readable;
  const blockPipe = proc.child.stdio[BLOCK_FD] as Writable;
  // bwrap closes both ends once it is past them (ECONNRESET, EPIPE here); a bwrap that fails
  // before reporting is caught by readInfo through the process's end instead.
  infoPipe.on('error', ignorePipeEnd);
  blockPipe.on('error', ignorePipeEnd);
  let cgroup: MemoryCgroup | undefined;
  let limitGroups: LimitCgroups | undefined;
  let network: SlirpNetwork | undefined;
  let sandboxPid: number | undefined;
  let pidNamespace: string | undefined;
  let running = false;

  const started = (async () => {
    const info = await readInfo(infoPipe, proc);
    sandboxPid = info.pid;
    pidNamespace = `pid:[${info.pidNamespace}]`;
    if (runtime.memory.mode === 'cgroup') {
      cgroup = await createMemoryCgroup(runtime.memory.cgroupRoot, opts.label, runtime.memory.limitBytes);
      // bwrap's outer process first: what the sandbox forks from now on lands in the group too.
      if (proc.pid !== undefined) await cgroup.attach(proc.pid);
      await cgroup.attach(info.pid);
    }
    if (runtime.limits.mode === 'cgroup') {
      limitGroups = await createLimitCgroups(runtime.limits.cgroupMount, opts.label, runtime.limits);
      if (proc.pid !== undefined) await limitGroups.attach(proc.pid);
      await limitGroups.attach(info.pid);
    }
    if (opts.network === 'isolated') network = await startSlirp(runtime.tools.slirp4netns, info.pid);
    blockPipe.end('1');
    infoPipe.destroy();
    running = true;
  })();
  started.catch(() => {
    if (proc.pid !== undefined) killGroup(proc.pid, 'SIGKILL');
  });

  const signal = (sig: NodeJS.Signals): void => {
    if (proc.pid === undefined) return;
    if (sig === 'SIGKILL' || !running || !pidNamespace) {
      killGroup(proc.pid, 'SIGKILL');
      return;
    }
    void signalNamespace(pidNamespace, sandboxPid, sig);
  };

  const finish = async (): Promise<SandboxedStepUsage> => {
    await started.catch(() => undefined);
    const usage = {
      oomKills: cgroup ? await cgroup.oomKills() : 0,
      pidsLimitHits: limitGroups ? await limitGroups.pidsLimitHits() : 0,
      cpuThrottledMs: limitGroups ? await limitGroups.cpuThrottledMs() : 0,
    };
    await network?.stop();
    await cgroup?.remove();
    await limitGroups?.remove();
    return usage;
  };
  return { ...proc, started, signal, finish };
}

function ignorePipeEnd(): void {}

interface SandboxInfo {
  pid: number;
  pidNamespace: number;
}

async function readInfo(pipe: Readable, proc: StepProcess): Promise<SandboxInfo> {
  let text = '';
  return new Promise<SandboxInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SandboxSetupError(`bwrap reported no sandbox within ${INFO_TIMEOUT_MS} ms`)), INFO_TIMEOUT_MS);
    pipe.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      clearTimeout(timer);
      const pid = parsed['child-pid'];
      const ns = parsed['pid-namespace'];
      if (typeof pid !== 'number' || typeof ns !== 'number') reject(new SandboxSetupError(`bwrap's info lacks child-pid: ${text}`));
      else resolve({ pid, pidNamespace: ns });
    });
    void proc.ended.then((end) => {
      clearTimeout(timer);
      reject(new SandboxSetupError(end.spawnError ?? `bwrap exited (code ${end.exitCode}) before the sandbox was set up`));
    });
  });
}

/** Signals every process in the sandbox's PID namespace except its init, which bwrap owns. */
async function signalNamespace(namespace: string, init: number | undefined, sig: NodeJS.Signals): Promise<void> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === init) continue;
    const ns = await readlink(`/proc/${entry}/ns/pid`).catch(() => '');
    if (ns !== namespace) continue;
    try {
      process.kill(Number(entry), sig);
    } catch {
      // Already gone.
    }
  }
}

/** bwrap's own complaint when the command cannot be executed, e.g. "bwrap: execvp x: No such file or directory". */
export function execFailure(stderrLines: readonly string[], command: string): string | undefined {
  const prefix = `bwrap: execvp ${command}: `;
  const line = stderrLines.find((l) => l.startsWith(prefix));
  return line?.slice(prefix.length);
}

