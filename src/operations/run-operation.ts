import { InputError } from '../api/input-error.js';
import type { ObjectSource } from '../api/object-source.js';
import type { Cluster, ClusterOperation, ClusterOperationStatus } from '../api/types.js';
import type { Plan } from '../engine/plan-types.js';
import type { OperatorOptions } from '../engine/prepare-plan.js';
import type { EventSink, ExecutionRef, Executor, OperationResult } from '../executors/types.js';
import { rejectedStatus } from '../status/operation-status.js';
import { planOperation } from './plan-operation.js';
import { summariseFinished, summariseRunning, type StatusPair } from './summarise.js';

/*
 * The one use case both drivers call: resolve → plan → dispatch → observe → summarise.
 * The CLI prints what it reports; the controller writes it to the API. Neither computes status.
 */

export interface OperationDeps {
  source: ObjectSource;
  builtinDir: string;
  operator: OperatorOptions;
  /** The executor for this plan (the CLI's keeps a log file named after the plan's cluster). */
  executorFor: (plan: Plan) => Executor | Promise<Executor>;
  now?: () => Date;
}

export interface OperationHooks {
  /** Planned, nothing run yet. */
  onPlanned?: (plan: Plan) => void | Promise<void>;
  /** Dispatched: the statuses to show while it runs, and the Cluster the Cluster's was computed from. */
  onDispatched?: (ref: ExecutionRef, running: StatusPair, plan: Plan, cluster: Cluster) => void | Promise<void>;
  sink?: EventSink;
  signal?: AbortSignal;
}

export type OperationOutcome =
  | { kind: 'rejected'; error: InputError; status: ClusterOperationStatus }
  | {
      kind: 'finished';
      plan: Plan;
      ref: ExecutionRef;
      result: OperationResult;
      statuses: StatusPair;
      /** The Cluster as read when the statuses were computed (undefined: deleted meanwhile). */
      cluster: Cluster | undefined;
    };

/** Runs one operation to its end. InputError becomes a 'rejected' outcome; every other error propagates. */
export async function runOperation(op: ClusterOperation, deps: OperationDeps, hooks: OperationHooks = {}): Promise<OperationOutcome> {
  const now = deps.now ?? (() => new Date());
  let plan: Plan;
  try {
    plan = await planOperation(op, deps.source, deps.builtinDir, deps.operator);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { kind: 'rejected', error: err, status: rejectedStatus(op, err, now()) };
  }
  // Planning is synchronous: a signal that arrived meanwhile is seen here, before anything runs.
  await new Promise((resolve) => setImmediate(resolve));
  hooks.signal?.throwIfAborted();
  await hooks.onPlanned?.(plan);
  const cluster = await clusterOf(op, deps.source);
  const executor = await deps.executorFor(plan);
  const startTime = now().toISOString();
  const ref = await executor.dispatch(plan, { operation: op, cluster }, hooks.signal);
  await hooks.onDispatched?.(ref, summariseRunning(op, plan, ref, startTime, cluster.status), plan, cluster);
  return observeOperation(op, plan, ref, executor, deps.source, hooks);
}

/** Follows a dispatched run (e.g. after a restart) to its end and summarises it. */
export async function observeOperation(op: ClusterOperation, plan: Plan, ref: ExecutionRef, executor: Executor, source: ObjectSource, hooks: OperationHooks = {}): Promise<OperationOutcome & { kind: 'finished' }> {
  const result = await executor.observe(ref, hooks.sink ?? (() => undefined), hooks.signal);
  // The Cluster's status as it is now: another writer may have changed it while this ran.
  const cluster = await source.getCluster(op.spec.cluster);
  return { kind: 'finished', plan, ref, result, statuses: summariseFinished(op, plan, result, ref, cluster?.status), cluster };
}

async function clusterOf(op: ClusterOperation, source: ObjectSource): Promise<Cluster> {
  const cluster = await source.getCluster(op.spec.cluster);
  // Planning read it a moment ago; gone now means it was deleted meanwhile.
  if (!cluster) throw new InputError([{ severity: 'error', code: 'missing-cluster', object: `Cluster ${op.spec.cluster}`, message: 'not found' }]);
  return cluster;
}
