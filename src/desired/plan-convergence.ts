/**
 * The declarative path's one decision, pure: the ClusterOperations that take a cluster from
 * what it is (observed) to what its inputs say (desired), in order, each with its reason.
 *
 * Order: workers that leave go first (nothing is upgraded only to be removed); then the
 * upgrade, one minor per operation (kubeadm's rule), so that every join after it is at the new
 * version; then control planes join before others leave (etcd grows before it shrinks, and the
 * last control plane is never removed), and the remaining ones are reconfigured as kubean's
 * delControlPlane does; new workers join last.
 */
import { upgradePath } from './kube-version.js';
import type { ConvergenceGuards, ConvergencePlan, DesiredCluster, ObservedCluster, PendingOperation } from './convergence-types.js';

const ADD_CONTROL_PLANE_ARGS = '--limit=etcd,kube_control_plane -e ignore_assert_errors=true';

export function planConvergence(desired: DesiredCluster, observed: ObservedCluster, guards: ConvergenceGuards): ConvergencePlan {
  if (guards.paused) return { operations: [], blocked: [], paused: true };
  const blocked = shapeProblems(desired);
  if (blocked.length > 0) return { operations: [], blocked, paused: false };
  if (!observed.installed) {
    const names = desired.hosts.map((h) => h.name);
    return { operations: [{ kind: 'install', action: 'cluster.yml', hosts: names, reason: `the cluster is not installed yet: install ${desired.version} on ${names.length} hosts` }], blocked, paused: false };
  }
  if (!observed.nodes) return { operations: [], blocked, paused: false, waiting: `the cluster's nodes could not be read${observed.unreadable ? `: ${observed.unreadable}` : ''}` };

  const wanted = new Map(desired.hosts.filter((h) => h.controlPlane || h.worker).map((h) => [h.name, h]));
  const present = new Map(observed.nodes.map((n) => [n.name, n]));
  for (const [name, node] of present) {
    const want = wanted.get(name);
    if (want && want.controlPlane !== node.controlPlane) {
      blocked.push(`node ${name} would change from ${node.controlPlane ? 'control plane' : 'worker'} to ${want.controlPlane ? 'control plane' : 'worker'}: no playbook does that in place; remove it, then add it again`);
    }
  }
  const leaving = [...present.values()].filter((n) => !wanted.has(n.name));
  const applied = new Map((observed.applied ?? []).map((h) => [h.name, h]));
  for (const n of leaving) {
    if (!applied.has(n.name)) blocked.push(`node ${n.name} is in the cluster but in no hosts.yml Slipway ran with: put it back in the hosts ConfigMap to remove it with remove-node.yml, or remove it by hand`);
  }
  const addControlPlanes = [...wanted.values()].filter((h) => h.controlPlane && !present.has(h.name)).map((h) => h.name);
  const addWorkers = [...wanted.values()].filter((h) => !h.controlPlane && !present.has(h.name)).map((h) => h.name);
  const removeControlPlanes = leaving.filter((n) => n.controlPlane).map((n) => n.name);
  const removeWorkers = leaving.filter((n) => !n.controlPlane).map((n) => n.name);

  const upgrades: PendingOperation[] = [];
  if (observed.version) {
    const path = upgradePath(observed.version, desired.version, guards.availableVersions);
    if ('problem' in path) blocked.push(path.problem);
    else {
      path.steps.forEach((version, i) =>
        upgrades.push({
          kind: 'upgrade',
          action: 'upgrade-cluster.yml',
          extraArgs: `-e kube_version=${version}`,
          hosts: [...present.keys()].filter((n) => !removeWorkers.includes(n)),
          reason:
            path.steps.length > 1
              ? `upgrade to ${version}, ${i + 1} of ${path.steps.length} on the way from ${i === 0 ? observed.version : path.steps[i - 1]} to ${desired.version} (one minor per upgrade)`
              : `kube_version is ${version}; the cluster runs ${observed.version}`,
        }),
      );
    }
  }
  if (blocked.length > 0) return { operations: [], blocked, paused: false };

  const approval = removalApproval(removeControlPlanes, removeWorkers, guards);
  const operations: PendingOperation[] = [];
  if (removeWorkers.length > 0) {
    operations.push({
      kind: 'remove-workers',
      action: 'remove-node.yml',
      extraArgs: `-e node=${removeWorkers.join(',')}`,
      hosts: removeWorkers,
      reason: `${list(removeWorkers)} ${removeWorkers.length === 1 ? 'is' : 'are'} no longer in hosts.yml: drained and removed`,
      ...(approval ? { needsApproval: approval } : {}),
    });
  }
  operations.push(...upgrades);
  if (addControlPlanes.length > 0) operations.push(addControlPlanesOperation(addControlPlanes));
  if (removeControlPlanes.length > 0) operations.push(...removeControlPlanesOperations(removeControlPlanes, [...wanted.keys()], approval));
  if (addWorkers.length > 0) {
    operations.push({
      kind: 'add-workers',
      action: 'scale.yml',
      extraArgs: `--limit=${addWorkers.join(',')}`,
      hosts: addWorkers,
      reason: `${list(addWorkers)} ${addWorkers.length === 1 ? 'is a new worker' : 'are new workers'} in hosts.yml: only ${addWorkers.length === 1 ? 'it is' : 'they are'} touched`,
    });
  }
  return { operations, blocked, paused: false };
}

/** kubean's addControlPlane: cluster.yml limited to etcd and the control planes, then upgrade-cluster.yml with the same limit. */
export function addControlPlanesOperation(names: string[]): PendingOperation {
  return {
    kind: 'add-control-planes',
    action: 'cluster.yml',
    extraArgs: ADD_CONTROL_PLANE_ARGS,
    postHook: [{ actionType: 'playbook', action: 'upgrade-cluster.yml', extraArgs: ADD_CONTROL_PLANE_ARGS }],
    hosts: names,
    reason: `${list(names)} ${names.length === 1 ? 'is a new control plane' : 'are new control planes'} in hosts.yml (kubean's addControlPlane)`,
  };
}

/** kubean's delControlPlane: remove-node.yml for them (with their etcd members), then cluster.yml so the `remaining` hosts learn the new set. */
export function removeControlPlanesOperations(names: string[], remaining: string[], approval?: string): [PendingOperation, PendingOperation] {
  return [
    {
      kind: 'remove-control-planes',
      action: 'remove-node.yml',
      extraArgs: `-e node=${names.join(',')}`,
      hosts: names,
      reason: `control plane ${list(names)} ${names.length === 1 ? 'is' : 'are'} no longer in hosts.yml: removed with ${names.length === 1 ? 'its' : 'their'} etcd member${names.length === 1 ? '' : 's'}`,
      ...(approval ? { needsApproval: approval } : {}),
    },
    {
      kind: 'reconfigure-control-plane',
      action: 'cluster.yml',
      hosts: remaining,
      reason: `the remaining nodes learn the new control-plane set (kubean's delControlPlane, second step)`,
    },
  ];
}

/** What a desired shape must be, whatever the cluster is now. */
function shapeProblems(desired: DesiredCluster): string[] {
  const problems: string[] = [];
  const controlPlanes = desired.hosts.filter((h) => h.controlPlane);
  const etcd = desired.hosts.filter((h) => h.etcd);
  if (controlPlanes.length === 0) problems.push('hosts.yml has no host in kube_control_plane: a cluster keeps at least one control plane');
  if (etcd.length === 0) problems.push('hosts.yml has no host in etcd');
  else if (etcd.length % 2 === 0) problems.push(`hosts.yml puts ${etcd.length} hosts in etcd (${list(etcd.map((h) => h.name))}): keep it odd, so that a majority survives a failure`);
  return problems;
}

/** Why the removals need approval (annotation slipway.io/approve-removal naming every node), or undefined. */
function removalApproval(controlPlanes: string[], workers: string[], guards: ConvergenceGuards): string | undefined {
  const removed = [...controlPlanes, ...workers];
  if (removed.length === 0 || removed.every((n) => guards.approvedRemovals.includes(n))) return undefined;
  if (controlPlanes.length > 0) return `removing control plane ${list(controlPlanes)} needs approval: annotate the Cluster slipway.io/approve-removal=${removed.join(',')}`;
  if (removed.length > guards.maxRemovalsWithoutApproval) return `removing ${removed.length} nodes at once (more than ${guards.maxRemovalsWithoutApproval}) needs approval: annotate the Cluster slipway.io/approve-removal=${removed.join(',')}`;
  return undefined;
}

function list(names: string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}

