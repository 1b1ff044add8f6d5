/**
 * A cgroup v1 memory group per sandboxed step: the kernel's OOM killer acts inside it when the
 * step exceeds its limit, and its oom_kill counter tells us afterwards that it did.
 */
import { access, constants, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { removeWhenEmpty, STEP_CGROUP_PARENT } from './limit-cgroups.js';
import { join } from 'node:path';

export const DEFAULT_MEMORY_CGROUP_ROOT = '/sys/fs/cgroup/memory';
const PARENT = STEP_CGROUP_PARENT;

export interface MemoryCgroup {
  path: string;
  /** Moves a process (and hence everything it forks later) into the group. */
  attach(pid: number): Promise<void>;
  /** How many processes the kernel killed at the limit. */
  oomKills(): Promise<number>;
  remove(): Promise<void>;
}

/** Whether the cgroup v1 memory controller is mounted at `root` and writable by us. */
export async function memoryCgroupUsable(root: string): Promise<boolean> {
  try {
    await access(join(root, 'memory.limit_in_bytes'), constants.R_OK);
    await mkdir(join(root, PARENT), { recursive: true });
    await access(join(root, PARENT, 'cgroup.procs'), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export async function createMemoryCgroup(root: string, name: string, limitBytes: number): Promise<MemoryCgroup> {
  const path = join(root, PARENT, name);
  await mkdir(path);
  try {
    await writeFile(join(path, 'memory.limit_in_bytes'), String(limitBytes));
    // With swap, memory+swap must be capped too or the step just swaps; absent without swap accounting.
    await writeFile(join(path, 'memory.memsw.limit_in_bytes'), String(limitBytes)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  } catch (err) {
    await rmdir(path).catch(() => undefined);
    throw err;
  }
  return {
    path,
    attach: (pid) => writeFile(join(path, 'cgroup.procs'), String(pid)),
    oomKills: async () => {
      const text = await readFile(join(path, 'memory.oom_control'), 'utf8');
      return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? '0');
    },
    remove: () => removeWhenEmpty(path),
  };
}
