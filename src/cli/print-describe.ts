/**
 * `slipway describe`: a cluster as a tree (as `clusterctl describe cluster` shows one) and an
 * operation as kubectl describes an object. Pure: objects in, text out.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Cluster, ClusterOperation } from '../api/types.js';
import { nodesReady, operationProgress } from './print-resources.js';
import { humanAge, renderTable } from './print-table.js';
import { durationBetween } from './progress-printer.js';

interface TreeItem {
  name: string;
  status: string;
  since: string;
  detail: string;
  children?: TreeItem[];
}

/** Rows with the tree drawn into the NAME column. */
function treeRows(item: TreeItem, prefix = '', childPrefix = ''): string[][] {
  const rows = [[`${prefix}${item.name}`, item.status, item.since, item.detail]];
  const children = item.children ?? [];
  children.forEach((c, i) => {
    const last = i === children.length - 1;
    rows.push(...treeRows(c, `${childPrefix}${last ? '└─' : '├─'}`, `${childPrefix}${last ? '  ' : '│ '}`));
  });
  return rows;
}

const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/**
 * The cluster, its phase and conditions, its nodes (role, version, Ready) as last observed, and
 * its operations: the running and queued ones, then the last `lastEnded` that ended.
 */
export function renderClusterTree(cluster: Cluster, operations: readonly ClusterOperation[], now: Date, lastEnded = 3): string {
  const s = cluster.status ?? {};
  const mine = operations.filter((o) => o.spec.cluster === cluster.metadata.name);
  const started = (o: ClusterOperation): string => o.status?.startTime ?? (o.metadata.creationTimestamp as unknown as string | undefined) ?? '';
  const byNewest = [...mine].sort((a, b) => started(b).localeCompare(started(a)));
  const active = byNewest.filter((o) => !ENDED.has(o.status?.status ?? ''));
  const ended = byNewest.filter((o) => ENDED.has(o.status?.status ?? '')).slice(0, lastEnded);
  const nodes = s.nodes ?? [];
  const summary = [s.observedVersion, s.nodeCount !== undefined || s.nodesReady ? `${nodesReady(cluster)} nodes ready` : undefined].filter(Boolean).join(', ');
  const root: TreeItem = {
    name: `Cluster/${cluster.metadata.name}`,
    status: s.phase ?? '<unknown>',
    since: '',
    detail: summary,
    children: [
      {
        name: 'Conditions',
        status: '',
        since: '',
        detail: s.clusterConditions?.length ? '' : 'not observed yet',
        children: (s.clusterConditions ?? []).map((c) => ({ name: c.type, status: c.status, since: c.lastTransitionTime ? humanAge(c.lastTransitionTime, now) : '', detail: [c.reason, c.message].filter(Boolean).join(': ') })),
      },
      {
        name: 'Nodes',
        status: '',
        since: '',
        detail: nodes.length === 0 ? 'not observed yet' : s.nodeCount !== undefined && s.nodeCount > nodes.length ? `the first ${nodes.length} of ${s.nodeCount}` : '',
        children: nodes.map((n) => ({ name: n.name, status: n.ready ? 'Ready' : 'NotReady', since: '', detail: [n.roles?.length ? n.roles.join(',') : 'worker', n.version, n.address].filter(Boolean).join('  ') })),
      },
      {
        name: 'Operations',
        status: '',
        since: '',
        detail: mine.length === 0 ? 'none' : mine.length > active.length + ended.length ? `${active.length + ended.length} of ${mine.length} shown` : '',
        children: [...active, ...ended].map((o) => ({
          name: o.metadata.name ?? '',
          status: o.status?.status || 'Pending',
          since: started(o) ? humanAge(started(o), now) : '',
          detail: [o.spec.action, operationProgress(o), o.status?.status === 'Failed' ? o.status.message?.split('\n')[0] : undefined].filter((x) => x && x !== '<none>').join(': '),
        })),
      },
    ],
  };
  return renderTable(['NAME', 'STATUS', 'SINCE', 'DETAIL'], treeRows(root));
}

/** Spec, status, steps with durations, progress and Events, as `kubectl describe` lays them out. */
export function renderOperation(op: ClusterOperation, events: readonly CoreV1Event[] | string, now: Date): string {
  const s = op.status ?? {};
  const spec = op.spec;
  const field = (label: string, value: string | undefined): string => (value ? `${`${label}:`.padEnd(15)}${value}\n` : '');
  const when = (iso: string | undefined): string | undefined => (iso ? `${iso} (${humanAge(iso, now)} ago)` : undefined);
  const hooks = (list: ClusterOperation['spec']['preHook']): string | undefined => (list?.length ? list.map((h) => `${h.actionType} ${h.action}`).join(', ') : undefined);
  let out = '';
  out += field('Name', op.metadata.name);
  out += field('Cluster', spec.cluster);
  out += field('Action', `${spec.actionType} ${spec.action} (${spec.actionSource ?? 'builtin'}${spec.actionSourceRef ? ` ${spec.actionSourceRef.namespace}/${spec.actionSourceRef.name}` : ''})`);
  out += field('Extra args', spec.extraArgs);
  out += field('Pre hooks', hooks(spec.preHook));
  out += field('Post hooks', hooks(spec.postHook));
  out += field('Image', spec.image);
  out += field('Deadline', s.activeDeadlineSeconds ? `${s.activeDeadlineSeconds}s` : spec.activeDeadlineSeconds ? `${spec.activeDeadlineSeconds}s` : undefined);
  out += field('Created', when(op.metadata.creationTimestamp as unknown as string | undefined));
  out += field('Status', s.status || 'Pending');
  out += field('Started', when(s.startTime));
  out += field('Ended', when(s.endTime));
  out += field('Duration', s.startTime ? durationBetween(s.startTime, s.endTime ?? now.toISOString()) : undefined);
  out += field('Message', s.message?.split('\n')[0]);
  out += field('Failed step', s.failedStep);
  out += field('Failed task', s.failedTask);
  out += field('Failed hosts', s.failedHosts?.length ? s.failedHosts.join(', ') : undefined);
  out += field('Job', s.jobRef ? `${s.jobRef.namespace}/${s.jobRef.name}` : undefined);
  out += field('Log', s.logRef ? `slipway logs ${op.metadata.name}` : undefined);
  if (s.status === 'Running' && s.progress) {
    const p = s.progress;
    out += 'Progress:\n';
    out += `  ${p.summary}\n`;
    if (p.hosts) out += `  hosts: ${Object.entries(p.hosts).map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
    for (const f of p.failedHosts ?? []) out += `  failed ${f.name} at ${f.task}${f.message ? `: ${f.message.split('\n')[0]}` : ''}\n`;
  }
  out += 'Steps:\n';
  const steps = s.steps ?? [];
  out += steps.length === 0
    ? '  <none>\n'
    : indent(renderTable(['STEP', 'STATUS', 'DURATION', 'MESSAGE'], steps.map((st) => [st.name, st.status, st.startTime ? durationBetween(st.startTime, st.endTime ?? now.toISOString()) : '', st.message?.split('\n')[0] ?? ''])));
  out += 'Events:\n';
  if (typeof events === 'string') out += `  ${events}\n`;
  else if (events.length === 0) out += '  <none>\n';
  else {
    const time = (e: CoreV1Event): string | undefined => iso(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp);
    const sorted = [...events].sort((a, b) => (time(a) ?? '').localeCompare(time(b) ?? ''));
    out += indent(renderTable(['TYPE', 'REASON', 'AGE', 'MESSAGE'], sorted.map((e) => [e.type ?? '', e.reason ?? '', humanAge(time(e), now), (e.message ?? '').split('\n')[0]!])));
  }
  return out;
}

const indent = (text: string): string => text.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');
const iso = (t: Date | string | undefined): string | undefined => (t instanceof Date ? t.toISOString() : t);
