import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** Pids whose parent is `pid`, read from /proc (Linux only; empty elsewhere). */
export async function childPids(pid: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const children = await Promise.all(
    entries.filter((e) => /^\d+$/.test(e)).map(async (e) => {
      try {
        const stat = await readFile(`/proc/${e}/stat`, 'utf8');
        // "pid (comm) state ppid …"; comm may itself contain spaces and parentheses.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === pid ? Number(e) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return children.filter((c): c is number => c !== undefined);
}

/** Zombies count as gone: they were reparented to an init that may be slow to reap them. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM to each pid, SIGKILL to those still there after `graceMs`. */
export async function terminate(pids: number[], graceMs = 3000): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  pids.forEach((pid) => signal(pid, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  pids.filter(alive).forEach((pid) => signal(pid, 'SIGKILL'));
}
