import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Host-wide limits every machine's kubelet, containerd and pods draw on together (inotify
 * instances are counted per uid, and all machines' root is this host's root): too low, and
 * containerd's CRI plugin fails to load ("too many open files"). Raised to at least these
 * values (kind asks the same of its hosts); the lab's host baseline puts them back.
 */
export const HOST_MINIMUMS: Readonly<Record<string, number>> = {
  'fs.inotify.max_user_instances': 8192,
  'fs.inotify.max_user_watches': 524288,
};

/** The settings to write: each minimum that the current value is below; pure. */
export function limitsToRaise(current: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(HOST_MINIMUMS).filter(([name, min]) => Number(current[name] ?? 0) < min));
}

export async function raiseHostLimits(): Promise<void> {
  const path = (name: string) => join('/proc/sys', ...name.split('.'));
  const current: Record<string, string> = {};
  for (const name of Object.keys(HOST_MINIMUMS)) current[name] = (await readFile(path(name), 'utf8').catch(() => '')).trim();
  for (const [name, value] of Object.entries(limitsToRaise(current))) await writeFile(path(name), `${value}\n`);
}
