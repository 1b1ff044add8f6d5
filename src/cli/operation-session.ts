import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectSource } from '../api/object-source.js';
import type { ClusterOperation } from '../api/types.js';
import type { OperatorOptions } from '../engine/prepare-plan.js';
import type { LocalHostFleet } from '../hosts/local-hosts.js';
import { withLocalHosts } from './local-hosts-mode.js';
import { selectOperations } from './operation-inputs.js';

export interface SessionOptions {
  files: string[];
  operation?: string;
  /** Start the inventory's loopback hosts as local sshd instances (implies allowLoopbackHosts). */
  localHosts: boolean;
  allowLoopbackHosts: boolean;
  /** `run` stops at the first failing operation; `plan` shows them all. */
  stopOnFailure: boolean;
  /** A plan: local hosts are described, not started. */
  dryRun?: boolean;
  /** The operator's bounds and default deadline (flags), passed to every plan. */
  operator?: Pick<OperatorOptions, 'limits' | 'defaultDeadlineSeconds'>;
  /** Aborted by SIGINT/SIGTERM: no further operation starts. */
  signal?: AbortSignal;
}

export type OperationHandler = (op: ClusterOperation, source: ObjectSource, operator: OperatorOptions) => Promise<number>;

/**
 * Calls `handle` for each selected operation with the source it should read, starting and
 * stopping local hosts around it when asked. Returns the first non-zero exit code, or 0.
 */
export async function forEachOperation(
  opts: SessionOptions,
  say: (text: string) => void,
  handle: OperationHandler,
): Promise<number> {
  const { source, operations } = selectOperations(opts.files, opts.operation, opts.operator?.limits?.maxManifestBytes);
  const operator: OperatorOptions = { ...opts.operator, allowLoopbackHosts: opts.localHosts || opts.allowLoopbackHosts };
  const scratch = await mkdtemp(join(tmpdir(), 'slipway-run-'));
  const fleets: LocalHostFleet[] = [];
  let code = 0;
  try {
    for (const op of operations) {
      opts.signal?.throwIfAborted();
      let opSource: ObjectSource = source;
      if (opts.localHosts && opts.dryRun) {
        const local = await withLocalHosts(source, op.spec.cluster, join(scratch, op.metadata.name ?? 'op'), false);
        opSource = local.source;
        say(`Local hosts of cluster ${op.spec.cluster} not started for a plan (run starts sshd on each, on a free port, with a key of its own): ${local.fleet.hosts.map((h) => h.address).join(' ')}\n`);
      } else if (opts.localHosts) {
        say(`Starting local hosts for cluster ${op.spec.cluster} (sshd on loopback addresses)...\n`);
        const local = await withLocalHosts(source, op.spec.cluster, join(scratch, op.metadata.name ?? 'op'));
        fleets.push(local.fleet);
        opSource = local.source;
        say(`  ${local.fleet.hosts.map((h) => `${h.name}=${h.address}:${h.port}`).join('  ')}\n`);
      }
      const result = await handle(op, opSource, operator);
      if (result !== 0 && code === 0) code = result;
      if (result !== 0 && opts.stopOnFailure) break;
    }
    return code;
  } finally {
    await Promise.all(fleets.map((f) => f.stop()));
    await rm(scratch, { recursive: true, force: true });
  }
}
