/** What the declarative path compares and what it yields (src/desired/plan-convergence.ts). */
import type { Hook } from '../api/types.js';

/** Per Cluster: Off (kubean's behaviour), Plan (compute and show), Auto (carry out). */
export type ReconcileMode = 'Off' | 'Plan' | 'Auto';
export const RECONCILE_MODES: readonly ReconcileMode[] = ['Off', 'Plan', 'Auto'];

export interface HostRoles {
  name: string;
  controlPlane: boolean;
  etcd: boolean;
  worker: boolean;
}

/** The hosts ConfigMap's node set and roles, and the vars' kube_version. */
export interface DesiredCluster {
  hosts: HostRoles[];
  version: string;
}

export interface ObservedCluster {
  /** A successful install is on record (its kubeconfig stored); false: install first. */
  installed: boolean;
  /** Every node the cluster's apiserver lists; undefined when it could not be read. */
  nodes?: { name: string; controlPlane: boolean }[];
  /** Why the nodes could not be read. */
  unreadable?: string;
  /** The apiserver's version. */
  version?: string;
  /** The hosts of the last successful operation's inputs: a removed host's entry comes from here. */
  applied?: HostRoles[];
}

export interface ConvergenceGuards {
  /** The pause annotation is set: nothing is planned. */
  paused: boolean;
  /** The nodes the approval annotation names: a removal that needs approval goes ahead only if it names every node removed. */
  approvedRemovals: readonly string[];
  /** Removing more nodes than this at once needs approval (any control plane always does). */
  maxRemovalsWithoutApproval: number;
  /** The releases the operator's bundle serves, for the minors a chained upgrade passes through. */
  availableVersions: readonly string[];
}

export type PendingKind =
  | 'install'
  | 'upgrade'
  | 'add-control-planes'
  | 'remove-control-planes'
  | 'reconfigure-control-plane'
  | 'add-workers'
  | 'remove-workers';

/** One ClusterOperation to create, in order, and why. */
export interface PendingOperation {
  kind: PendingKind;
  action: string;
  extraArgs?: string;
  postHook?: Hook[];
  /** The hosts it changes. */
  hosts: string[];
  reason: string;
  /** Held until the approval annotation names every node it removes: why. */
  needsApproval?: string;
}

export interface ConvergencePlan {
  operations: PendingOperation[];
  /** Changes no operation may make: a person decides (nothing is guessed). */
  blocked: string[];
  paused: boolean;
  /** Why nothing could be compared yet (the cluster unreadable). */
  waiting?: string;
}
