import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../api/input-error.js';
import { renderRejection } from './print-rejection.js';
import type { ObjectSource } from '../api/object-source.js';
import type { ClusterOperation } from '../api/types.js';
import { LocalExecutor } from '../executors/local-executor.js';
import type { OperatorOptions } from '../engine/prepare-plan.js';
import { clusterStatusFor } from '../status/cluster-status.js';
import { finishedStatus, rejectedStatus } from '../status/operation-status.js';
import { redactDeep, createRedactor } from '../util/redact.js';
import type { Logger } from '../util/logger.js';
import { planFor } from './operation-inputs.js';
import { forEachOperation, type SessionOptions } from './operation-session.js';
import { progressPrinter, renderSummary } from './progress-printer.js';

export interface RunOptions extends Omit<SessionOptions, 'stopOnFailure'> {
  builtinDir: string;
  logDir?: string;
  statusOut?: string;
  verbose: boolean;
}

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  logger: Logger;
  signal: AbortSignal;
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
  let plan;
  try {
    plan = await planFor(op, source, opts.builtinDir, operator);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    statuses[name] = rejectedStatus(op, err, new Date());
    io.err(renderRejection(`ClusterOperation ${name} rejected, nothing was run`, err));
    return 2;
  }
  // Planning is synchronous: a signal that arrived meanwhile is seen here, before anything runs.
  await new Promise((resolve) => setImmediate(resolve));
  io.signal.throwIfAborted();
  const redact = createRedactor(plan.secrets);
  for (const w of plan.warnings) io.err(`warning: ${redact(w)}\n`);
  const logDir = join(opts.logDir ?? defaultLogDir(), plan.cluster);
  await mkdir(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  io.out(`Running ${name} on cluster ${plan.cluster}: ${plan.steps.length} step(s), hosts ${plan.targetHosts.join(', ')}\n`);
  const executor = new LocalExecutor({
    builtinDir: opts.builtinDir,
    logFile,
    logger: io.logger.child({ cluster: plan.cluster, operation: name }),
    // The same operator choice that admitted loopback hosts lets the sandbox share this network.
    sandbox: { allowLoopbackHosts: operator.allowLoopbackHosts ?? false },
  });
  const result = await executor.run(plan, progressPrinter({ write: io.out, verbose: opts.verbose }), io.signal);
  statuses[name] = redactDeep(finishedStatus(op, result, plan), redact);
  const cluster = await source.getCluster(op.spec.cluster);
  const clusterStatus = redactDeep(clusterStatusFor({
    previous: cluster?.status,
    operation: op,
    cluster: plan.clusterFacts,
    outcome: { succeeded: result.status === 'Succeeded', startTime: result.startTime, endTime: result.endTime },
  }), redact);
  statuses[`Cluster/${plan.cluster}`] = clusterStatus;
  io.out(renderSummary({ ...result, logFile: result.logFile ?? logFile }));
  io.out(`Cluster ${plan.cluster}: ${clusterStatus.phase ? `phase ${clusterStatus.phase}, ` : ''}` +
    `${clusterStatus.controlPlaneCount} control-plane, ${clusterStatus.workerCount} worker(s)\n`);
  return result.status === 'Succeeded' ? 0 : 1;
}
