import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterOperation, ClusterStatus } from '../../src/api/types.js';
import type { LabSsh } from '../lab/lab-harness.js';
import type { LocalKubectl } from './e2e-cluster.js';

/** Polls `read` every `everyMs` until it returns a value (not undefined); throws with `what` and the last value seen. */
export async function waitFor<T>(what: string, read: () => Promise<T | undefined>, timeoutMs: number, last: () => string = () => '', everyMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}\n${last()}`);
    await sleep(everyMs);
  }
}

export async function clusterStatus(mgmt: LocalKubectl, name: string): Promise<ClusterStatus> {
  const r = await mgmt.run(['get', 'cluster', name, '-o', 'json']);
  return r.exitCode === 0 ? ((JSON.parse(r.stdout) as { status?: ClusterStatus }).status ?? {}) : {};
}

export async function operation(mgmt: LocalKubectl, name: string): Promise<ClusterOperation | undefined> {
  const r = await mgmt.run(['get', 'clusteroperation', name, '-o', 'json']);
  return r.exitCode === 0 ? (JSON.parse(r.stdout) as ClusterOperation) : undefined;
}

/** Names of the objects of `kinds` (e.g. 'jobs,pods') labelled as the operation's, in `namespace`. */
export async function operationObjects(mgmt: LocalKubectl, name: string, kinds: string, namespace: string): Promise<string[]> {
  const out = await mgmt.ok(['-n', namespace, 'get', kinds, '-l', `slipway.io/operation=${name}`, '-o', 'name']);
  return out.split('\n').filter(Boolean);
}

/**
 * Processes on a lab machine whose command line matches the extended regular expression
 * (`ps` in the machine; containers' processes included: they are its descendants).
 */
export async function processesOn(ssh: LabSsh, address: string, pattern: string): Promise<string[]> {
  const r = await ssh.run(address, `ps -eo pid=,args= | grep -E -- '${pattern.replaceAll("'", '')}' | grep -v -e 'grep -E' -e 'ps -eo' || true`);
  if (r.exitCode !== 0) throw new Error(`ps on ${address} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}
