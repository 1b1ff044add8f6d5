import type { ClusterPhase } from '../api/types.js';
import type { OperationKind } from '../engine/kubespray-actions.js';

const RUNNING_PHASE: Record<OperationKind, ClusterPhase | undefined> = {
  install: 'Installing',
  'scale-out': 'Scaling Out',
  'scale-in': 'Scaling In',
  upgrade: 'Upgrading',
  reset: 'Deleting',
  other: undefined,
};

/** The phase while the operation runs; undefined keeps the previous phase (e.g. ping.yml). */
export function phaseWhileRunning(kind: OperationKind): ClusterPhase | undefined {
  return RUNNING_PHASE[kind];
}

export interface PhaseOutcome {
  kind: OperationKind;
  succeeded: boolean;
  /** Result of the post-operation health check; undefined when none ran. */
  healthy?: boolean;
  previous?: ClusterPhase;
}

/**
 * The phase after the operation: any failure or an unhealthy check is Abnormal; a successful
 * lifecycle change is Healthy; a successful reset leaves no cluster (undefined phase); other
 * actions (ping.yml, cluster-info.yml) keep what the cluster was.
 */
export function phaseAfter(o: PhaseOutcome): ClusterPhase | undefined {
  if (!o.succeeded || o.healthy === false) return 'Abnormal';
  if (o.kind === 'reset') return undefined;
  if (o.kind === 'other') return o.healthy === true ? 'Healthy' : o.previous;
  return 'Healthy';
}

/** The phases an operation holds while it runs; an observation never replaces them. */
const OPERATION_PHASES: ReadonlySet<ClusterPhase> = new Set(['Installing', 'Scaling Out', 'Scaling In', 'Upgrading', 'Deleting']);

export type ObservedHealth = 'healthy' | 'unhealthy' | 'unknown';

/**
 * The phase once the cluster was observed: an operation's phase stays; an unhealthy cluster is
 * Abnormal; a healthy one is Healthy, except that an Abnormal a failed operation left (the
 * observation before was not unhealthy) stays until an operation succeeds; unknown health (the
 * cluster could not be reached) changes nothing.
 */
export function phaseObserved(current: ClusterPhase | undefined, health: ObservedHealth, healthBefore: ObservedHealth): ClusterPhase | undefined {
  if (current !== undefined && OPERATION_PHASES.has(current)) return current;
  if (health === 'unknown') return current;
  if (health === 'unhealthy') return 'Abnormal';
  if (current === 'Abnormal' && healthBefore !== 'unhealthy') return 'Abnormal';
  return 'Healthy';
}

/**
 * The phase an operation that was refused before it changed any host leaves: the one its
 * cluster was in before it, as the status tells it: the observed health when known, else the
 * outcome of the operation before (none: no phase).
 */
export function phaseBefore(health: ObservedHealth, previousOperation: 'Succeeded' | 'Failed' | undefined): ClusterPhase | undefined {
  if (health === 'healthy') return 'Healthy';
  if (health === 'unhealthy') return 'Abnormal';
  if (previousOperation === 'Succeeded') return 'Healthy';
  return previousOperation === 'Failed' ? 'Abnormal' : undefined;
}
