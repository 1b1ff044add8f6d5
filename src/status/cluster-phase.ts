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
