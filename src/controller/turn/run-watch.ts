/**
 * What follows a dispatched run's events: its progress in the status, its kept log, an Event per
 * step and a log line per step. Made once the Running status is written, so progress patches
 * have a status to land in.
 */
import type { Plan } from '../../engine/plan-types.js';
import { ownerReferenceTo } from '../../executors/job-builder.js';
import type { ExecutionEvent } from '../../executors/types.js';
import { logLineOf } from '../../oplog/log-line-of.js';
import { OperationLogWriter } from '../../oplog/operation-log-writer.js';
import { ProgressWriter } from '../progress-writer.js';
import type { OperationTurn } from './operation-turn.js';
import { StepEvents } from './step-events.js';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class RunWatch {
  private readonly progress: ProgressWriter;
  private readonly kept: OperationLogWriter | undefined;
  private readonly steps: StepEvents;

  constructor(
    private readonly turn: OperationTurn,
    plan: Plan,
  ) {
    const { scope, op, log } = turn;
    this.progress = new ProgressWriter(
      (p) => scope.status.progress(op.metadata.name!, op.metadata.uid, p),
      plan.targetHosts.length,
      (err) => log.warn({ err: messageOf(err) }, 'progress not written'),
    );
    this.kept = scope.logs ? new OperationLogWriter({ ...scope.logs, owner: ownerReferenceTo(op) }, (err) => log.warn({ err: messageOf(err) }, 'log not kept')) : undefined;
    this.steps = new StepEvents(scope.events, op, plan);
  }

  readonly sink = (e: ExecutionEvent): void => {
    this.progress.sink(e);
    const line = logLineOf(e);
    if (line !== undefined) this.kept?.append(line);
    this.steps.sink(e);
    if (e.type === 'step-end') this.turn.log.info({ step: e.result.name, status: e.result.status }, 'step ended');
  };

  /** Waits for what is being written; nothing more is written after. */
  async close(): Promise<void> {
    await Promise.all([this.progress.close(), this.kept?.close(), this.steps.settled()]);
  }
}
