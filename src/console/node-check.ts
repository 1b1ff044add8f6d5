/**
 * The Add-cluster form's node check, the pure part. The check runs kubean's way: the form's
 * inputs and Cluster are created (the Cluster marked as only checked), with a ClusterOperation
 * running ping.yml (reachability over SSH with a working Python) and then cluster-info.yml (each
 * host's system, from its facts). Its result per host comes from what ansible printed in the
 * kept log, and from the operation's status when the log cannot be read. Create is allowed only
 * after a check of exactly the hosts and credentials it is given has succeeded.
 */
import { createHash } from 'node:crypto';
import type { ClusterOperation } from '../api/types.js';
import { operationFor } from './cluster-changes.js';
import type { NewClusterObjects } from './new-cluster.js';

/** On a Cluster the form created for its node check and not created for real yet: discarding the form removes it. */
export const NODE_CHECK_ANNOTATION = 'slipway.kubean.io/console-node-check';
/** On the check's operation: the digest of the hosts and credentials it checked. */
export const CHECKED_INPUTS_ANNOTATION = 'slipway.kubean.io/console-checked-inputs';

/** What a check depends on: hosts.yml and the SSH Secret (vars, such as the version, may change after it). */
export function checkedInputsDigest(o: Pick<NewClusterObjects, 'hosts' | 'secret'>): string {
  return createHash('sha256').update(JSON.stringify([o.hosts.metadata, o.hosts.data, o.secret.metadata, o.secret.stringData])).digest('hex').slice(0, 32);
}

export function nodeCheckOperation(cluster: string, digest: string): ClusterOperation {
  const op = operationFor(cluster, 'node-check', 'ping.yml');
  op.spec.postHook = [{ actionType: 'playbook', action: 'cluster-info.yml' }];
  op.metadata.annotations = { [CHECKED_INPUTS_ANNOTATION]: digest };
  return op;
}

export type HostCheckState = 'checking' | 'reachable' | 'unreachable' | 'failed' | 'not checked';

export interface HostCheck {
  name: string;
  state: HostCheckState;
  /** Ansible's message for a host that did not answer. */
  message?: string;
  /** The system cluster-info.yml reported, once the host answered. */
  system?: string;
}

export interface NodeCheckResult {
  operation: string;
  status: string;
  finished: boolean;
  /** Every host answered and the operation succeeded. */
  passed: boolean;
  message?: string;
  hosts: HostCheck[];
}

const FINISHED = new Set(['Succeeded', 'Failed', 'Cancelled']);
const FATAL = /^fatal: \[([^\]]+)\]: (UNREACHABLE|FAILED)! => (\{.*\})\s*$/;
const OK = /^(?:ok|changed): \[([^\]]+)\](?: => \{)?\s*$/;

const msgOf = (json: string): string | undefined => {
  try {
    const m = (JSON.parse(json) as { msg?: unknown }).msg;
    return typeof m === 'string' ? m.trim() : undefined;
  } catch {
    return undefined;
  }
};

/** Per host, what ansible printed: answered (with the system cluster-info.yml showed), or its fatal message. */
export function hostsFromLog(log: string): Map<string, Omit<HostCheck, 'name'>> {
  const seen = new Map<string, Omit<HostCheck, 'name'>>();
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fatal = FATAL.exec(line);
    if (fatal) {
      const message = msgOf(fatal[3]!);
      seen.set(fatal[1]!, { state: fatal[2] === 'UNREACHABLE' ? 'unreachable' : 'failed', ...(message ? { message } : {}) });
      continue;
    }
    const ok = OK.exec(line);
    if (!ok) continue;
    const host = ok[1]!;
    const before = seen.get(host);
    if (before && before.state !== 'reachable') continue;
    const entry: Omit<HostCheck, 'name'> = { state: 'reachable', ...(before?.system ? { system: before.system } : {}) };
    if (line.trimEnd().endsWith('{')) {
      const end = lines.findIndex((l, j) => j > i && l.startsWith('}'));
      if (end > i) {
        const system = msgOf(`{${lines.slice(i + 1, end).join('\n')}}`);
        if (system) entry.system = system.replace(/\s+/g, ' ');
        i = end;
      }
    }
    seen.set(host, entry);
  }
  return seen;
}

/** The check's result for `hosts` (the inventory's), from its operation and the log text read so far. */
export function nodeCheckResult(op: ClusterOperation, hosts: readonly string[], log: string): NodeCheckResult {
  const status = op.status?.status || 'Pending';
  const finished = FINISHED.has(status);
  const fromLog = hostsFromLog(log);
  const failed = new Set(op.status?.failedHosts ?? []);
  const rows = hosts.map((name): HostCheck => {
    const seen = fromLog.get(name);
    if (seen && (seen.state !== 'reachable' || !failed.has(name))) return { name, ...seen };
    if (failed.has(name)) return { name, state: 'unreachable', ...(op.status?.message ? { message: op.status.message } : {}) };
    if (!finished) return { name, state: 'checking' };
    return { name, state: status === 'Succeeded' ? 'reachable' : 'not checked' };
  });
  const passed = status === 'Succeeded' && rows.every((r) => r.state === 'reachable');
  return { operation: op.metadata.name ?? '', status, finished, passed, ...(op.status?.message ? { message: op.status.message } : {}), hosts: rows };
}

/** Why Create is refused given the check it names; undefined when that check passed for these very inputs. */
export function createRefusal(cluster: string, digest: string, check: ClusterOperation | undefined, marked: boolean): string | undefined {
  if (!marked) return `Cluster ${cluster} exists and was not made by this form's node check: choose another name`;
  if (!check || check.spec.cluster !== cluster || check.spec.action !== 'ping.yml') return 'run the node check first';
  if (check.metadata.annotations?.[CHECKED_INPUTS_ANNOTATION] !== digest) return 'the nodes or credentials changed since the node check: check the nodes again';
  if (check.status?.status !== 'Succeeded') return `the node check has not passed (${check.status?.status || 'Pending'}): check the nodes again`;
  return undefined;
}
