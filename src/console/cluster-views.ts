/**
 * What the pages show, computed from the objects the user may read: pure functions, so the
 * server sends the same view whether it came from a list or a watch event.
 */
import { hasControlPlaneRole } from '../api/node-roles.js';
import { upgradeTargets } from './cluster-changes.js';
import type { Cluster, ClusterNodeStatus, ClusterOperation, Condition, OperationProgress, OperationStep } from '../api/types.js';

export interface ClusterRow {
  name: string;
  phase: string;
  nodesReady: number;
  nodesTotal: number;
  version: string;
  lastOperation?: { name: string; action: string; status: string };
}

export interface OperationRow {
  name: string;
  action: string;
  status: string;
  created: string;
  startTime?: string;
  endTime?: string;
  summary?: string;
  message?: string;
}

export interface NodeRow {
  name: string;
  role: string;
  address: string;
  version: string;
  ready: boolean;
}

export interface ClusterDetails {
  name: string;
  phase: string;
  desiredVersion: string;
  version: string;
  nodes: NodeRow[];
  conditions: Condition[];
  operations: OperationRow[];
  /** The Secret holding the admin kubeconfig, when the controller stored one. */
  kubeconfig?: { namespace: string; name: string };
  /** The versions the bundle serves that this cluster may upgrade to (higher, one minor at most). */
  upgrades: string[];
}

export interface OperationView {
  name: string;
  cluster: string;
  action: string;
  status: string;
  message?: string;
  startTime?: string;
  endTime?: string;
  progress?: OperationProgress;
  steps: OperationStep[];
  failedHosts: string[];
  cancelRequested: boolean;
  retryOf?: string;
}

const time = (t: unknown): string => (t instanceof Date ? t.toISOString() : typeof t === 'string' ? t : '');

/** Newest first: by creation time, then by name for a stable order. */
export function newestFirst(ops: Iterable<ClusterOperation>): ClusterOperation[] {
  return [...ops].sort((a, b) => time(b.metadata.creationTimestamp).localeCompare(time(a.metadata.creationTimestamp)) || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? ''));
}

export function operationsOf(cluster: string, ops: Iterable<ClusterOperation>): ClusterOperation[] {
  return newestFirst([...ops].filter((o) => o.spec?.cluster === cluster));
}

const statusOf = (op: ClusterOperation): string => op.status?.status || 'Pending';

/** Deleting from the moment a reset is asked for until the Cluster is gone (kubean's phase comes only once the reset runs). */
function phaseOf(c: Cluster, latest: ClusterOperation | undefined): string {
  if (c.metadata.deletionTimestamp) return 'Deleting';
  if (latest?.spec.action === 'reset.yml' && !['Failed', 'Cancelled'].includes(statusOf(latest))) return 'Deleting';
  return c.status?.phase ?? '';
}

export function clusterRow(c: Cluster, ops: Iterable<ClusterOperation>): ClusterRow {
  const s = c.status ?? {};
  const latest = operationsOf(c.metadata.name ?? '', ops)[0];
  const condition = s.conditions?.at(-1);
  const lastOperation = latest
    ? { name: latest.metadata.name ?? '', action: latest.spec.action, status: statusOf(latest) }
    : condition
      ? { name: condition.clusterOps, action: '', status: condition.status || 'Pending' }
      : undefined;
  return {
    name: c.metadata.name ?? '',
    phase: phaseOf(c, latest),
    nodesReady: s.readyNodeCount ?? (s.nodes ?? []).filter((n) => n.ready).length,
    nodesTotal: s.nodeCount ?? s.nodes?.length ?? 0,
    version: s.observedVersion ?? '',
    ...(lastOperation ? { lastOperation } : {}),
  };
}

export function clusterRows(clusters: Iterable<Cluster>, ops: Iterable<ClusterOperation>): ClusterRow[] {
  const all = [...ops];
  return [...clusters].map((c) => clusterRow(c, all)).sort((a, b) => a.name.localeCompare(b.name));
}

const isControlPlane = (n: ClusterNodeStatus): boolean => hasControlPlaneRole(n.roles);

/** Control planes first, then by name. */
export function nodeRows(nodes: readonly ClusterNodeStatus[]): NodeRow[] {
  return [...nodes]
    .sort((a, b) => Number(isControlPlane(b)) - Number(isControlPlane(a)) || a.name.localeCompare(b.name))
    .map((n) => ({ name: n.name, role: isControlPlane(n) ? 'control plane' : (n.roles ?? []).join(', ') || 'worker', address: n.address ?? '', version: n.version ?? '', ready: n.ready }));
}

export function operationRow(op: ClusterOperation): OperationRow {
  const s = op.status ?? {};
  return {
    name: op.metadata.name ?? '',
    action: op.spec.action,
    status: statusOf(op),
    created: time(op.metadata.creationTimestamp),
    ...(s.startTime ? { startTime: s.startTime } : {}),
    ...(s.endTime ? { endTime: s.endTime } : {}),
    ...(s.progress?.summary ? { summary: s.progress.summary } : {}),
    ...(s.message ? { message: s.message } : {}),
  };
}

export function clusterDetails(c: Cluster, ops: Iterable<ClusterOperation>, kubeVersions: readonly string[] = []): ClusterDetails {
  const s = c.status ?? {};
  const mine = operationsOf(c.metadata.name ?? '', ops);
  return {
    name: c.metadata.name ?? '',
    phase: phaseOf(c, mine[0]),
    desiredVersion: s.desiredVersion ?? '',
    version: s.observedVersion ?? '',
    nodes: nodeRows(s.nodes ?? []),
    conditions: s.clusterConditions ?? [],
    operations: mine.map(operationRow),
    upgrades: upgradeTargets(s.observedVersion || s.desiredVersion || '', kubeVersions),
    ...(s.kubeconfigSecretRef ? { kubeconfig: { ...s.kubeconfigSecretRef } } : {}),
  };
}

export function operationView(op: ClusterOperation, cancelAnnotation: string, retryOfAnnotation: string): OperationView {
  const s = op.status ?? {};
  const retryOf = op.metadata.annotations?.[retryOfAnnotation];
  return {
    name: op.metadata.name ?? '',
    cluster: op.spec.cluster,
    action: op.spec.action,
    status: statusOf(op),
    ...(s.message ? { message: s.message } : {}),
    ...(s.startTime ? { startTime: s.startTime } : {}),
    ...(s.endTime ? { endTime: s.endTime } : {}),
    ...(s.progress ? { progress: s.progress } : {}),
    steps: s.steps ?? [],
    failedHosts: s.failedHosts ?? [],
    cancelRequested: op.metadata.annotations?.[cancelAnnotation] !== undefined,
    ...(retryOf ? { retryOf } : {}),
  };
}
