/**
 * Scale out, scale in and upgrade as the console offers them: pure checks and edits of the
 * cluster's hosts.yml and group_vars.yml, and the ClusterOperation each needs (kubean's shapes:
 * scale.yml --limit, remove-node.yml -e node=, upgrade-cluster.yml). A refusal comes back
 * before anything is written or run.
 */
import { randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { API_VERSION, CLUSTER_OPERATION_KIND, type ClusterOperation } from '../api/types.js';
import type { PendingOperation } from '../desired/convergence-types.js';
import { addControlPlanesOperation, removeControlPlanesOperations } from '../desired/plan-convergence.js';
import { checkRows, type HostRow } from './new-cluster.js';

type Inventory = { all?: { hosts?: Record<string, unknown>; children?: Record<string, { hosts?: Record<string, unknown> | null; children?: unknown } | null> } };

export type Change<T> = { ok: T } | { refused: string };

const groupHosts = (inv: Inventory, group: string): string[] => Object.keys(inv.all?.children?.[group]?.hosts ?? {});

export function operationFor(cluster: string, kind: string, action: string, extraArgs?: string): ClusterOperation {
  return {
    apiVersion: API_VERSION,
    kind: CLUSTER_OPERATION_KIND,
    metadata: { name: `${cluster}-${kind}-${randomBytes(3).toString('hex')}` },
    spec: { cluster, actionType: 'playbook', action, ...(extraArgs ? { extraArgs } : {}) },
  };
}

/** hosts.yml with the workers added (to all.hosts and kube_node), and the scale.yml --limit to run. */
export function scaleOut(cluster: string, hostsText: string, workers: HostRow[]): Change<{ hostsText: string; operation: ClusterOperation }> {
  if (workers.length === 0) return { refused: 'add at least one worker' };
  const problems = checkRows(workers.map((r) => ['Worker', r] as const));
  const inv = (parse(hostsText) ?? {}) as Inventory;
  const hosts = inv.all?.hosts ?? {};
  for (const w of workers) if (w.name in hosts) problems.push(`Worker ${w.name}: the cluster has a host of that name`);
  if (problems.length > 0) return { refused: problems.join('; ') };
  const all = (inv.all ??= {});
  all.hosts = { ...hosts, ...Object.fromEntries(workers.map((r) => [r.name, { ip: r.ip, access_ip: r.ip, ansible_host: r.ip, ansible_user: r.user }])) };
  const children = (all.children ??= {});
  const node = (children.kube_node ??= {});
  node.hosts = { ...(node.hosts ?? {}), ...Object.fromEntries(workers.map((r) => [r.name, null])) };
  return { ok: { hostsText: stringify(inv), operation: operationFor(cluster, 'scale-out', 'scale.yml', `--limit=${workers.map((w) => w.name).join(',')}`) } };
}

/** Why removing `nodes` is refused before anything runs: not hosts, no control plane left, or an even etcd. */
export function removalRefusal(cluster: string, inv: Inventory, nodes: string[]): string | undefined {
  if (nodes.length === 0) return 'name a node to remove';
  const missing = nodes.filter((n) => !(n in (inv.all?.hosts ?? {})));
  if (missing.length > 0) return `${missing.join(', ')} ${missing.length === 1 ? 'is not a host' : 'are not hosts'} of ${cluster}`;
  const planes = groupHosts(inv, 'kube_control_plane');
  if (planes.length > 0 && planes.every((p) => nodes.includes(p))) {
    return `${nodes.filter((n) => planes.includes(n)).join(', ')} ${planes.length === 1 ? 'is the last control plane' : 'are all the control planes'} of ${cluster}: removing ${planes.length === 1 ? 'it' : 'them'} would end the cluster (delete the cluster instead)`;
  }
  const etcd = groupHosts(inv, 'etcd');
  const left = etcd.filter((e) => !nodes.includes(e)).length;
  if (left !== etcd.length && left % 2 === 0) return `removing ${nodes.join(', ')} would leave ${left} etcd members: etcd needs an odd number`;
  return undefined;
}

/** A ClusterOperation for one of the planner's pending operations (src/desired/plan-convergence.ts). */
function operationOf(cluster: string, kind: string, p: PendingOperation): ClusterOperation {
  const op = operationFor(cluster, kind, p.action, p.extraArgs);
  if (p.postHook) op.spec.postHook = p.postHook;
  return op;
}

/** The remove-node.yml run for a worker `node`, refused when it would leave no control plane or an even etcd. */
export function scaleIn(cluster: string, hostsText: string, node: string): Change<ClusterOperation> {
  const inv = (parse(hostsText) ?? {}) as Inventory;
  const refused = removalRefusal(cluster, inv, [node]);
  if (refused) return { refused };
  if (groupHosts(inv, 'kube_control_plane').includes(node)) return { refused: `${node} is a control plane: remove it with "Remove control planes" (kubean's delControlPlane reconfigures the rest)` };
  return { ok: operationFor(cluster, 'scale-in', 'remove-node.yml', `-e node=${node}`) };
}

/** hosts.yml with the new control planes (in kube_control_plane and etcd: stacked etcd), and kubean's addControlPlane run. */
export function growControlPlane(cluster: string, hostsText: string, rows: HostRow[]): Change<{ hostsText: string; operation: ClusterOperation }> {
  if (rows.length === 0) return { refused: 'add at least one control plane' };
  const problems = checkRows(rows.map((r) => ['Control plane', r] as const));
  const inv = (parse(hostsText) ?? {}) as Inventory;
  const hosts = inv.all?.hosts ?? {};
  for (const r of rows) if (r.name in hosts) problems.push(`Control plane ${r.name}: the cluster has a host of that name`);
  const etcd = groupHosts(inv, 'etcd').length + rows.length;
  if (etcd % 2 === 0) problems.push(`adding ${rows.length} would make ${etcd} etcd members: etcd needs an odd number (add them two at a time)`);
  if (problems.length > 0) return { refused: problems.join('; ') };
  const all = (inv.all ??= {});
  all.hosts = { ...hosts, ...Object.fromEntries(rows.map((r) => [r.name, { ip: r.ip, access_ip: r.ip, ansible_host: r.ip, ansible_user: r.user }])) };
  const children = (all.children ??= {});
  for (const group of ['kube_control_plane', 'etcd']) {
    const g = (children[group] ??= {});
    g.hosts = { ...(g.hosts ?? {}), ...Object.fromEntries(rows.map((r) => [r.name, null])) };
  }
  return { ok: { hostsText: stringify(inv), operation: operationOf(cluster, 'add-control-plane', addControlPlanesOperation(rows.map((r) => r.name))) } };
}

/** hosts.yml without `nodes` (every group), for once their removal has run. */
export function withoutHosts(hostsText: string, nodes: string[]): string {
  const inv = (parse(hostsText) ?? {}) as Inventory;
  for (const n of nodes) delete inv.all?.hosts?.[n];
  for (const g of Object.values(inv.all?.children ?? {})) for (const n of nodes) if (g?.hosts) delete g.hosts[n];
  return stringify(inv);
}

/**
 * kubean's delControlPlane for `nodes`: remove-node.yml now; once it has succeeded, hosts.yml
 * without them and cluster.yml, so the remaining hosts learn the new control-plane set.
 */
export function shrinkControlPlane(cluster: string, hostsText: string, nodes: string[]): Change<{ remove: ClusterOperation; then: { hostsText: string; operation: ClusterOperation } }> {
  const inv = (parse(hostsText) ?? {}) as Inventory;
  const refused = removalRefusal(cluster, inv, nodes);
  if (refused) return { refused };
  const planes = groupHosts(inv, 'kube_control_plane');
  const notPlanes = nodes.filter((n) => !planes.includes(n));
  if (notPlanes.length > 0) return { refused: `${notPlanes.join(', ')} ${notPlanes.length === 1 ? 'is not a control plane' : 'are not control planes'} of ${cluster}` };
  const remaining = Object.keys(inv.all?.hosts ?? {}).filter((h) => !nodes.includes(h));
  const [remove, reconfigure] = removeControlPlanesOperations(nodes, remaining);
  return { ok: { remove: operationOf(cluster, 'remove-control-plane', remove), then: { hostsText: withoutHosts(hostsText, nodes), operation: operationOf(cluster, 'reconfigure', reconfigure) } } };
}

const semver = (v: string): [number, number, number] | undefined => {
  const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
};

/** Why `current` → `target` is not an upgrade the console runs (higher, one minor at most); undefined if it is. */
export function upgradeRefusal(current: string, target: string): string | undefined {
  const to = semver(target);
  const from = semver(current);
  if (!to) return `${JSON.stringify(target)} is not a version like v1.33.2`;
  if (!from) return `the cluster's current version is unknown (${JSON.stringify(current)}): nothing to compare with`;
  const cmp = to[0] - from[0] || to[1] - from[1] || to[2] - from[2];
  if (to[0] !== from[0] || cmp <= 0) return `${target} is not higher than ${current}`;
  if (to[1] - from[1] > 1) return `${current} → ${target} skips a minor version: upgrade one minor at a time`;
  return undefined;
}

/** An upgrade runs only with the cluster's name typed (as a delete): undefined when it was. */
export function upgradeConfirmationRefusal(cluster: string, typed: unknown): string | undefined {
  return typed === cluster ? undefined : `type the cluster's name (${cluster}) to confirm the upgrade`;
}

/** The versions the bundle serves that `current` may upgrade to, lowest first. */
export function upgradeTargets(current: string, available: readonly string[]): string[] {
  const order = (a: string, b: string) => {
    const x = semver(a)!;
    const y = semver(b)!;
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  };
  return [...new Set(available)].filter((v) => upgradeRefusal(current, v) === undefined).sort(order);
}

/**
 * group_vars.yml with the new kube_version, and the upgrade-cluster.yml run: higher, one minor at
 * most, and (when the console knows them) one of the versions the bundle serves.
 */
export function upgrade(cluster: string, varsText: string, current: string, target: string, available: readonly string[] = []): Change<{ varsText: string; operation: ClusterOperation }> {
  const refused = upgradeRefusal(current, target);
  if (refused) return { refused };
  if (available.length > 0 && !available.includes(target)) return { refused: `the bundle does not serve ${target} (it serves ${available.join(', ')})` };
  const vars = ((parse(varsText) ?? {}) as Record<string, unknown>);
  vars.kube_version = target;
  return { ok: { varsText: stringify(vars), operation: operationFor(cluster, 'upgrade', 'upgrade-cluster.yml') } };
}
