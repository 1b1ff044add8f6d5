import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { renderRejection } from './print-rejection.js';
import type { ObjectSource } from '../api/object-source.js';
import type { ClusterOperation } from '../api/types.js';
import { LocalExecutor } from '../executors/local-executor.js';
import type { OperatorOptions } from '../engine/prepare-plan.js';
import { createRedactor } from '../util/redact.js';
import type { Logger } from './logger.js';
import { runOperation } from '../operations/run-operation.js';
import { summariseFinished } from '../operations/summarise.js';
import { forEachOperation, type SessionOptions } from './operation-session.js';
import { progressPrinter, renderSummary } from './progress-printer.js';

export interface RunOptions extends Omit<SessionOptions, 'stopOnFailure'> {
  builtinDir: string;
  logDir?: string;
  statusOut?: string;
  /** Where a successful install's admin kubeconfig goes (mode 0600); kubespray's artifacts/admin.conf. */
  kubeconfigOut?: string;
  verbose: boolean;
}

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  logger: Logger;
  signal: AbortSignal;
  /** Standard output takes colour (a terminal, no NO_COLOR). */
  colour?: boolean;
}

export function defaultLogDir(): string {
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'slipway', 'logs');
}

/**
 * `slipway run`: every selected operation in file order, stopping at the first failure.
 * Exit code 0 only when all succeeded; 2 when input was rejected before anything ran.
 */
export async function runCommand(opts: RunOptions, io: CliIO): Promise<number> {
  const statuses: Record<string, unknown> = {};
  try {
    return await forEachOperation({ ...opts, stopOnFailure: true, signal: io.signal }, io.out, (op, source, operator) =>
      runOne(op, source, operator, opts, io, statuses),
    );
  } finally {
    if (opts.statusOut) await writeFile(opts.statusOut, `${JSON.stringify(statuses, null, 2)}\n`);
  }
}

async function runOne(op: ClusterOperation, source: ObjectSource, operator: OperatorOptions, opts: RunOptions, io: CliIO, statuses: Record<string, unknown>): Promise<number> {
  const name = op.metadata.name ?? '?';
  let logFile = '';
  const outcome = await runOperation(
    op,
    {
      source,
      builtinDir: opts.builtinDir,
      operator,
      executorFor: async (plan) => {
        const logDir = join(opts.logDir ?? defaultLogDir(), plan.cluster);
        await mkdir(logDir, { recursive: true });
        logFile = join(logDir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
        return new LocalExecutor({
          builtinDir: opts.builtinDir,
          logFile,
          logger: io.logger.child({ cluster: plan.cluster, operation: name }),
          // The same operator choice that admitted loopback hosts lets the sandbox share this network.
          sandbox: { allowLoopbackHosts: operator.allowLoopbackHosts ?? false },
        });
      },
    },
    {
      onPlanned: (plan) => {
        const redact = createRedactor(plan.secrets);
        for (const w of plan.warnings) io.err(`warning: ${redact(w)}\n`);
        io.out(`Running ${name} on cluster ${plan.cluster}: ${plan.steps.length} step(s), hosts ${plan.targetHosts.join(', ')}\n`);
      },
      sink: progressPrinter({ write: io.out, verbose: opts.verbose, colour: io.colour ?? false }),
      signal: io.signal,
    },
  );
  if (outcome.kind === 'rejected') {
    statuses[`ClusterOperation/${name}`] = outcome.status;
    io.err(renderRejection(`ClusterOperation ${name} rejected, nothing was run`, outcome.error));
    return 2;
  }
  const { plan } = outcome;
  // Ctrl-C stopped it: Cancelled, as a cancel request through the controller would end it.
  const interrupted = io.signal.aborted && !outcome.result.cancelled;
  const result = interrupted ? { ...outcome.result, cancelled: `cancelled: ${String((io.signal.reason as Error | undefined)?.message ?? 'interrupted')}` } : outcome.result;
  const after = interrupted ? summariseFinished(op, plan, result, outcome.ref, outcome.cluster?.status) : outcome.statuses;
  statuses[`ClusterOperation/${name}`] = after.operation;
  statuses[`Cluster/${plan.cluster}`] = after.cluster;
  io.out(renderSummary({ ...result, logFile: result.logFile ?? logFile }));
  if (opts.kubeconfigOut && result.kubeconfig !== undefined) {
    await writeFile(opts.kubeconfigOut, result.kubeconfig, { mode: 0o600 });
    await chmod(opts.kubeconfigOut, 0o600);
    io.out(`Admin kubeconfig of ${plan.cluster} written to ${opts.kubeconfigOut}\n`);
  }
  io.out(`Cluster ${plan.cluster}: ${after.cluster.phase ? `phase ${after.cluster.phase}, ` : ''}` +
    `${after.cluster.controlPlaneCount} control-plane, ${after.cluster.workerCount} worker(s)\n`);
  return result.status === 'Succeeded' && !result.cancelled ? 0 : 1;
}
