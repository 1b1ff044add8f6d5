/**
 * The controller's queue phases for one ClusterOperation: `reconcileQueued` (hasModified,
 * enqueue, Waiting) and `reconcileWaiting`. Its turn is in turn/.
 */
import type { ClusterOperation } from '../api/types.js';
import { modifiedStatus, waitingStatus } from '../status/operation-status.js';
import type { ClusterQueue, TurnStatus } from './cluster-queue.js';
import type { ControllerScope } from './controller-scope.js';
import { isFinished } from './history.js';
import { operationRefOf } from './operation-ref.js';
import { opTarget } from './turn/operation-turn.js';

export type { ControllerScope } from './controller-scope.js';
export { clusterTarget, type TurnOutcome } from './turn/operation-turn.js';
export { cancelUnstarted, resumeTurn, runTurn } from './turn/turn-phases.js';

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
