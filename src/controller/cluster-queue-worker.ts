import { Queue, Worker, type Job } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { backoffDelay, type BackoffOptions } from '../util/backoff.js';
import { dispatchTurn, RETRY_BACKOFF } from './cluster-queue.js';
import type { OperationRef } from './operation-ref.js';
import { TurnStore } from './turn-store.js';
import { clipText, errorMessage } from '../util/slipway-error.js';

/**
 * The work itself. An outcome (Succeeded or Failed alike) finishes the operation and passes the
 * turn on; a thrown error means "could not tell" and is retried with backoff, as a resume.
 */
export interface OperationHandlers<O> {
  /** Called at most once per operation, after it is durably marked started. */
  run(ref: OperationRef, signal: AbortSignal): Promise<O>;
  /** Called instead of run for an operation that started before: its worker died, or its handler threw. */
  onResume(ref: OperationRef, signal: AbortSignal): Promise<O>;
}

export interface ClusterQueueWorkerOptions<O> {
  connection: RedisOptions;
  queueName: string;
  keyPrefix?: string;
  handlers: OperationHandlers<O>;
  /** Errors BullMQ reports outside any job (lost connection, failed lock renewal); it recovers by itself. */
  onError: (err: Error) => void;
  /** A turn's handler threw: it is resumed after a backoff. */
  onTurnFailed?: (ref: OperationRef, err: Error, attempt: number) => void;
  /** Operations (of different clusters) this process works on at once (default 4). */
  concurrency?: number;
  /** How long a dead worker's turn stays locked before another worker resumes it (default 30 s). */
  lockDurationMs?: number;
  /**
   * How often this worker looks for dead workers' jobs (default 15 s). Effectively queue-wide: a
   * check blocks every worker's next check for the checker's interval, so give all workers one value.
   */
  stalledIntervalMs?: number;
  /** How long a finished operation's outcome stays readable (default one day). */
  keepFinishedSeconds?: number;
  retryBackoff?: BackoffOptions;
}

/**
 * Works the turns ClusterQueue grants, in this process or in `slipway worker` processes alike.
 * While Redis is away its commands wait for it (they are not failed), so an operation finishing
 * during a Redis restart still records its outcome and passes the turn on once Redis is back.
 */
export class ClusterQueueWorker<O> {
  private constructor(
    private readonly worker: Worker<OperationRef, O | undefined>,
    private readonly store: TurnStore,
    private readonly jobs: Queue<OperationRef>,
  ) {}

  static async start<O>(opts: ClusterQueueWorkerOptions<O>): Promise<ClusterQueueWorker<O>> {
    const connection = { ...opts.connection, maxRetriesPerRequest: null };
    const store = new TurnStore(connection, opts.queueName, { failFast: false, keyPrefix: opts.keyPrefix });
    const jobs = new Queue<OperationRef>(opts.queueName, { connection });
    jobs.on('error', opts.onError);
    await store.connect();
    const keepSeconds = opts.keepFinishedSeconds ?? 86_400;
    const retry = opts.retryBackoff ?? { initialMs: 1000, maxMs: 60_000 };

    const processJob = async (job: Job<OperationRef>, _token?: string, signal?: AbortSignal): Promise<O | undefined> => {
      const ref = job.data;
      const abort = signal ?? new AbortController().signal;
      const decision = await store.start(ref, new Date());
      // A stale job: the operation was forgotten, or is not (yet) the turn holder; it gets a new job when granted.
      if (decision === 'unknown' || decision === 'not-holder') return undefined;
      let outcome: O | undefined;
      // 'done': a worker died between finishing and handing over; only the handover is left.
      if (decision !== 'done') {
        try {
          outcome = decision === 'run' ? await opts.handlers.run(ref, abort) : await opts.handlers.onResume(ref, abort);
        } catch (err) {
          // BullMQ keeps the failed attempt's message and stack in Redis: bounded, whatever was thrown.
          throw boundedError(err);
        }
        await store.finish(ref, outcome, new Date(), keepSeconds);
      }
      await dispatchTurn(store, jobs, ref.cluster);
      return outcome;
    };

    const worker = new Worker<OperationRef, O | undefined>(opts.queueName, processJob, {
      connection,
      concurrency: opts.concurrency ?? 4,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 15_000,
      // A stalled turn is always recovered (and resumed); failing it would stop its cluster's line.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string) => (type === RETRY_BACKOFF ? backoffDelay(attemptsMade - 1, retry) : 0),
      },
    });
    worker.on('error', opts.onError);
    worker.on('failed', (job, err) => {
      if (job) opts.onTurnFailed?.(job.data, err, job.attemptsMade);
    });
    await worker.waitUntilReady();
    return new ClusterQueueWorker(worker, store, jobs);
  }

  /**
   * Stops taking turns. By default waits for the operations under way; `abandon` aborts their
   * signals instead and leaves them to another worker, which resumes them once their lock expires.
   */
  async close(opts: { abandon?: boolean } = {}): Promise<void> {
    if (opts.abandon) this.worker.cancelAllJobs('worker shutting down');
    await this.worker.close(opts.abandon === true);
    await Promise.allSettled([this.store.close(), this.jobs.close()]);
  }
}

const MAX_FAILED_STACK = 4096;

function boundedError(err: unknown): Error {
  const bounded = new Error(errorMessage(err));
  bounded.name = err instanceof Error ? err.name : 'Error';
  bounded.stack = clipText(err instanceof Error && err.stack ? err.stack : bounded.message, MAX_FAILED_STACK);
  return bounded;
}
