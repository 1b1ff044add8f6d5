/** The rows of `slipway get clusters|operations`, and their -o json|yaml|name forms. Pure. */
import { stringify } from 'yaml';
import type { Cluster, ClusterOperation } from '../api/types.js';
import { humanAge, renderTable } from './print-table.js';
import { durationBetween } from './progress-printer.js';

export const OUTPUT_FORMATS = ['wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number] | 'table';

/** The newest operation kubean's conditions record for the cluster: "NAME (Status)". */
export function lastOperation(cluster: Cluster): string {
  const conditions = cluster.status?.conditions ?? [];
  const last = [...conditions].sort((a, b) => (a.startTime ?? '').localeCompare(b.startTime ?? '')).at(-1);
  return last ? `${last.clusterOps}${last.status ? ` (${last.status})` : ''}` : '<none>';
}

export function nodesReady(cluster: Cluster): string {
  const s = cluster.status;
  if (s?.nodesReady) return s.nodesReady;
  if (s?.nodeCount !== undefined) return `${s.readyNodeCount ?? 0}/${s.nodeCount}`;
  return '<unknown>';
}

export const CLUSTER_HEADERS = ['NAME', 'PHASE', 'NODES', 'VERSION', 'LAST OPERATION', 'AGE'];
export const CLUSTER_WIDE_HEADERS = [...CLUSTER_HEADERS, 'CONTROL PLANES', 'WORKERS', 'DESIRED VERSION', 'CERTIFICATES EXPIRE'];

export function clusterRow(c: Cluster, now: Date, wide: boolean): string[] {
  const s = c.status;
  const row = [c.metadata.name ?? '', s?.phase ?? '<unknown>', nodesReady(c), s?.observedVersion ?? '<unknown>', lastOperation(c), humanAge(c.metadata.creationTimestamp as unknown as string | undefined, now)];
  if (!wide) return row;
  return [...row, String(s?.controlPlaneCount ?? '<unknown>'), String(s?.workerCount ?? '<unknown>'), s?.desiredVersion ?? '<unknown>', s?.certificatesExpiry ?? '<unknown>'];
}

export const OPERATION_HEADERS = ['NAME', 'CLUSTER', 'ACTION', 'STATUS', 'PROGRESS', 'AGE'];
export const OPERATION_WIDE_HEADERS = [...OPERATION_HEADERS, 'DURATION', 'FAILED HOSTS', 'MESSAGE'];

/** While it runs, the controller's progress summary; once ended, the steps that succeeded. */
export function operationProgress(op: ClusterOperation): string {
  const s = op.status;
  if (s?.status === 'Running' && s.progress?.summary) return s.progress.summary;
  if (!s?.steps?.length) return s?.status === 'Waiting' ? 'queued' : '<none>';
  const done = s.steps.filter((st) => st.status === 'Succeeded' || st.status === 'Skipped').length;
  return `${done}/${s.steps.length} steps`;
}

export function operationRow(op: ClusterOperation, now: Date, wide: boolean): string[] {
  const s = op.status;
  const row = [op.metadata.name ?? '', op.spec.cluster, op.spec.action, s?.status || 'Pending', operationProgress(op), humanAge(op.metadata.creationTimestamp as unknown as string | undefined, now)];
  if (!wide) return row;
  const duration = s?.startTime ? durationBetween(s.startTime, s.endTime ?? now.toISOString()) : '';
  return [...row, duration || '<none>', s?.failedHosts?.length ? s.failedHosts.join(',') : '<none>', oneLine(s?.message) || '<none>'];
}

const oneLine = (text: string | undefined): string => (text ?? '').split('\n')[0]!.slice(0, 120);

export type Kind = 'clusters' | 'operations';
type Objects = { kind: 'clusters'; items: Cluster[] } | { kind: 'operations'; items: ClusterOperation[] };

/**
 * The objects in the format asked for. `single`: a name was given, so json and yaml print the
 * object itself rather than a List. Exact: nothing else goes to stdout.
 */
export function renderObjects(objects: Objects, format: OutputFormat, now: Date, single = false): string {
  const items: (Cluster | ClusterOperation)[] = objects.items;
  switch (format) {
    case 'json':
      return `${JSON.stringify(single ? items[0] : asList(items), null, 2)}\n`;
    case 'yaml':
      return stringify(single ? items[0] : asList(items));
    case 'name':
      return items.map((o) => `${objects.kind === 'clusters' ? 'cluster' : 'clusteroperation'}.kubean.io/${o.metadata.name}\n`).join('');
    case 'table':
    case 'wide': {
      const wide = format === 'wide';
      if (objects.kind === 'clusters') return renderTable(wide ? CLUSTER_WIDE_HEADERS : CLUSTER_HEADERS, objects.items.map((c) => clusterRow(c, now, wide)));
      return renderTable(wide ? OPERATION_WIDE_HEADERS : OPERATION_HEADERS, objects.items.map((o) => operationRow(o, now, wide)));
    }
  }
}

const asList = (items: unknown[]): { apiVersion: string; kind: string; items: unknown[] } => ({ apiVersion: 'v1', kind: 'List', items });
