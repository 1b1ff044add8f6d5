/** Pure: the end a turn's run comes to, from what runOperation returned or threw. */
import { InputError } from '../../api/input-error.js';
import type { ClusterOperation } from '../../api/types.js';
import { ExecutionLostError } from '../../executors/types.js';
import type { OperationOutcome } from '../../operations/run-operation.js';
import { summariseFinished } from '../../operations/summarise.js';
import { rejectedStatus } from '../../status/operation-status.js';
import { isPermanent } from '../../util/slipway-error.js';
import { ClusterDeletedError, DELETED_MESSAGE } from '../cluster-deletion.js';
import { OperationCancelledError } from '../operation-cancel.js';
import type { TurnEnd } from './operation-turn.js';

const failed = (message: string, cancelled = false): TurnEnd => ({ kind: 'failed', message, cancelled });

/**
 * The end of a run that threw, or undefined when the error is not the operation's to report (it
 * propagates, and the turn resumes after a backoff). `cancelled`: why the registry stopped it, if it did.
 */
export function endOfError(op: ClusterOperation, err: unknown, cancelled: string | undefined, now: Date): TurnEnd | undefined {
  if (err instanceof ClusterDeletedError) return failed(err.message);
  const stopped = err instanceof OperationCancelledError ? err.message : cancelled;
  // Its Cluster was deleted: that is a failure of the operation, not a cancel the user asked for.
  if (stopped) return failed(stopped, stopped !== DELETED_MESSAGE);
  if (err instanceof ExecutionLostError) return failed(err.message);
  if (err instanceof InputError) return { kind: 'rejected', status: rejectedStatus(op, err, now), reason: 'Rejected' };
  if (isPermanent(err)) return failed(`cannot run it as a Job: ${err.message}`);
  return undefined;
}

/** The end of a run that returned. Stopped on request, the steps it ran are kept and it ends Cancelled. */
export function endOfRun(op: ClusterOperation, outcome: OperationOutcome, cancelled: string | undefined): TurnEnd {
  if (outcome.kind === 'rejected') return { kind: 'rejected', status: outcome.status, reason: 'Rejected' };
  if (cancelled === DELETED_MESSAGE) return failed(cancelled);
  const { plan, ref, cluster } = outcome;
  const result = cancelled ? { ...outcome.result, cancelled } : outcome.result;
  const operation = cancelled ? summariseFinished(op, plan, result, ref, cluster?.status).operation : outcome.statuses.operation;
  return { kind: 'finished', plan, ref, result, operation, cluster };
}
