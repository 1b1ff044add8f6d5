/**
 * The sandbox as this machine can provide it, worked out once per executor: the tools, the uid
 * the sandboxes run as, the host's OS layout, the memory limit's mechanism, and a trial run of
 * a real sandbox per network mode. What cannot be had is a typed SandboxUnavailable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHostLayout, type HostLayout } from './host-layout.js';
import { DEFAULT_CGROUP_MOUNT, limitCgroupsUsable } from './limit-cgroups.js';
import { DEFAULT_MEMORY_CGROUP_ROOT, memoryCgroupUsable } from './memory-cgroup.js';
import { prepareOperationSandbox } from './operation-sandbox.js';
import type { SandboxTools } from './sandbox-argv.js';
import type { SandboxIdentity } from './sandbox-etc.js';
import { launchSandboxedStep } from './sandboxed-step.js';

export type SandboxNetwork = 'host' | 'isolated';

export interface SandboxOptions {
  /** Hosts on loopback addresses are allowed (the operator's choice): the sandbox shares the host network. */
  allowLoopbackHosts?: boolean;
  /** Per step; 2 GiB by default. */
  memoryLimitBytes?: number;
  /** Where the cgroup v1 memory controller is mounted; when unusable, RLIMIT_AS is set instead. */
  memoryCgroupRoot?: string;
  /** Processes and threads a step may have at once; 4096 by default. */
  pidsLimit?: number;
  /** CPUs a step may use (a cgroup cpu quota); 2 by default. */
  cpuLimit?: number;
  /** Without cgroups: CPU seconds per process (RLIMIT_CPU) instead of a quota; 6 h by default. */
  cpuTimeLimitSeconds?: number;
  /** Size of the sandbox's private /tmp and /var/tmp (each a tmpfs); 512 MiB by default. */
  tmpLimitBytes?: number;
  /** Where the cgroup v1 pids and cpu controllers are mounted; when unusable, RLIMIT_NPROC and RLIMIT_CPU are set instead. */
  cgroupMount?: string;
  /** The uid/gid sandboxes run as when Slipway is root; 64910 by default. */
  identity?: SandboxIdentity;
  /** Program paths (tests point bwrap at a file that does not exist). */
  bwrap?: string;
  slirp4netns?: string;
}

export const DEFAULT_MEMORY_LIMIT_BYTES = 2 * 1024 ** 3;
export const DEFAULT_PIDS_LIMIT = 4096;
export const DEFAULT_CPU_LIMIT = 2;
export const DEFAULT_CPU_TIME_LIMIT_SECONDS = 6 * 3600;
export const DEFAULT_TMP_LIMIT_BYTES = 512 * 1024 ** 2;
export const DEFAULT_SANDBOX_IDENTITY: SandboxIdentity = { uid: 64910, gid: 64910 };

export type SandboxUnavailableReason = 'unsupported-os' | 'probe-failed' | 'network-unavailable';

/** Why steps cannot run in a sandbox here; `detail` says what was tried and what it answered. */
export interface SandboxUnavailable {
  reason: SandboxUnavailableReason;
  detail: string;
}

export interface SandboxRuntime {
  tools: SandboxTools & { slirp4netns: string };
  identity: SandboxIdentity;
  dropPrivileges: boolean;
  layout: HostLayout;
  memory: { mode: 'cgroup'; cgroupRoot: string; limitBytes: number } | { mode: 'rlimit'; limitBytes: number };
  /** Processes and CPU: cgroup v1 pids.max and a cpu quota, else RLIMIT_NPROC and RLIMIT_CPU. */
  limits: { mode: 'cgroup'; cgroupMount: string; pids: number; cpus: number } | { mode: 'rlimit'; pids: number; cpuSeconds: number };
  tmpBytes: number;
}

export interface SandboxSupport {
  runtime: SandboxRuntime;
  /** Per network mode: undefined when a trial sandbox ran, else why not. */
  unavailable: Record<SandboxNetwork, SandboxUnavailable | undefined>;
}

/** `workRoot` and `builtinDir` are the executor's: the trial binds them as a step would. */
export async function detectSandboxSupport(opts: SandboxOptions, builtinDir: string, workRoot: string): Promise<SandboxSupport> {
  const root = process.getuid?.() === 0;
  const identity = root
    ? (opts.identity ?? DEFAULT_SANDBOX_IDENTITY)
    : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const cgroupRoot = opts.memoryCgroupRoot ?? DEFAULT_MEMORY_CGROUP_ROOT;
  const limitBytes = opts.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
  const cgroupMount = opts.cgroupMount ?? DEFAULT_CGROUP_MOUNT;
  const pids = opts.pidsLimit ?? DEFAULT_PIDS_LIMIT;
  const runtime: SandboxRuntime = {
    tools: { bwrap: opts.bwrap ?? 'bwrap', setpriv: 'setpriv', prlimit: 'prlimit', slirp4netns: opts.slirp4netns ?? 'slirp4netns' },
    identity,
    dropPrivileges: root,
    layout: await readHostLayout(),
    memory: root && (await memoryCgroupUsable(cgroupRoot)) ? { mode: 'cgroup', cgroupRoot, limitBytes } : { mode: 'rlimit', limitBytes },
    limits: root && (await limitCgroupsUsable(cgroupMount))
      ? { mode: 'cgroup', cgroupMount, pids, cpus: opts.cpuLimit ?? DEFAULT_CPU_LIMIT }
      : { mode: 'rlimit', pids, cpuSeconds: opts.cpuTimeLimitSeconds ?? DEFAULT_CPU_TIME_LIMIT_SECONDS },
    tmpBytes: opts.tmpLimitBytes ?? DEFAULT_TMP_LIMIT_BYTES,
  };
  if (platform() !== 'linux') {
    const none: SandboxUnavailable = { reason: 'unsupported-os', detail: `bubblewrap sandboxes need Linux; this is ${platform()}` };
    return { runtime, unavailable: { host: none, isolated: none } };
  }
  const host = await trialRun(runtime, 'host', builtinDir, workRoot);
  const isolated = host ?? (root ? networkProblem(await trialRun(runtime, 'isolated', builtinDir, workRoot)) : NO_NETWORK_UNPRIVILEGED);
  return { runtime, unavailable: { host, isolated } };
}

const NO_NETWORK_UNPRIVILEGED: SandboxUnavailable = {
  reason: 'network-unavailable',
  detail: 'a network without the host loopback (slirp4netns) is only set up when Slipway runs as root',
};

/** The host-network trial passed, so a failure of the isolated one is the network's. */
function networkProblem(u: SandboxUnavailable | undefined): SandboxUnavailable | undefined {
  return u && { reason: 'network-unavailable', detail: u.detail };
}

/** Runs `true` in a real sandbox, set up exactly as a step's would be. */
async function trialRun(runtime: SandboxRuntime, network: SandboxNetwork, builtinDir: string, workRoot: string): Promise<SandboxUnavailable | undefined> {
  const dir = await mkdtemp(join(workRoot, 'slipway-probe-'));
  const controlDir = await mkdtemp(join(tmpdir(), 'slipway-probe-cp-'));
  const operation = await prepareOperationSandbox({ workDir: dir, controlDir, builtinDir, identity: runtime.identity, chownTo: runtime.dropPrivileges });
  try {
    const step = launchSandboxedStep({
      runtime,
      operation,
      network,
      command: ['true'],
      env: { PATH: '/usr/bin:/bin' },
      label: `probe-${process.pid}-${Date.now()}-${network}`,
    });
    const stderr: string[] = [];
    step.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
    step.stdout.resume();
    const setup = await step.started.then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    const end = await step.ended;
    await step.finish();
    if (setup === undefined && end.exitCode === 0) return undefined;
    const why = [setup, end.spawnError, stderr.join('').trim()].filter(Boolean).join('; ');
    return { reason: 'probe-failed', detail: `a trial sandbox (${runtime.tools.bwrap}, network ${network}) failed: ${why || `exit code ${end.exitCode}`}` };
  } finally {
    await operation.close();
    await rm(dir, { recursive: true, force: true });
    await rm(controlDir, { recursive: true, force: true });
  }
}

/** One line for logs and refusals. */
export function describeUnavailable(u: SandboxUnavailable): string {
  return `no sandbox (${u.reason}): ${u.detail}`;
}
