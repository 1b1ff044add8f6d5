/**
 * `slipway logs OPERATION [-f]`: the operation's kept log (redacted output of every step), from
 * the ConfigMaps its status.logRef names, read with the user's own credentials; `-f` follows it
 * until the operation ends.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { ClusterOperation } from '../api/types.js';
import { readOperationLog, unseenText } from '../oplog/read-operation-log.js';
import { CommandError, KUBECONFIG_OPTION_HELP, managementKubeConfig, parseNamedCommand, readOperation, type CommandIO } from './management-cluster.js';

export const LOGS_USAGE = `Usage: slipway logs <operation> [options]

Prints the operation's log as the controller keeps it: every step's output, redacted, readable
while it runs and after it ended, until the operation is pruned from its cluster's history.

Options:
  -f, --follow            keep printing as the log grows, until the operation ends
${KUBECONFIG_OPTION_HELP}
`;

const FOLLOW_POLL_MS = 2_000;
const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

export async function logsCommand(argv: string[], io: CommandIO & { signal?: AbortSignal }): Promise<number> {
  const parsed = parseNamedCommand('logs', LOGS_USAGE, argv, { follow: { type: 'boolean', short: 'f', default: false } }, io);
  if (typeof parsed === 'number') return parsed;
  const { name, values } = parsed;
  const kc = managementKubeConfig(values.kubeconfig as string | undefined);
  const core = kc.makeApiClient(CoreV1Api);
  try {
    let op = await readOperation(kc, name);
    const printed = new Map<number, number>();
    for (;;) {
      const ref = op.status?.logRef;
      if (ref) io.out(unseenText(await readOperationLog(core, ref.namespace, op.metadata.uid!), printed));
      if (!values.follow || ended(op) || io.signal?.aborted) {
        if (!ref) throw new CommandError(`${name} has no kept log yet (${op.status?.status || 'not started'})`);
        return 0;
      }
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      op = await readOperation(kc, name);
      if (ended(op) && op.status?.logRef) io.out(unseenText(await readOperationLog(core, op.status.logRef.namespace, op.metadata.uid!), printed));
      if (ended(op)) return 0;
    }
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    io.err(`slipway logs: ${err.message}\n`);
    return 1;
  }
}

const ended = (op: ClusterOperation): boolean => ENDED.has(op.status?.status ?? '');
