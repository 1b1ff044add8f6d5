/**
 * `slipway logs OPERATION [-f]`: the operation's kept log (redacted output of every step), from
 * the ConfigMaps its status.logRef names, read with the user's own credentials; `-f` follows it
 * until the operation ends.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { ClusterOperation } from '../api/types.js';
import { readOperationLog, unseenText } from '../oplog/read-operation-log.js';
import { CommandError, ENDED_STATUSES, managementKubeConfig, readOperation, type ClusterFlags, type CommandIO } from './management-cluster.js';

const FOLLOW_POLL_MS = 2_000;

export interface LogsFlags extends ClusterFlags {
  follow?: boolean;
}

export async function logsCommand(name: string, flags: LogsFlags, io: CommandIO & { signal?: AbortSignal }): Promise<number> {
  const kc = managementKubeConfig(flags);
  const core = kc.makeApiClient(CoreV1Api);
  let op = await readOperation(kc, name);
  const printed = new Map<number, number>();
  for (;;) {
    const ref = op.status?.logRef;
    if (ref) io.out(unseenText(await readOperationLog(core, ref.namespace, op.metadata.uid!), printed));
    if (!flags.follow || ended(op) || io.signal?.aborted) {
      if (!ref) throw new CommandError(`${name} has no kept log yet (${op.status?.status || 'not started'})`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    op = await readOperation(kc, name);
    if (ended(op) && op.status?.logRef) io.out(unseenText(await readOperationLog(core, op.status.logRef.namespace, op.metadata.uid!), printed));
    if (ended(op)) return 0;
  }
}

const ended = (op: ClusterOperation): boolean => ENDED_STATUSES.has(op.status?.status ?? '');
