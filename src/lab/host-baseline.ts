import { access, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from './lab-error.js';
import type { LabPaths } from './lab-paths.js';
import { runTool } from './run-tool.js';

/**
 * Kernel-wide settings a machine can change for the whole host: kubelet sets the vm/kernel
 * ones at start, kube-proxy the conntrack table size, CNI plugins the bridge hooks. Per-netns
 * settings (ip_forward, rp_filter …) stay inside each machine and are not listed.
 */
export const HOST_SYSCTLS = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'net.netfilter.nf_conntrack_max',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'fs.inotify.max_user_watches',
  'fs.inotify.max_user_instances',
] as const;

/** How the host was before the first lab came up; restored when the last one goes down. */
export interface HostBaseline {
  sysctls: Record<string, string>;
  /** `ip netns add` leaves /run/netns mounted on itself; unmount it only if we caused that. */
  runNetnsWasMount: boolean;
  runNetnsExisted: boolean;
}

const FILE = 'host-baseline.json';
const RUN_NETNS = '/run/netns';
const sysctlPath = (name: string): string => join('/proc/sys', ...name.split('.'));

export async function readSysctls(names: readonly string[] = HOST_SYSCTLS): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const name of names) {
    // A setting this kernel lacks (no br_netfilter yet, say) has nothing to restore.
    const value = await readFile(sysctlPath(name), 'utf8').catch(() => undefined);
    if (value !== undefined) values[name] = value.trim();
  }
  return values;
}

async function isMountPoint(path: string): Promise<boolean> {
  const r = await runTool('findmnt', ['-rn', '-o', 'TARGET', '--mountpoint', path], { allowFailure: true });
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

/** Records the baseline unless one is already recorded (another lab is up). */
export async function recordHostBaseline(paths: LabPaths): Promise<void> {
  const file = join(paths.stateRoot, FILE);
  if (await access(file).then(() => true, () => false)) return;
  const baseline: HostBaseline = {
    sysctls: await readSysctls(),
    runNetnsWasMount: await isMountPoint(RUN_NETNS),
    runNetnsExisted: await access(RUN_NETNS).then(() => true, () => false),
  };
  await writeFile(file, `${JSON.stringify(baseline, null, 2)}\n`, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** Puts back every recorded sysctl that differs now and forgets the baseline; returns what changed. */
export async function restoreHostBaseline(paths: LabPaths): Promise<string[]> {
  const file = join(paths.stateRoot, FILE);
  let baseline: HostBaseline;
  try {
    baseline = JSON.parse(await readFile(file, 'utf8')) as HostBaseline;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new LabError(`${file} is unreadable: ${(err as Error).message}`);
  }
  const now = await readSysctls(Object.keys(baseline.sysctls));
  const restored: string[] = [];
  for (const [name, value] of Object.entries(baseline.sysctls)) {
    if (now[name] === value) continue;
    await writeFile(sysctlPath(name), `${value}\n`).catch((err: Error) => {
      throw new LabError(`could not restore ${name}=${value} (now ${now[name]}): ${err.message}`);
    });
    restored.push(`${name}=${value} (was ${now[name]})`);
  }
  if (!baseline.runNetnsWasMount && (await isMountPoint(RUN_NETNS))) {
    const left = await runTool('ip', ['netns', 'list']);
    if (left.stdout.trim() === '') {
      await runTool('umount', [RUN_NETNS]);
      if (!baseline.runNetnsExisted) await rmdir(RUN_NETNS).catch(() => undefined);
    }
  }
  await rm(file, { force: true });
  return restored;
}
