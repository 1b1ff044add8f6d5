import { readFileSync } from 'node:fs';
import { rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Endpoint } from './serve-config.js';

/** The processes `bundle serve` started, recorded so that `bundle serve --stop` finds them. */
export interface ServeState {
  files: Endpoint[];
  registries: Endpoint[];
  processes: ServedProcess[];
}

export interface ServedProcess {
  name: string;
  pid: number;
  /** The executable's base name, checked against /proc/<pid>/cmdline before signalling. */
  command: string;
}

export function pidFile(stateDir: string): string {
  return join(stateDir, 'serve.json');
}

export function readServeState(stateDir: string): ServeState | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as ServeState;
}

export async function writeServeState(stateDir: string, state: ServeState): Promise<void> {
  const tmp = `${pidFile(stateDir)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, pidFile(stateDir));
}

export async function removeServeState(stateDir: string): Promise<void> {
  await rm(pidFile(stateDir), { force: true });
}

/** True while `pid` runs `command` (a recycled pid running something else does not count). */
export function isRunning(p: ServedProcess): boolean {
  try {
    const argv0 = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    const zombie = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    return !zombie && (argv0 === p.command || argv0.endsWith(`/${p.command}`) || argv0.startsWith(`${p.command}:`));
  } catch {
    return false;
  }
}
