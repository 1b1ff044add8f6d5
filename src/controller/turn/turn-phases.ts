/**
 * A turn as a list of phases over one OperationTurn: each either lets the next run or ends the
 * turn with a computed end, which write-end.ts writes once. `runTurn` is the worker's `run`;
 * `resumeTurn` its `onResume` (the turn started before: a worker died, or its handler threw).
 */
import { ApiException } from '@kubernetes/client-node';
import { clip } from '../../api/input-error.js';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../../api/types.js';
import { runOperation, type OperationOutcome } from '../../operations/run-operation.js';
import { checkAdmitted, notAdmittedStatus, withCheckedCluster } from '../admission-check.js';
import type { ControllerScope } from '../controller-scope.js';
import { isFinished } from '../history.js';
import type { OperationRef } from '../operation-ref.js';
import { removeRunFinalizer } from '../operation-cancel.js';
import { guardCluster } from './guard-cluster.js';
import { CONTINUE, type OperationTurn, type Phase, type TurnEnd, type TurnOutcome } from './operation-turn.js';
import { RunWatch } from './run-watch.js';
import { showRunning } from './show-running.js';
import { endOfError, endOfRun } from './turn-end.js';
import { writeEnd } from './write-end.js';

/** It ended before this turn (the turn is handed back its outcome). */
const ended: Phase = async ({ op }) => (isFinished(op) ? { kind: 'ended', status: op.status!.status as 'Succeeded' | 'Failed' | 'Cancelled' } : CONTINUE);

/** A resumed turn whose run an earlier turn dispatched and that cannot be followed any more (the executor tells) fails. */
const notLost: Phase = async ({ scope, op }) => {
  const lost = await scope.executor.lostRun?.(op);
  return lost === undefined ? CONTINUE : { kind: 'failed', message: lost, cancelled: false };
};

/**
 * One whose spec.cluster changed while it waited (stored before the CRD made the field immutable)
 * fails without running anything, and the turn passes on.
 */
const sameCluster: Phase = async ({ op, ref }) =>
  op.spec.cluster === ref.cluster
    ? CONTINUE
    : { kind: 'failed', message: `spec.cluster changed from ${JSON.stringify(ref.cluster)} to ${clip(op.spec.cluster ?? '')} while it waited for that cluster's turn; it is not run (create a new operation instead)`, cancelled: false };

/** Checks its admission unless it was dispatched already (and so checked); the turn goes on with the Cluster it checked. */
const admitted: Phase = async (turn) => {
  const { scope, op } = turn;
  if (!scope.admission || op.status?.status === 'Running') return CONTINUE;
  const cluster = await turn.source.getCluster(op.spec.cluster);
  const admission = await checkAdmitted(scope.admission, op, cluster);
  if ('problem' in admission) return { kind: 'rejected', status: notAdmittedStatus(op, admission.problem, new Date()), reason: 'NotAdmitted' };
  if (cluster) turn.source = withCheckedCluster(turn.source, cluster);
  return CONTINUE;
};

/** resolve → plan → dispatch (Running is written) → observe → summarise, with the controller's executor. */
const drive: Phase = async (turn) => {
  const { scope, op } = turn;
  if (scope.runs) {
    const tracked = scope.runs.track(op, turn.signal);
    turn.signal = tracked.signal;
    // Once its end is written (or the turn failed and resumes later, adding the finalizer again).
    turn.afterEnd.push(
      () => tracked.end(),
      () => removeRunFinalizer(scope.custom, op.metadata.name!, op.metadata.uid),
    );
  }
  let watch: RunWatch | undefined;
  let outcome: OperationOutcome;
  try {
    outcome = await runOperation(
      op,
      { source: turn.source, builtinDir: scope.builtinDir, operator: scope.operator, executorFor: () => scope.executor },
      {
        signal: turn.signal,
        onPlanned: (plan) => guardCluster(turn, plan),
        sink: (e) => watch?.sink(e),
        onDispatched: async (ref, running, plan, cluster) => {
          await showRunning(turn, ref, running, plan, cluster);
          watch = new RunWatch(turn, plan);
        },
      },
    );
  } catch (err) {
    const end = endOfError(op, err, scope.runs?.cancelledReason(op.metadata.uid), new Date());
    if (!end) throw err;
    return end;
  } finally {
    await watch?.close();
  }
  return endOfRun(op, outcome, scope.runs?.cancelledReason(op.metadata.uid));
};

const RUN: readonly Phase[] = [ended, sameCluster, admitted, drive];
const RESUME: readonly Phase[] = [ended, notLost, sameCluster, admitted, drive];

/** The worker's `run`: the use case, once. */
export function runTurn(scope: ControllerScope, ref: OperationRef, signal: AbortSignal): Promise<TurnOutcome> {
  scope.waitingShown.delete(ref.uid);
  return turnOf(scope, ref, signal, RUN);
}

/**
 * The worker's `onResume`: a run dispatched before is found again by the dispatch (a Job named
 * after the operation is never created twice), unless the executor says it is lost.
 */
export function resumeTurn(scope: ControllerScope, ref: OperationRef, signal: AbortSignal): Promise<TurnOutcome> {
  return turnOf(scope, ref, signal, RESUME);
}

/** A cancel request reached an operation that is not running: it ends Cancelled without having run. */
export function cancelUnstarted(scope: ControllerScope, op: ClusterOperation, message: string): Promise<TurnOutcome> {
  return writeEnd(scope, op, { kind: 'failed', message, cancelled: true });
}

async function turnOf(scope: ControllerScope, ref: OperationRef, signal: AbortSignal, phases: readonly Phase[]): Promise<TurnOutcome> {
  const op = await currentOperation(scope, ref);
  if (!op) return { status: 'Gone' };
  const turn: OperationTurn = { scope, ref, op, signal, source: scope.source, log: scope.logger.child({ cluster: op.spec.cluster, operation: op.metadata.name }), afterEnd: [] };
  try {
    return await writeEnd(scope, op, await endOf(turn, phases));
  } finally {
    for (const after of turn.afterEnd) await after();
  }
}

async function endOf(turn: OperationTurn, phases: readonly Phase[]): Promise<TurnEnd> {
  for (const phase of phases) {
    const result = await phase(turn);
    if (result !== CONTINUE) return result;
  }
  throw new Error(`the turn of ${turn.ref.name} ended without an outcome`);
}

/** The operation the ref names, read from the apiserver (the informer's copy may be behind); undefined: gone, or another of that name now. */
async function currentOperation(scope: ControllerScope, ref: OperationRef): Promise<ClusterOperation | undefined> {
  try {
    const op = (await scope.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: ref.name })) as ClusterOperation;
    return op.metadata.uid === ref.uid ? op : undefined;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}
