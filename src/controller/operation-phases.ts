/**
 * The controller's phases for one ClusterOperation, over a typed scope. Queueing:
 * `reconcileQueued` (hasModified, enqueue, Waiting). The turn: `runTurn` = the use case
 * (resolve → plan → dispatch → observe → summarise) with the controller's executor, writing each
 * computed status once; `resumeTurn` = follow the run a previous turn dispatched.
 */
import { ApiException, CustomObjectsApi, type CoreV1Api } from '@kubernetes/client-node';
import { InputError } from '../api/input-error.js';
import type { Logger } from 'pino';
import { clip } from '../api/input-error.js';
import type { ObjectSource } from '../api/object-source.js';
import { API_VERSION, CLUSTER_KIND, CLUSTER_OPERATION_KIND, CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation, type ClusterOperationStatus, type ClusterStatus, type ObjectRef } from '../api/types.js';
import { operationKind } from '../engine/kubespray-actions.js';
import type { Plan } from '../engine/plan-types.js';
import type { OperatorOptions } from '../engine/prepare-plan.js';
import type { JobExecutor } from '../executors/job-executor.js';
import { ExecutionLostError, type Executor, type OperationResult } from '../executors/types.js';
import { runOperation, type OperationOutcome } from '../operations/run-operation.js';
import { summariseFinished, summariseRunning } from '../operations/summarise.js';
import { clusterStatusAfterLostRun, withKubeconfigSecretRef } from '../status/cluster-status.js';
import { finishedStatus, modifiedStatus, rejectedStatus, waitingStatus } from '../status/operation-status.js';
import { createRedactor } from '../util/redact.js';
import { checkAdmitted, notAdmittedStatus, withCheckedCluster, type AdmissionGate } from './admission-check.js';
import { isPermanent } from '../util/slipway-error.js';
import type { ClusterQueue, TurnStatus } from './cluster-queue.js';
import { isFinished, operationsToPrune } from './history.js';
import type { KubeEvents } from './kube-events.js';
import { KubeconfigSecretError, type KubeconfigStore } from './kubeconfig-secret.js';
import { ControllerMetrics } from './metrics.js';
import { operationRefOf, type OperationRef } from './operation-ref.js';
import { ProgressWriter } from './progress-writer.js';
import { OperationLogWriter } from '../oplog/operation-log-writer.js';
import { logLineOf } from '../oplog/log-line-of.js';
import { ownerReferenceTo } from '../executors/job-builder.js';
import type { StatusWriter } from './status-writer.js';
import { ClusterDeletedError, DELETED_MESSAGE, ensureClusterFinalizer, type RunRegistry } from './cluster-deletion.js';
import { addRunFinalizer, cancelRequest, OperationCancelledError, removeRunFinalizer } from './operation-cancel.js';
import { clusterHostAddresses, type HostClaims } from './host-claims.js';

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
  /** Where each operation's log is kept (src/oplog/); unset: not kept. */
  logs?: { core: CoreV1Api; namespace: string };
  /** Look at the managed cluster soon (its operation ended). */
  observeCluster?: (cluster: string) => void;
  metrics?: ControllerMetrics;
  /** The turns running here, so that deleting their Cluster can stop them (cluster-deletion.ts). */
  runs?: RunRegistry;
  /** Set when an operation whose Cluster shares a host with another Cluster is refused (host-claims.ts). */
  hostClaims?: HostClaims;
  /** Stamps and refs checked when a turn starts; undefined with `--admission off`. */
  admission?: AdmissionGate;
}

/** What a turn hands back to the queue (and keeps in Redis for a day). */
export interface TurnOutcome {
  status: 'Succeeded' | 'Failed' | 'Cancelled' | 'Gone';
}

const opTarget = (op: ClusterOperation) => ({ apiVersion: API_VERSION, kind: CLUSTER_OPERATION_KIND, name: op.metadata.name ?? '', uid: op.metadata.uid });
export const clusterTarget = (name: string, uid?: string) => ({ apiVersion: API_VERSION, kind: CLUSTER_KIND, name, ...(uid ? { uid } : {}) });

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
  if (isFinished(op)) return { status: op.status!.status as 'Succeeded' | 'Failed' | 'Cancelled' };
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
  if (isFinished(op)) return { status: op.status!.status as 'Succeeded' | 'Failed' | 'Cancelled' };
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
  return admitAndDrive(scope, op, signal);
}

/** Checks its admission unless it was dispatched already (and so checked), then drives it with the Cluster it checked. */
async function admitAndDrive(scope: ControllerScope, op: ClusterOperation, signal: AbortSignal): Promise<TurnOutcome> {
  if (!scope.admission || op.status?.status === 'Running') return drive(scope, op, signal);
  const cluster = await scope.source.getCluster(op.spec.cluster);
  const admitted = await checkAdmitted(scope.admission, op, cluster);
  if ('problem' in admitted) return reject(scope, op, notAdmittedStatus(op, admitted.problem, new Date()), 'NotAdmitted');
  return drive(cluster ? { ...scope, source: withCheckedCluster(scope.source, cluster) } : scope, op, signal);
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

async function drive(scope: ControllerScope, op: ClusterOperation, workerSignal: AbortSignal): Promise<TurnOutcome> {
  const tracked = scope.runs?.track(op, workerSignal);
  try {
    return await driveTracked(scope, op, tracked?.signal ?? workerSignal);
  } finally {
    tracked?.end();
    // Its final status is written (or the turn failed and resumes later, adding it again).
    if (scope.runs) await removeRunFinalizer(scope.custom, op.metadata.name!, op.metadata.uid);
  }
}

/**
 * Before anything runs: the Cluster is not being deleted, shares no host with another Cluster
 * (InputError), and carries the finalizer, so that deleting it waits for this run to stop.
 */
async function guardCluster(scope: ControllerScope, op: ClusterOperation): Promise<void> {
  if (!scope.runs) return;
  if (scope.runs.isDeleting(op.spec.cluster)) throw new ClusterDeletedError(op.spec.cluster);
  const cluster = await scope.source.getCluster(op.spec.cluster);
  if (cluster?.metadata.deletionTimestamp) throw new ClusterDeletedError(op.spec.cluster);
  if (!cluster) return;
  scope.hostClaims?.claim(cluster, await clusterHostAddresses(scope.source, cluster));
  await ensureClusterFinalizer(scope.custom, cluster);
  await addRunFinalizer(scope.custom, op);
  const cancelled = cancelRequest(op) ?? scope.runs.cancelledReason(op.metadata.uid);
  if (cancelled) throw new OperationCancelledError(cancelled);
}

async function driveTracked(scope: ControllerScope, op: ClusterOperation, signal: AbortSignal): Promise<TurnOutcome> {
  const name = op.metadata.name!;
  const log = scope.logger.child({ cluster: op.spec.cluster, operation: name });
  let outcome: OperationOutcome;
  let progress: ProgressWriter | undefined;
  let kept: OperationLogWriter | undefined;
  try {
    outcome = await runOperation(
      op,
      { source: scope.source, builtinDir: scope.builtinDir, operator: scope.operator, executorFor: () => scope.executor },
      {
        signal,
        onPlanned: () => guardCluster(scope, op),
        sink: (e) => {
          progress?.sink(e);
          const line = logLineOf(e);
          if (line !== undefined) kept?.append(line);
          if (e.type === 'step-end') log.info({ step: e.result.name, status: e.result.status }, 'step ended');
        },
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
              running.cluster.phase && scope.events.record(clusterTarget(op.spec.cluster, cluster.metadata.uid), 'Normal', 'OperationStarted', `${name} (${plan.action}); phase ${running.cluster.phase}`),
            ]);
          }
          // From here on (the Running status is written) progress patches have a status to land in.
          progress = new ProgressWriter(
            (p) => scope.status.progress(name, op.metadata.uid, p),
            plan.targetHosts.length,
            (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'progress not written'),
          );
          if (scope.logs) {
            kept = new OperationLogWriter({ ...scope.logs, owner: ownerReferenceTo(op) }, (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'log not kept'));
          }
        },
      },
    );
  } catch (err) {
    if (err instanceof ClusterDeletedError) return fail(scope, op, err.message);
    const cancelled = err instanceof OperationCancelledError ? err.message : scope.runs?.cancelledReason(op.metadata.uid);
    if (cancelled) return fail(scope, op, cancelled, cancelled !== DELETED_MESSAGE);
    if (err instanceof ExecutionLostError) return fail(scope, op, err.message);
    if (err instanceof InputError) return reject(scope, op, rejectedStatus(op, err, new Date()));
    if (isPermanent(err)) return fail(scope, op, `cannot run it as a Job: ${err.message}`);
    throw err;
  } finally {
    await Promise.all([progress?.close(), kept?.close()]);
  }
  if (outcome.kind === 'rejected') return reject(scope, op, outcome.status);
  const cancelled = scope.runs?.cancelledReason(op.metadata.uid);
  if (cancelled === DELETED_MESSAGE) return fail(scope, op, cancelled);
  const { plan, ref } = outcome;
  // Stopped on request: the steps it ran are kept, the operation ends Cancelled.
  const result = cancelled ? { ...outcome.result, cancelled } : outcome.result;
  const statuses = cancelled ? summariseFinished(op, plan, result, ref, outcome.cluster?.status) : outcome.statuses;
  const kubeconfigRef = await storeKubeconfig(scope, op, result, outcome.cluster);
  const clusterStatus = await scope.status.pair(op, statuses.operation, outcome.cluster, (previous) => {
    const cluster = summariseFinished(op, plan, result, ref, previous).cluster;
    return kubeconfigRef ? withKubeconfigSecretRef(cluster, kubeconfigRef) : cluster;
  });
  const sinceEnd = ControllerMetrics.secondsSince(result.endTime);
  if (sinceEnd !== undefined) scope.metrics?.statusUpdateLatency.observe(sinceEnd);
  const ran = (Date.parse(result.endTime) - Date.parse(result.startTime)) / 1000;
  const ended = result.cancelled ? 'Cancelled' : result.status;
  scope.metrics?.operationEnded(operationKind(plan.action, plan.clusterFacts.limit), ended, Number.isFinite(ran) ? Math.max(0, ran) : undefined);
  await recordEnd(scope, op, plan, result, { operation: statuses.operation, ...(clusterStatus ? { cluster: clusterStatus } : {}) }, outcome.cluster?.metadata.uid);
  await scope.executor.release?.(op);
  await prune(scope, op.spec.cluster);
  scope.observeCluster?.(op.spec.cluster);
  return { status: ended };
}

/** Fails it before anything ran (rejected, or not admitted): its status and a Warning Event say why. */
async function reject(scope: ControllerScope, op: ClusterOperation, status: ClusterOperationStatus, reason = 'Rejected'): Promise<TurnOutcome> {
  scope.metrics?.operationEnded(operationKind(op.spec.action, undefined), 'Rejected');
  await scope.status.operation(op.metadata.name!, op.metadata.uid, status);
  await scope.events.record(opTarget(op), 'Warning', reason, status.message ?? reason);
  await prune(scope, op.spec.cluster);
  return { status: 'Failed' };
}

/**
 * Stores the kubeconfig an install fetched (either executor hands it back) in the Cluster's
 * Secret; the Cluster's status is to refer to the Secret returned. A Secret of that name that is
 * not the Cluster's is left alone: a Warning Event says so and the operation's own outcome stands.
 */
async function storeKubeconfig(scope: ControllerScope, op: ClusterOperation, result: OperationResult, cluster: Cluster | undefined): Promise<ObjectRef | undefined> {
  const kubeconfig = result.kubeconfig;
  if (result.status !== 'Succeeded' || kubeconfig === undefined || !cluster?.metadata.uid) return undefined;
  try {
    return await scope.kubeconfigs.store(cluster, kubeconfig);
  } catch (err) {
    if (!(err instanceof KubeconfigSecretError)) throw err;
    await scope.events.record(clusterTarget(op.spec.cluster, cluster.metadata.uid), 'Warning', 'KubeconfigNotStored', err.message);
    return undefined;
  }
}

function redactFor(plan: Plan, text: string): string {
  return createRedactor(plan.secrets)(text);
}

async function recordEnd(scope: ControllerScope, op: ClusterOperation, plan: Plan, result: OperationResult, statuses: { operation: ClusterOperationStatus; cluster?: ClusterStatus }, clusterUid: string | undefined): Promise<void> {
  const ok = result.status === 'Succeeded';
  const ended = result.cancelled ? 'Cancelled' : result.status;
  await Promise.all([
    scope.events.record(opTarget(op), ok ? 'Normal' : 'Warning', ended, redactFor(plan, statuses.operation.message ?? ended)),
    scope.events.record(
      clusterTarget(op.spec.cluster, clusterUid),
      ok ? 'Normal' : 'Warning',
      `Operation${ended}`,
      redactFor(plan, `${op.metadata.name} (${plan.action}) ${ended}${statuses.cluster?.phase ? `; phase ${statuses.cluster.phase}` : ''}`),
    ),
  ]);
}

/**
 * Fails the operation without a plan (its run is lost or cannot be built). A Cluster that shows it
 * running is written first, so it does not stay in the operation's phase (Upgrading…) for good.
 */
async function fail(scope: ControllerScope, op: ClusterOperation, message: string, cancelled = false): Promise<TurnOutcome> {
  const now = new Date().toISOString();
  const result = { status: 'Failed' as const, startTime: op.status?.startTime ?? now, endTime: now, steps: [], failed: { step: 'job', hosts: [], message }, ...(cancelled ? { cancelled: message } : {}) };
  const { startTime, ...unstarted } = finishedStatus(op, result, undefined, op.status?.jobRef);
  // Without a startTime it never ran: history pruning counts it apart from the operations that ran.
  const status: ClusterOperationStatus = op.status?.startTime ? { ...unstarted, startTime } : unstarted;
  const cluster = await scope.source.getCluster(op.spec.cluster);
  const clusterStatus = await scope.status.pair(op, status, cluster, (previous) => clusterStatusAfterLostRun(previous, op, now, cancelled));
  const outcome = status.status === 'Cancelled' ? 'Cancelled' : 'Failed';
  await scope.events.record(opTarget(op), 'Warning', outcome, message);
  scope.metrics?.operationEnded(operationKind(op.spec.action, undefined), outcome);
  if (clusterStatus) {
    await scope.events.record(clusterTarget(op.spec.cluster, cluster?.metadata.uid), 'Warning', `Operation${outcome}`, `${op.metadata.name} (${op.spec.action}) ${outcome}; phase ${clusterStatus.phase ?? 'none'}`);
  }
  await scope.executor.release?.(op);
  await prune(scope, op.spec.cluster);
  return { status: outcome };
}

/** A cancel request reached an operation that is not running: it ends Cancelled without having run. */
export function cancelUnstarted(scope: ControllerScope, op: ClusterOperation, message: string): Promise<TurnOutcome> {
  return fail(scope, op, message, true);
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
