/**
 * One ssh-agent per operation, outside the sandbox: the private key goes into it from stdin
 * and never touches a file, and a playbook can ask it to sign but not to hand the key out.
 * It runs as the sandbox's uid because ssh-agent refuses peers of another (non-root) uid.
 * What a Slipway killed before it could stop its agent leaves behind is swept by
 * sweepLeftovers (leftovers.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { AGENT_SOCKET_NAME } from './sandbox-layout.js';
import type { SandboxIdentity } from './sandbox-etc.js';

export class SshAgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshAgentError';
  }
}

export interface SshAgent {
  socketPath: string;
  /** `ssh-add -L`: the public half, for ssh's IdentityFile (IdentitiesOnly selects it from the agent). */
  publicKey: string;
  stop(): Promise<void>;
}

export interface AgentOptions {
  /** An existing directory, accessible to `runAs`, that will hold the socket. */
  dir: string;
  privateKey: string;
  /** Switch to this uid/gid with setpriv (when Slipway is root). */
  runAs?: SandboxIdentity;
  setpriv?: string;
}

const START_TIMEOUT_MS = 5_000;

export async function startSshAgent(opts: AgentOptions): Promise<SshAgent> {
  const socketPath = join(opts.dir, AGENT_SOCKET_NAME);
  // The agent dies with Slipway, also when Slipway is killed with SIGKILL: the kernel sends it
  // SIGTERM (it then removes its socket) when its parent goes. no_new_privs keeps the exec of
  // the setgid ssh-agent from changing credentials, which would clear the parent-death signal.
  const identity = opts.runAs ? [`--reuid=${opts.runAs.uid}`, `--regid=${opts.runAs.gid}`, '--clear-groups', '--inh-caps=-all'] : [];
  const argv = [opts.setpriv ?? 'setpriv', ...identity, '--no-new-privs', '--pdeathsig=TERM', '--', 'ssh-agent', '-D', '-a', socketPath];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitForSocket(socketPath, child, () => spawnError, stderr);
    const env = { SSH_AUTH_SOCK: socketPath, PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const add = await execa('ssh-add', ['-q', '-'], { input: opts.privateKey, env, extendEnv: false, reject: false });
    // ssh-add's messages never quote the key; they are still kept short.
    if (add.exitCode !== 0) throw new SshAgentError(`ssh-add refused the cluster's private key: ${add.stderr.trim().slice(0, 200)}`);
    const list = await execa('ssh-add', ['-L'], { env, extendEnv: false, reject: false });
    if (list.exitCode !== 0 || !list.stdout.trim()) throw new SshAgentError(`ssh-add -L listed no key: ${list.stderr.trim()}`);
    return { socketPath, publicKey: `${list.stdout.trim()}\n`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForSocket(path: string, child: ChildProcess, spawnError: () => Error | undefined, stderr: string[]): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const error = spawnError();
    if (error) throw new SshAgentError(`cannot start ssh-agent: ${error.message}`);
    if (child.exitCode !== null) throw new SshAgentError(`ssh-agent exited with code ${child.exitCode}: ${stderr.join('').trim()}`);
    if (await stat(path).then((s) => s.isSocket(), () => false)) return;
    if (Date.now() > until) throw new SshAgentError(`ssh-agent did not create ${path} within ${START_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
