/**
 * One turn of one ClusterOperation: the typed scope its phases share, what a phase returns, and
 * the end a turn computes (written once, by write-end.ts).
 */
import type { Logger } from 'pino';
import type { ObjectSource } from '../../api/object-source.js';
import { API_VERSION, CLUSTER_KIND, CLUSTER_OPERATION_KIND, type Cluster, type ClusterOperation, type ClusterOperationStatus } from '../../api/types.js';
import type { Plan } from '../../engine/plan-types.js';
import type { ExecutionRef, OperationResult } from '../../executors/types.js';
import type { ControllerScope } from '../controller-scope.js';
import type { OperationRef } from '../operation-ref.js';

export interface OperationTurn {
  readonly scope: ControllerScope;
  readonly ref: OperationRef;
  /** The operation as read when the turn started. */
  readonly op: ClusterOperation;
  readonly log: Logger;
  /** The worker's signal; drive replaces it with its run's, which a cancel or the Cluster's deletion also aborts. */
  signal: AbortSignal;
  /** The operation's inputs; admit narrows its Cluster to the one it checked. */
  source: ObjectSource;
  /** Run once the end is written (or the turn threw), in order: the run's registration, its finalizer. */
  readonly afterEnd: (() => void | Promise<void>)[];
}

/** How a turn ends, computed by its phases; write-end.ts writes it. */
export type TurnEnd =
  /** It had ended before this turn: nothing to write. */
  | { kind: 'ended'; status: 'Succeeded' | 'Failed' | 'Cancelled' }
  /** Failed before anything ran, with the status that says why. */
  | { kind: 'rejected'; status: ClusterOperationStatus; reason: 'Rejected' | 'NotAdmitted' }
  /** Failed (or cancelled) without a plan's result: its run is lost, cannot be built, or was stopped. */
  | { kind: 'failed'; message: string; cancelled: boolean }
  /** Its run ended. */
  | { kind: 'finished'; plan: Plan; ref: ExecutionRef; result: OperationResult; operation: ClusterOperationStatus; cluster: Cluster | undefined };

export const CONTINUE = 'continue';

/** A phase either lets the next one run or ends the turn. */
export type Phase = (turn: OperationTurn) => Promise<TurnEnd | typeof CONTINUE>;

/** What a turn hands back to the queue (and keeps in Redis for a day). */
export interface TurnOutcome {
  status: 'Succeeded' | 'Failed' | 'Cancelled' | 'Gone';
}

export const opTarget = (op: ClusterOperation) => ({ apiVersion: API_VERSION, kind: CLUSTER_OPERATION_KIND, name: op.metadata.name ?? '', uid: op.metadata.uid });
export const clusterTarget = (name: string, uid?: string) => ({ apiVersion: API_VERSION, kind: CLUSTER_KIND, name, ...(uid ? { uid } : {}) });
