/**
 * What a Slipway killed without warning (SIGKILL, OOM, a power cut of the container) leaves in
 * the temp dir: an operation's sandbox directory with its ssh-agent socket, the ssh control
 * socket directory. Each such directory records its owner (pid and the kernel's start time of
 * that pid, so a reused pid is not taken for it); at start a Slipway stops the processes that
 * still use the directories of owners that are gone (an agent that outlived its parent-death
 * signal, an ssh control master) and removes them, with the other paths the marker lists (the
 * operation's work directory, whose files may hold its passwords). A marker is trusted only in
 * a directory this process's user owns, written by that user: a directory handed to the
 * sandbox's uid could carry a marker of the sandbox's making.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir, readFile, readlink, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export const OWNER_FILE = '.slipway-owner';
/** The prefixes of the directories Slipway makes in the temp dir per operation. */
export const SWEPT_PREFIXES = ['slipway-sbx-', 'slipway-cp-'] as const;
const GRACE_MS = 1_000;
const MARKER_MAX = 8 * 1024;

/** Records this process as `dir`'s owner; `alsoRemove`: what goes with `dir` when its owner is gone. */
export async function markOwned(dir: string, alsoRemove: readonly string[] = []): Promise<void> {
  const handle = await open(join(dir, OWNER_FILE), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(`${process.pid} ${await startTime(process.pid)}\n${alsoRemove.map((p) => `remove ${p}\n`).join('')}`);
  } finally {
    await handle.close();
  }
}

export interface SweptDir {
  dir: string;
  /** Processes stopped because they still used it. */
  pids: number[];
}

/** Stops the leftovers of owners that are gone, in `root` (the temp dir by default). */
export async function sweepLeftovers(root: string = tmpdir()): Promise<SweptDir[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const swept: SweptDir[] = [];
  for (const name of names) {
    if (!SWEPT_PREFIXES.some((p) => name.startsWith(p))) continue;
    const dir = join(root, name);
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    if (st.uid !== process.getuid?.()) continue;
    const owner = await readOwner(dir);
    if (!owner || (await startTime(owner.pid)) === owner.startTime) continue;
    const pids: number[] = [];
    for (const path of [dir, ...owner.alsoRemove]) {
      pids.push(...(await stopUsersOf(path)));
      await rm(path, { recursive: true, force: true });
    }
    swept.push({ dir, pids });
  }
  return swept;
}

/**
 * Step cgroups a killed Slipway left (`<parent>/<label>`, the label ending in
 * `-<pid>-<milliseconds>`): removed once that pid is gone and they are empty.
 */
export async function sweepStepCgroups(parents: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const parent of parents) {
    for (const name of await readdir(parent).catch(() => [] as string[])) {
      const pid = /-(\d+)-\d{13,}$/.exec(name)?.[1];
      if (pid === undefined || (await startTime(Number(pid))) !== '') continue;
      const ok = await rmdir(join(parent, name)).then(
        () => true,
        () => false,
      );
      if (ok) removed.push(join(parent, name));
    }
  }
  return removed;
}

async function stopUsersOf(path: string): Promise<number[]> {
  const pids = await processesUsing(path);
  for (const pid of pids) signal(pid, 'SIGTERM');
  const until = Date.now() + GRACE_MS;
  while (Date.now() < until && (await processesUsing(path)).length > 0) await new Promise((r) => setTimeout(r, 50));
  for (const pid of await processesUsing(path)) signal(pid, 'SIGKILL');
  return pids;
}

async function readOwner(dir: string): Promise<{ pid: number; startTime: string; alsoRemove: string[] } | undefined> {
  let text: string;
  try {
    const handle = await open(join(dir, OWNER_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = await handle.stat();
      if (!st.isFile() || st.uid !== process.getuid?.()) return undefined;
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(MARKER_MAX), 0, MARKER_MAX, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  const match = /^(\d+) (\d+)\n/.exec(text);
  if (!match) return undefined;
  // Only Slipway's own per-operation directories, by absolute path.
  const alsoRemove = [...text.matchAll(/^remove (\/.+)$/gm)].map((m) => m[1]!).filter((p) => /^slipway-[^/]*$/.test(basename(p)) && !p.includes('/../'));
  return { pid: Number(match[1]), startTime: match[2]!, alsoRemove };
}

/** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22); '' when it is gone. */
async function startTime(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return '';
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ")".
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

/** Live processes whose command line names a path in `dir`, or whose cwd is in it. */
async function processesUsing(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cmdline.split('\0').some((arg) => arg.includes(`${dir}/`) || arg === dir) || cwd === dir || cwd.startsWith(`${dir}/`)) found.push(Number(entry));
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
