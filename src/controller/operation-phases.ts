/**
 * The controller's phases for one ClusterOperation, over a typed scope. Queueing:
 * `reconcileQueued` (hasModified, enqueue, Waiting). The turn: `runTurn` = the use case
 * (resolve → plan → dispatch → observe → summarise) with the controller's executor, writing each
 * computed status once; `resumeTurn` = follow the run a previous turn dispatched.
 */
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { clip } from '../api/input-error.js';
import type { ObjectSource } from '../api/object-source.js';
import { API_VERSION, CLUSTER_KIND, CLUSTER_OPERATION_KIND, CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation, type ClusterOperationStatus, type ClusterStatus, type ObjectRef } from '../api/types.js';
import type { Plan } from '../engine/plan-types.js';
import type { OperatorOptions } from '../engine/prepare-plan.js';
import type { JobExecutor } from '../executors/job-executor.js';
import { ExecutionLostError, type Executor, type OperationResult } from '../executors/types.js';
import { runOperation, type OperationOutcome } from '../operations/run-operation.js';
import { summariseFinished, summariseRunning } from '../operations/summarise.js';
import { clusterStatusAfterLostRun, withKubeconfigSecretRef } from '../status/cluster-status.js';
import { finishedStatus, modifiedStatus, waitingStatus } from '../status/operation-status.js';
import { createRedactor } from '../util/redact.js';
import { isPermanent } from '../util/slipway-error.js';
import type { ClusterQueue, TurnStatus } from './cluster-queue.js';
import { isFinished, operationsToPrune } from './history.js';
import type { KubeEvents } from './kube-events.js';
import { KubeconfigSecretError, type KubeconfigStore } from './kubeconfig-secret.js';
import { ControllerMetrics } from './metrics.js';
import { operationRefOf, type OperationRef } from './operation-ref.js';
import type { StatusWriter } from './status-writer.js';

export interface ControllerScope {
  /** The operations' inputs; its Clusters may come from the informer's cache. */
  source: ObjectSource;
  builtinDir: string;
  operator: OperatorOptions;
  executor: Executor;
  /** Set when operations run as Jobs. */
  jobs?: JobExecutor;
  status: StatusWriter;
  events: KubeEvents;
  /** Where an install's admin kubeconfig goes (the controller's namespace). */
  kubeconfigs: KubeconfigStore;
  custom: CustomObjectsApi;
  historyLimit: number;
  logger: Logger;
  /** The ClusterOperations the informer holds. */
  operations: () => readonly ClusterOperation[];
  /** The Waiting message written per operation uid (the informer's copy may not show it yet). */
  waitingShown: Map<string, string>;
  metrics?: ControllerMetrics;
}

/** What a turn hands back to the queue (and keeps in Redis for a day). */
export interface TurnOutcome {
  status: 'Succeeded' | 'Failed' | 'Gone';
}

const opTarget = (op: ClusterOperation) => ({ apiVersion: API_VERSION, kind: CLUSTER_OPERATION_KIND, name: op.metadata.name ?? '', uid: op.metadata.uid });
const clusterTarget = (name: string, uid?: string) => ({ apiVersion: API_VERSION, kind: CLUSTER_KIND, name, ...(uid ? { uid } : {}) });

/**
 * Queue phase: record a spec change after start, queue what is unfinished, say what it waits for.
 * false when there was nothing to do (being deleted).
 */
export async function reconcileQueued(scope: ControllerScope, queue: ClusterQueue, op: ClusterOperation): Promise<boolean> {
  if (op.metadata.deletionTimestamp) return false;
  const modified = modifiedStatus(op);
  if (modified) {
    await scope.status.operation(op.metadata.name!, op.metadata.uid, modified);
    await scope.events.record(opTarget(op), 'Warning', 'SpecModified', 'the spec changed after the operation started; the change is not run');
  }
  if (isFinished(op)) return true;
  const [turn] = await queue.enqueue(operationRefOf(op));
  if (turn) await showWaiting(scope, op, turn);
  return true;
}

/** An operation queued before whose cluster's turn changed hands: shows Waiting if it does not yet. */
export async function reconcileWaiting(scope: ControllerScope, queue: ClusterQueue, op: ClusterOperation): Promise<void> {
  if (op.metadata.deletionTimestamp || isFinished(op) || shownWaiting(scope, op)) return;
  await showWaiting(scope, op, await queue.status(operationRefOf(op)));
}

const shownWaiting = (scope: ControllerScope, op: ClusterOperation): boolean => scope.waitingShown.has(op.metadata.uid ?? '') || op.status?.status === 'Waiting';

/**
 * Waiting, written once with an Event: never rewritten as the turn passes from one operation to
 * the next (N queued operations would cost N² writes); the line's order is creation time, then name.
 */
async function showWaiting(scope: ControllerScope, op: ClusterOperation, turn: TurnStatus): Promise<void> {
  if (turn.state !== 'waiting' || shownWaiting(scope, op)) return;
  const waiting = waitingStatus(op);
  await scope.status.operation(op.metadata.name!, op.metadata.uid, waiting);
  scope.waitingShown.set(op.metadata.uid ?? '', waiting.message!);
  await scope.events.record(opTarget(op), 'Normal', 'Waiting', waiting.message!);
}

async function currentOperation(scope: ControllerScope, ref: OperationRef): Promise<ClusterOperation | undefined> {
  try {
    const op = (await scope.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: ref.name })) as ClusterOperation;
    return op.metadata.uid === ref.uid ? op : undefined;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

/** The worker's `run`: the use case, once. */
export async function runTurn(scope: ControllerScope, ref: OperationRef, signal: AbortSignal): Promise<TurnOutcome> {
  const op = await currentOperation(scope, ref);
  if (!op) return { status: 'Gone' };
  scope.waitingShown.delete(ref.uid);
  if (isFinished(op)) return { status: op.status!.status as 'Succeeded' | 'Failed' };
  return checkedDrive(scope, ref, op, signal);
}

/**
 * The worker's `onResume`: the turn started before (a worker died, or its handler threw). A Job
 * named after the operation is found again by the dispatch, never created twice; a Job that
 * status.jobRef names and that is gone, or a local run of a process that is gone, fails.
 */
export async function resumeTurn(scope: ControllerScope, ref: OperationRef, signal: AbortSignal): Promise<TurnOutcome> {
  const op = await currentOperation(scope, ref);
  if (!op) return { status: 'Gone' };
  if (isFinished(op)) return { status: op.status!.status as 'Succeeded' | 'Failed' };
  const ranBefore = op.status?.status === 'Running';
  const lost = scope.jobs
    ? ranBefore && op.status?.jobRef !== undefined && !scope.jobs.jobOf(op) && !(await jobExists(scope, op))
    : ranBefore;
  if (lost) {
    const message = scope.jobs ? `its Job ${op.status!.jobRef!.namespace}/${op.status!.jobRef!.name} is gone` : 'the controller restarted while it ran locally; it is not run again';
    return fail(scope, op, message);
  }
  return checkedDrive(scope, ref, op, signal);
}

/**
 * Drives an operation that still names the cluster whose turn it holds. One whose spec.cluster
 * changed while it waited (stored before the CRD made the field immutable) fails without running
 * anything, and the turn passes on.
 */
async function checkedDrive(scope: ControllerScope, ref: OperationRef, op: ClusterOperation, signal: AbortSignal): Promise<TurnOutcome> {
  if (op.spec.cluster !== ref.cluster) {
    return fail(scope, op, `spec.cluster changed from ${JSON.stringify(ref.cluster)} to ${clip(op.spec.cluster ?? '')} while it waited for that cluster's turn; it is not run (create a new operation instead)`);
  }
  return drive(scope, op, signal);
}

async function jobExists(scope: ControllerScope, op: ClusterOperation): Promise<boolean> {
  const ref = op.status!.jobRef!;
  try {
    await scope.jobs!.readJob(ref.name);
    return true;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return false;
    throw err;
  }
}

async function drive(scope: ControllerScope, op: ClusterOperation, signal: AbortSignal): Promise<TurnOutcome> {
  const name = op.metadata.name!;
  const log = scope.logger.child({ cluster: op.spec.cluster, operation: name });
  let outcome: OperationOutcome;
  try {
    outcome = await runOperation(
      op,
      { source: scope.source, builtinDir: scope.builtinDir, operator: scope.operator, executorFor: () => scope.executor },
      {
        signal,
        sink: (e) => void (e.type === 'step-end' && log.info({ step: e.result.name, status: e.result.status }, 'step ended')),
        onDispatched: async (ref, running, plan, cluster) => {
          // The first dispatch only: a resumed run found its Job again, it did not create it.
          const sinceCreated = op.status?.status === 'Running' ? undefined : ControllerMetrics.secondsSince(op.metadata.creationTimestamp);
          if (sinceCreated !== undefined) scope.metrics?.dispatchLatency.observe(sinceCreated);
          // A resumed run keeps the time it first started.
          const operation = op.status?.status === 'Running' && op.status.startTime ? { ...running.operation, startTime: op.status.startTime } : running.operation;
          const startTime = running.operation.startTime ?? new Date().toISOString();
          await scope.status.pair(op, operation, cluster, (previous) => summariseRunning(op, plan, ref, startTime, previous).cluster);
          if (op.status?.status !== 'Running') {
            await Promise.all([
              scope.events.record(opTarget(op), 'Normal', 'Started', redactFor(plan, `${plan.action}: ${operation.message ?? 'running'}`)),
              running.cluster.phase && scope.events.record(clusterTarget(op.spec.cluster), 'Normal', 'OperationStarted', `${name} (${plan.action}); phase ${running.cluster.phase}`),
            ]);
          }
        },
      },
    );
  } catch (err) {
    if (err instanceof ExecutionLostError) return fail(scope, op, err.message);
    if (isPermanent(err)) return fail(scope, op, `cannot run it as a Job: ${err.message}`);
    throw err;
  }
  if (outcome.kind === 'rejected') {
    await scope.status.operation(name, op.metadata.uid, outcome.status);
    await scope.events.record(opTarget(op), 'Warning', 'Rejected', outcome.status.message ?? 'rejected');
    await prune(scope, op.spec.cluster);
    return { status: 'Failed' };
  }
  const { result, plan, ref, statuses } = outcome;
  const kubeconfigRef = await storeKubeconfig(scope, op, plan, result, outcome.cluster);
  const clusterStatus = await scope.status.pair(op, statuses.operation, outcome.cluster, (previous) => {
    const cluster = summariseFinished(op, plan, result, ref, previous).cluster;
    return kubeconfigRef ? withKubeconfigSecretRef(cluster, kubeconfigRef) : cluster;
  });
  const sinceEnd = ControllerMetrics.secondsSince(result.endTime);
  if (sinceEnd !== undefined) scope.metrics?.statusUpdateLatency.observe(sinceEnd);
  await recordEnd(scope, op, plan, result, { operation: statuses.operation, ...(clusterStatus ? { cluster: clusterStatus } : {}) });
  await prune(scope, op.spec.cluster);
  return { status: result.status };
}

/**
 * Stores the kubeconfig an install fetched in the Cluster's Secret — or, in Job mode, finds that
 * the operation's pod stored it there; the Cluster's status is to refer to the Secret returned. A
 * Secret of that name that is not the Cluster's is left alone: a Warning Event says so and the
 * operation's own outcome stands.
 */
async function storeKubeconfig(scope: ControllerScope, op: ClusterOperation, plan: Plan, result: OperationResult, cluster: Cluster | undefined): Promise<ObjectRef | undefined> {
  if (result.status !== 'Succeeded') return undefined;
  const kubeconfig = result.kubeconfig;
  const fromPod = kubeconfig === undefined && scope.jobs !== undefined && plan.kubeconfigArtifact !== undefined;
  if (kubeconfig === undefined && !fromPod) return undefined;
  if (!cluster?.metadata.uid) return undefined;
  try {
    return kubeconfig !== undefined ? await scope.kubeconfigs.store(cluster, kubeconfig) : await scope.kubeconfigs.storedBy(cluster, op.metadata.uid ?? '');
  } catch (err) {
    if (!(err instanceof KubeconfigSecretError)) throw err;
    await scope.events.record(clusterTarget(op.spec.cluster, cluster.metadata.uid), 'Warning', 'KubeconfigNotStored', err.message);
    return undefined;
  }
}

function redactFor(plan: Plan, text: string): string {
  return createRedactor(plan.secrets)(text);
}

async function recordEnd(scope: ControllerScope, op: ClusterOperation, plan: Plan, result: OperationResult, statuses: { operation: ClusterOperationStatus; cluster?: ClusterStatus }): Promise<void> {
  const ok = result.status === 'Succeeded';
  await Promise.all([
    scope.events.record(opTarget(op), ok ? 'Normal' : 'Warning', result.status, redactFor(plan, statuses.operation.message ?? result.status)),
    scope.events.record(
      clusterTarget(op.spec.cluster),
      ok ? 'Normal' : 'Warning',
      ok ? 'OperationSucceeded' : 'OperationFailed',
      redactFor(plan, `${op.metadata.name} (${plan.action}) ${result.status}${statuses.cluster?.phase ? `; phase ${statuses.cluster.phase}` : ''}`),
    ),
  ]);
}

/**
 * Fails the operation without a plan (its run is lost or cannot be built). A Cluster that shows it
 * running is written first, so it does not stay in the operation's phase (Upgrading…) for good.
 */
async function fail(scope: ControllerScope, op: ClusterOperation, message: string): Promise<TurnOutcome> {
  const now = new Date().toISOString();
  const { startTime, ...unstarted } = finishedStatus(op, { status: 'Failed', startTime: op.status?.startTime ?? now, endTime: now, steps: [], failed: { step: 'job', hosts: [], message } }, undefined, op.status?.jobRef);
  // Without a startTime it never ran: history pruning counts it apart from the operations that ran.
  const status: ClusterOperationStatus = op.status?.startTime ? { ...unstarted, startTime } : unstarted;
  const cluster = await scope.source.getCluster(op.spec.cluster);
  const clusterStatus = await scope.status.pair(op, status, cluster, (previous) => clusterStatusAfterLostRun(previous, op, now));
  await scope.events.record(opTarget(op), 'Warning', 'Failed', message);
  if (clusterStatus) {
    await scope.events.record(clusterTarget(op.spec.cluster, cluster?.metadata.uid), 'Warning', 'OperationFailed', `${op.metadata.name} (${op.spec.action}) Failed; phase ${clusterStatus.phase}`);
  }
  await prune(scope, op.spec.cluster);
  return { status: 'Failed' };
}

/** Deletes the finished operations of `cluster` beyond the newest `historyLimit` (their Jobs and plan objects go with them). */
async function prune(scope: ControllerScope, cluster: string): Promise<void> {
  for (const old of operationsToPrune(scope.operations(), cluster, scope.historyLimit)) {
    try {
      await scope.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: old.metadata.name!, body: { preconditions: { uid: old.metadata.uid } } });
      scope.logger.info({ cluster, operation: old.metadata.name }, 'pruned a finished operation');
    } catch (err) {
      if (!(err instanceof ApiException && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}
