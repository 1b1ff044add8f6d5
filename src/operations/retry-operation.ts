/**
 * Retry from where it failed: a new ClusterOperation with the failed one's spec, linked to it,
 * limited to the hosts that failed or were unreachable where the playbook allows a --limit and a
 * limit is safe. Pure: the CLI and the console create what this returns, as their user (the
 * admission webhook checks that user's rights like any other operation's).
 */
import { createHash } from 'node:crypto';
import { API_VERSION, CLUSTER_OPERATION_KIND, type ClusterOperation } from '../api/types.js';
import { splitShellWords } from '../policy/shell-words.js';

export const RETRY_OF_ANNOTATION = 'slipway.io/retry-of';
export const RETRY_REASON_ANNOTATION = 'slipway.io/retry-reason';
export const RETRY_OF_UID_LABEL = 'slipway.io/retry-of-uid';

/** Playbooks that take hosts away are run again whole: their hosts are named in -e, not --limit. */
const WHOLE_AGAIN = new Set(['remove-node.yml', 'reset.yml']);
const MAX_NAME = 253;

export type RetryPlan = { operation: ClusterOperation; limit?: string; reason: string } | { refused: string };

export interface RetryInput {
  failed: ClusterOperation;
  /** The cluster's control-plane hosts now (a limit to workers only is safe; a control plane runs again whole). */
  controlPlane: readonly string[];
  /** Names taken already, so the new name is free. */
  taken: (name: string) => boolean;
}

export function retryOperation({ failed, controlPlane, taken }: RetryInput): RetryPlan {
  const status = failed.status?.status;
  if (status !== 'Failed') return { refused: `${failed.metadata.name} is ${status ?? 'not started'}: only a Failed operation is retried` };
  const hosts = [...new Set(failed.status?.failedHosts ?? [])];
  const { extraArgs, limit, reason } = retryArgs(failed, hosts, controlPlane);
  const name = retryName(failed.metadata.name ?? 'operation', taken);
  const operation: ClusterOperation = {
    apiVersion: API_VERSION,
    kind: CLUSTER_OPERATION_KIND,
    metadata: {
      name,
      labels: { ...(failed.metadata.uid ? { [RETRY_OF_UID_LABEL]: failed.metadata.uid } : {}) },
      annotations: { [RETRY_OF_ANNOTATION]: failed.metadata.name ?? '', [RETRY_REASON_ANNOTATION]: reason },
    },
    spec: { ...withoutKubeanCopies(failed.spec), ...(extraArgs !== undefined ? { extraArgs } : {}) },
  };
  if (extraArgs === undefined) delete operation.spec.extraArgs;
  return { operation, ...(limit ? { limit } : {}), reason };
}

function retryArgs(failed: ClusterOperation, hosts: string[], controlPlane: readonly string[]): { extraArgs?: string; limit?: string; reason: string } {
  const original = failed.spec.extraArgs;
  const same = { ...(original !== undefined ? { extraArgs: original } : {}) };
  if (WHOLE_AGAIN.has(failed.spec.action)) return { ...same, reason: `${failed.spec.action} is run again whole (it names its hosts with -e)` };
  if (hosts.length === 0) return { ...same, reason: 'no host failed (the run stopped before or between hosts): run again whole' };
  const planes = hosts.filter((h) => controlPlane.includes(h));
  if (planes.length > 0) return { ...same, reason: `control-plane host(s) ${planes.join(', ')} failed: run again whole` };
  const limit = hosts.join(',');
  const words = withoutLimit(splitShellWords(original ?? ''));
  return { extraArgs: [...words.map(quote), `--limit=${quote(limit)}`].join(' '), limit, reason: `only the host(s) that failed: ${limit}` };
}

/** The words without any --limit/-l option (and its value). */
function withoutLimit(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--limit' || w === '-l') {
      i++;
      continue;
    }
    if (w.startsWith('--limit=') || (w.startsWith('-l') && !w.startsWith('--'))) continue;
    out.push(w);
  }
  return out;
}

/** Quoted for the shell-word splitter when a word holds anything but plain characters. */
function quote(word: string): string {
  return /^[A-Za-z0-9_.,:=@/+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** kubean's controller fills these on its own objects; a new operation starts without them. */
function withoutKubeanCopies(spec: ClusterOperation['spec']): ClusterOperation['spec'] {
  const rest = { ...spec };
  for (const key of ['hostsConfRef', 'varsConfRef', 'sshAuthRef', 'entrypointSHRef'] as const) delete rest[key];
  return rest;
}

function retryName(base: string, taken: (name: string) => boolean): string {
  const stem = base.replace(/-retry-\d+$/, '');
  for (let n = 1; ; n++) {
    const suffix = `-retry-${n}`;
    const name = stem.length + suffix.length <= MAX_NAME ? `${stem}${suffix}` : `${stem.slice(0, MAX_NAME - suffix.length - 9)}-${createHash('sha256').update(stem).digest('hex').slice(0, 8)}${suffix}`;
    if (!taken(name)) return name;
  }
}
