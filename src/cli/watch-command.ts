/**
 * `slipway watch OPERATION`: the live per-host view `slipway run` prints, for an operation the
 * controller runs: from its kept log (status.logRef) and status, polled until it ends. Exits as
 * `run` would: 0 when it succeeded, 1 when it failed or was cancelled; Ctrl-C leaves it running (130).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { readOperationLog, unseenText } from '../oplog/read-operation-log.js';
import { EXIT } from './exit-codes.js';
import { logLineEvents, resultOfStatus, type LogViewState } from './log-view.js';
import { ENDED_STATUSES, managementKubeConfig, readOperation, type ClusterFlags, type CommandIO } from './management-cluster.js';
import { progressPrinter, renderSummary } from './progress-printer.js';

export interface WatchFlags extends ClusterFlags {
  verbose?: boolean;
}

const POLL_MS = 1_000;

export async function watchCommand(name: string, flags: WatchFlags, io: CommandIO & { signal?: AbortSignal; colour?: boolean }): Promise<number> {
  const kc = managementKubeConfig(flags);
  const core = kc.makeApiClient(CoreV1Api);
  let op = await readOperation(kc, name);
  io.out(`Watching ${name} on cluster ${op.spec.cluster}: ${op.spec.action}\n`);
  const sink = progressPrinter({ write: io.out, verbose: flags.verbose ?? false, colour: io.colour ?? false });
  const state: LogViewState = { task: '', steps: [] };
  const printed = new Map<number, number>();
  let partial = '';
  let shown = '';
  for (;;) {
    const ended = ENDED_STATUSES.has(op.status?.status ?? '');
    state.steps = op.status?.steps ?? [];
    const ref = op.status?.logRef;
    if (ref) {
      const lines = (partial + unseenText(await readOperationLog(core, ref.namespace, op.metadata.uid!), printed)).split('\n');
      partial = ended ? '' : lines.pop()!;
      for (const line of lines.filter(Boolean)) for (const e of logLineEvents(line, state)) sink(e);
    } else {
      // No kept log (yet): what the status says, when it changes.
      const now = op.status?.progress?.summary ?? (op.status?.status || 'not started yet');
      if (now !== shown && !ended) io.out(`  ${now}\n`);
      shown = now;
    }
    if (ended) {
      io.out(renderSummary(resultOfStatus(op)));
      return op.status?.status === 'Succeeded' ? EXIT.done : EXIT.failed;
    }
    if (io.signal?.aborted) {
      io.err(`slipway watch: stopped watching; ${name} goes on (slipway cancel ${name} stops it)\n`);
      return EXIT.interrupted;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, POLL_MS);
      io.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
    op = await readOperation(kc, name);
  }
}
