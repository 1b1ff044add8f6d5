/** Reads which OS directories and /etc entries the host has, for the pure argv builder. */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { HOST_ETC_ENTRIES, HOST_ETC_PATTERN } from './sandbox-layout.js';
import type { RootEntry } from './sandbox-argv.js';

/** The read-only OS: never /root, /home, /var, /run, /opt, /srv or /tmp. */
const ROOT_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

export interface HostLayout {
  root: RootEntry[];
  etc: string[];
}

export async function readHostLayout(): Promise<HostLayout> {
  const root: RootEntry[] = [];
  for (const path of ROOT_DIRS) {
    const stat = await lstat(path).catch(() => undefined);
    if (!stat) continue;
    if (stat.isSymbolicLink()) root.push({ path, symlinkTo: await readlink(path) });
    else if (stat.isDirectory()) root.push({ path, bind: true });
  }
  const names = new Set(await readdir('/etc').catch(() => [] as string[]));
  const etc = [...HOST_ETC_ENTRIES.filter((n) => names.has(n)), ...[...names].filter((n) => HOST_ETC_PATTERN.test(n)).sort()];
  return { root, etc };
}
