import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface DaemonOptions {
  /** Short name used in errors, e.g. "kube-apiserver". */
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr of the daemon go here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Daemon {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves when the process has exited; never rejects. */
  exited: Promise<number | null>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export class DaemonError extends Error {
  constructor(
    readonly daemon: string,
    message: string,
    readonly logTail: string,
  ) {
    super(`${daemon}: ${message}${logTail ? `\n--- last lines of its log ---\n${logTail}` : ''}`);
    this.name = 'DaemonError';
  }
}

export function logTail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Starts a long-running process in its own process group with its output in a log file. */
export function startDaemon(opts: DaemonOptions): Daemon {
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.once('error', () => resolve(127));
  });
  let done = false;
  void exited.then(() => (done = true));
  const pid = child.pid ?? -1;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  return {
    name: opts.name,
    pid,
    logFile: opts.logFile,
    exited,
    async stop(graceMs = 5000) {
      if (done || pid < 0) return;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `ready` until it returns true, failing early when the daemon exits and with its log
 * tail when `timeoutMs` passes.
 */
export async function waitUntilReady(
  daemon: Daemon,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<void> {
  let exitedWith: number | null | undefined;
  void daemon.exited.then((code) => (exitedWith = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitedWith !== undefined) {
      throw new DaemonError(daemon.name, `exited with ${exitedWith} before it was ready`, logTail(daemon.logFile));
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new DaemonError(daemon.name, `not ready after ${timeoutMs} ms`, logTail(daemon.logFile));
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
