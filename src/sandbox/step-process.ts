/**
 * A step's process: spawned without a shell in its own process group, with its output as
 * streams and its end as a promise that never rejects.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ProcessEnd {
  exitCode: number | null;
  signal?: NodeJS.Signals;
  /** The program could not be started at all. */
  spawnError?: string;
}

export interface StepProcess {
  pid: number | undefined;
  child: ChildProcess;
  stdout: Readable;
  stderr: Readable;
  ended: Promise<ProcessEnd>;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Descriptors 3 and up: 'pipe' or an open fd to hand down. */
  extraStdio?: ('pipe' | number)[];
}

export function spawnStep(argv: readonly string[], opts: SpawnOptions): StepProcess {
  const [program, ...args] = argv;
  if (!program) throw new Error('spawnStep: empty argv');
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...(opts.extraStdio ?? [])];
  const child = spawn(program, args, { cwd: opts.cwd, env: opts.env, stdio, detached: true, shell: false });
  const ended = new Promise<ProcessEnd>((resolve) => {
    child.once('error', (err) => resolve({ exitCode: null, spawnError: err.message }));
    child.once('close', (code, signal) => resolve(signal ? { exitCode: code, signal } : { exitCode: code }));
  });
  return { pid: child.pid, child, stdout: child.stdout!, stderr: child.stderr!, ended };
}

/** Signals the process group led by `pid` (each step leads its own group). */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}
