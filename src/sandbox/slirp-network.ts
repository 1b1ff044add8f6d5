/**
 * Outbound networking for a sandbox with its own network namespace: slirp4netns plugs a tap
 * device into it and forwards connections from user space, refusing the host's loopback
 * (--disable-host-loopback), so Slipway's own services on 127.0.0.0/8 are out of reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { SLIRP_INTERFACE } from './sandbox-layout.js';

export class SandboxNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxNetworkError';
  }
}

export interface SlirpNetwork {
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** Pure: slirp4netns's argv for the network namespace of `pid`; fd 3 signals ready, closing fd 4 stops it. */
export function slirpArgv(slirp4netns: string, pid: number): string[] {
  return [
    slirp4netns,
    '--configure',
    '--mtu=65520',
    '--disable-host-loopback',
    // slirp4netns confines itself: its own mount namespace, no capabilities, a seccomp filter.
    '--enable-sandbox',
    '--enable-seccomp',
    '--ready-fd=3',
    '--exit-fd=4',
    // By path, so slirp joins only the network namespace, not the sandbox's user namespace.
    '--netns-type=path',
    `/proc/${pid}/ns/net`,
    SLIRP_INTERFACE,
  ];
}

export async function startSlirp(slirp4netns: string, pid: number): Promise<SlirpNetwork> {
  const [program, ...args] = slirpArgv(slirp4netns, pid);
  const child: ChildProcess = spawn(program!, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exitPipe = child.stdio[4] as Writable;
  // Closing the exit pipe is how slirp4netns is told to stop; its end of it going away is expected.
  exitPipe.on('error', () => undefined);
  child.stdio[3]?.on('error', () => undefined);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    exitPipe.destroy();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const ready = child.stdio[3]!;
      const timer = setTimeout(() => reject(new SandboxNetworkError(`slirp4netns not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      ready.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new SandboxNetworkError(`cannot start slirp4netns: ${err.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new SandboxNetworkError(`slirp4netns exited with code ${code}: ${stderr.join('').trim()}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
