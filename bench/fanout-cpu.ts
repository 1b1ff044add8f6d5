/**
 * CPU accounting for bench/fanout.ts: two cgroup v1 cpuacct groups, one for the hosts' sshd
 * (started while this process is in it, so every connection they fork lands there too) and one
 * for this process and everything it runs afterwards.
 *
 * /proc's children times cannot be used: bwrap's monitor exits as soon as the sandbox's command
 * has, without waiting for the sandbox's init, which is then reaped by PID 1, so a sandboxed
 * step's CPU never reaches its parent's cutime.
 */
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const CPUACCT = '/sys/fs/cgroup/cpuacct';

export interface CpuGroup {
  /** CPU seconds used by the group's processes so far (user+sys). */
  usage(): Promise<number>;
  /** Moves this process (and what it starts from now on) into the group. */
  enter(): Promise<void>;
}

export interface CpuGroups {
  clients: CpuGroup;
  hosts: CpuGroup;
  /** Moves this process back to the root group and removes both (their processes must be gone). */
  remove(): Promise<void>;
}

/** Undefined where there is no writable cgroup v1 cpuacct hierarchy (not root, cgroup v2). */
export async function createCpuGroups(): Promise<CpuGroups | undefined> {
  const base = join(CPUACCT, `slipway-fanout-${process.pid}`);
  try {
    await mkdir(join(base, 'clients'), { recursive: true });
    await mkdir(join(base, 'hosts'), { recursive: true });
  } catch {
    return undefined;
  }
  const group = (dir: string): CpuGroup => ({
    usage: async () => Number(await readFile(join(dir, 'cpuacct.usage'), 'utf8')) / 1e9,
    enter: () => writeFile(join(dir, 'cgroup.procs'), String(process.pid)),
  });
  return {
    clients: group(join(base, 'clients')),
    hosts: group(join(base, 'hosts')),
    async remove() {
      await writeFile(join(CPUACCT, 'cgroup.procs'), String(process.pid));
      for (const dir of ['clients', 'hosts', '']) await rmdir(join(base, dir)).catch(() => undefined);
    },
  };
}
