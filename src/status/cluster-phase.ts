import type { ClusterPhase } from '../api/types.js';

export type OperationKind = 'install' | 'scale-out' | 'scale-in' | 'upgrade' | 'reset' | 'other';

/**
 * What an operation does to the cluster, from its main action. cluster.yml with a --limit is
 * kubean's way of adding control-plane nodes, so it scales out rather than installs.
 */
export function operationKind(action: string, limit: string | undefined): OperationKind {
  switch (action) {
    case 'cluster.yml':
      return limit ? 'scale-out' : 'install';
    case 'scale.yml':
      return 'scale-out';
    case 'remove-node.yml':
      return 'scale-in';
    case 'upgrade-cluster.yml':
      return 'upgrade';
    case 'reset.yml':
      return 'reset';
    default:
      return 'other';
  }
}

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
