/**
 * cgroup v1 pids and cpu groups per sandboxed step, beside its memory group: pids.max caps the
 * processes and threads a step may have at once (a fork bomb stops there, and pids.events
 * counts the refused forks), cpu.cfs_quota_us caps the CPUs it may use (a spinning step is
 * throttled, and cpu.stat says for how long).
 */
import { access, constants, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DEFAULT_CGROUP_MOUNT = '/sys/fs/cgroup';
/** The cgroup (in each controller's hierarchy) holding Slipway's step cgroups. */
export const STEP_CGROUP_PARENT = 'slipway';
const PARENT = STEP_CGROUP_PARENT;
const CPU_PERIOD_US = 100_000;

export interface LimitCgroups {
  /** Moves a process (and what it forks later) into both groups. */
  attach(pid: number): Promise<void>;
  /** Forks refused at pids.max. */
  pidsLimitHits(): Promise<number>;
  /** Time the step was held back at its CPU quota. */
  cpuThrottledMs(): Promise<number>;
  remove(): Promise<void>;
}

/** Whether the cgroup v1 pids and cpu controllers are mounted under `mount` and writable by us. */
export async function limitCgroupsUsable(mount: string): Promise<boolean> {
  try {
    for (const [controller, file] of [['pids', 'pids.max'], ['cpu', 'cpu.cfs_quota_us']] as const) {
      await mkdir(join(mount, controller, PARENT), { recursive: true });
      await access(join(mount, controller, PARENT, file), constants.W_OK);
      await access(join(mount, controller, PARENT, 'cgroup.procs'), constants.W_OK);
    }
    return true;
  } catch {
    return false;
  }
}

export async function createLimitCgroups(mount: string, name: string, limits: { pids: number; cpus: number }): Promise<LimitCgroups> {
  const pids = join(mount, 'pids', PARENT, name);
  const cpu = join(mount, 'cpu', PARENT, name);
  const made: string[] = [];
  try {
    await mkdir(pids);
    made.push(pids);
    await writeFile(join(pids, 'pids.max'), String(limits.pids));
    await mkdir(cpu);
    made.push(cpu);
    await writeFile(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(Math.max(1_000, Math.round(limits.cpus * CPU_PERIOD_US))));
  } catch (err) {
    for (const dir of made.reverse()) await rmdir(dir).catch(() => undefined);
    throw err;
  }
  return {
    attach: async (pid) => {
      await writeFile(join(pids, 'cgroup.procs'), String(pid));
      await writeFile(join(cpu, 'cgroup.procs'), String(pid));
    },
    pidsLimitHits: async () => Number(/^max (\d+)$/m.exec(await readFile(join(pids, 'pids.events'), 'utf8'))?.[1] ?? '0'),
    cpuThrottledMs: async () => Number(/^throttled_time (\d+)$/m.exec(await readFile(join(cpu, 'cpu.stat'), 'utf8'))?.[1] ?? '0') / 1e6,
    remove: async () => {
      await removeWhenEmpty(pids);
      await removeWhenEmpty(cpu);
    },
  };
}

/** rmdir fails with EBUSY while the kernel is still tearing down the last processes. */
export async function removeWhenEmpty(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(path);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
