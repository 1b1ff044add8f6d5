import { Queue, type JobsOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { OperationRef } from './operation-ref.js';
import { QueueUnavailableError, TurnStore } from './turn-store.js';

/*
 * Per-cluster turn-taking. Each cluster has a line in Redis (a sorted set ordered by creation
 * time, then name) and at most one turn holder; Lua scripts change them atomically, so any
 * number of controllers and workers agree on whose turn it is. Only the turn holder has a BullMQ
 * job (id = the operation's uid, so re-adding it never duplicates it); waiting operations are
 * not in BullMQ at all, so no worker ever picks one up early. The worker finishing an operation
 * frees the turn, grants it to the next in line and adds that one's job before its own job
 * completes: if it dies in between, BullMQ's stalled-job recovery hands its job to another worker,
 * which finds the operation done and completes the handover. See cluster-queue-worker.ts.
 */

export type TurnStatus =
  /** Behind `blocker` (the turn holder) in its cluster's line. */
  | { state: 'waiting'; blocker: { uid: string; name: string } | undefined }
  /** Its turn; a worker will pick it up. */
  | { state: 'granted' }
  | { state: 'running' }
  | { state: 'done'; outcome: unknown }
  /** Never queued, or forgotten. */
  | { state: 'unknown' };

export interface ClusterQueueOptions {
  /** ioredis options: host, port, password, tls… */
  connection: RedisOptions;
  queueName: string;
  /** Prefix of Slipway's own keys (BullMQ keeps its `bull:` prefix). */
  keyPrefix?: string;
}

export const OPERATION_JOB = 'operation';
/** The worker's backoff strategy for an operation whose handler threw (see cluster-queue-worker.ts). */
export const RETRY_BACKOFF = 'slipway-capped';

export const OPERATION_JOB_OPTIONS: Omit<JobsOptions, 'jobId'> = {
  // A thrown handler is retried (as a resume) until it returns an outcome: an operation's job never fails for good.
  attempts: Number.MAX_SAFE_INTEGER,
  backoff: { type: RETRY_BACKOFF },
  // Each retry would otherwise add its stack trace to the job's record in Redis, without end.
  stackTraceLimit: 1,
  // Removed at once so that a uid forgotten and queued again can get a job again.
  removeOnComplete: true,
};

export class OperationStartedError extends Error {
  constructor(readonly operation: string) {
    super(`operation ${operation} has started; it cannot be dropped from the queue before it finishes`);
    this.name = 'OperationStartedError';
  }
}

/** Grants `cluster`'s turn if free and makes sure the holder has its job; idempotent. */
export async function dispatchTurn(store: TurnStore, jobs: Queue<OperationRef>, cluster: string): Promise<void> {
  const holder = await store.grant(cluster);
  if (!holder) return;
  const ref: OperationRef = { uid: holder.uid, name: holder.name, cluster, creationTimestamp: holder.creationTimestamp };
  try {
    await jobs.add(OPERATION_JOB, ref, { ...OPERATION_JOB_OPTIONS, jobId: holder.uid });
  } catch (err) {
    throw new QueueUnavailableError(`dispatch ${holder.name}`, err);
  }
}

export function turnStatus(record: Awaited<ReturnType<TurnStore['describe']>>): TurnStatus {
  switch (record.state) {
    case undefined:
      return { state: 'unknown' };
    case 'waiting':
      return { state: 'waiting', blocker: record.holder };
    case 'granted':
      return { state: 'granted' };
    case 'started':
      return { state: 'running' };
    case 'done':
      return { state: 'done', outcome: record.outcome === undefined ? undefined : JSON.parse(record.outcome) };
  }
}

/**
 * The controller's side: queues operations and reports their turn. Every call fails at once with
 * {@link QueueUnavailableError} while Redis is unreachable, so a reconcile can back off and retry.
 */
export class ClusterQueue {
  private constructor(
    private readonly store: TurnStore,
    private readonly jobs: Queue<OperationRef>,
  ) {}

  static async open(opts: ClusterQueueOptions): Promise<ClusterQueue> {
    const store = new TurnStore(opts.connection, opts.queueName, { failFast: true, keyPrefix: opts.keyPrefix });
    const jobs = new Queue<OperationRef>(opts.queueName, { connection: { ...opts.connection, enableOfflineQueue: false } });
    // Connection trouble also fails the calls under way; those carry it to the caller.
    jobs.on('error', () => undefined);
    try {
      await store.connect();
      await jobs.waitUntilReady();
    } catch (err) {
      await Promise.allSettled([store.close(), jobs.close()]);
      throw err instanceof QueueUnavailableError ? err : new QueueUnavailableError('open the queue', err);
    }
    return new ClusterQueue(store, jobs);
  }

  /**
   * Queues operations (each uid once, however often it is queued) and returns their turn status,
   * in the order given. Queue together the operations known at once (e.g. after the first list):
   * the turn goes to the head of the line when it is free, so an operation queued alone on an
   * idle cluster starts even if an older one is queued a moment later.
   */
  async enqueue(refs: OperationRef | readonly OperationRef[]): Promise<TurnStatus[]> {
    const list = Array.isArray(refs) ? (refs as readonly OperationRef[]) : [refs as OperationRef];
    for (const ref of list) await this.store.add(ref);
    for (const cluster of new Set(list.map((r) => r.cluster))) await dispatchTurn(this.store, this.jobs, cluster);
    return Promise.all(list.map((ref) => this.status(ref)));
  }

  async status(ref: OperationRef): Promise<TurnStatus> {
    return turnStatus(await this.store.describe(ref));
  }

  /** Drops an operation that has not started (its object was deleted); the next in line gets the turn. */
  async forget(ref: OperationRef): Promise<void> {
    if ((await this.store.forget(ref)) === 'started') throw new OperationStartedError(ref.name);
    await dispatchTurn(this.store, this.jobs, ref.cluster);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.store.close(), this.jobs.close()]);
  }
}
