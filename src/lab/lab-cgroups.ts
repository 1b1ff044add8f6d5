import { lstat, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The cgroup parent of a lab's containers (podman's --cgroup-parent). */
export const labCgroupParent = (lab: string): string => `/slipway-lab/${lab}`;

async function rmdirTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await rmdirTree(join(dir, e.name));
  // A cgroup directory holds only the kernel's files; rmdir removes it once it has no children.
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Removes `relPath` (e.g. /slipway-lab/lab) from every mounted hierarchy, children first. */
export async function removeCgroup(relPath: string): Promise<void> {
  const hierarchies = await readdir(CGROUP_ROOT).catch(() => [] as string[]);
  for (const h of hierarchies) {
    const base = join(CGROUP_ROOT, h);
    // cpu,cpuacct and the like are symlinks to a hierarchy listed under its own name too.
    if (!(await lstat(base)).isDirectory()) continue;
    await rmdirTree(join(base, relPath));
  }
}

/** Removes the shared /slipway-lab parent where no lab is left under it. */
export async function removeEmptyCgroupParent(): Promise<void> {
  const hierarchies = await readdir(CGROUP_ROOT).catch(() => [] as string[]);
  for (const h of hierarchies) {
    const dir = join(CGROUP_ROOT, h, 'slipway-lab');
    await rmdir(dir).catch(() => undefined);
  }
}
