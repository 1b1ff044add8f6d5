/**
 * The plan for one Cluster from its inputs and its status as last observed: what `slipway diff`
 * prints. Reads; changes nothing.
 */
import { createHash } from 'node:crypto';
import { describeObject } from '../api/input-error.js';
import { hasControlPlaneRole } from '../api/node-roles.js';
import type { ObjectSource } from '../api/object-source.js';
import { HOSTS_KEY, VARS_KEY, type SourcedText } from '../api/resolve-input.js';
import type { Cluster, ObjectRef } from '../api/types.js';
import type { ConvergencePlan, ObservedCluster, ReconcileMode } from './convergence-types.js';
import { desiredFromInputs } from './desired-from-inputs.js';
import { planConvergence } from './plan-convergence.js';
import { reconcileSwitches } from './reconcile-annotations.js';

export interface ClusterDiff {
  cluster: string;
  mode: ReconcileMode;
  plan: ConvergencePlan;
  /** Of the hosts and vars text the plan was computed from: what a generated operation was planned for. */
  fingerprint: string;
}

export interface DiffOptions {
  /** Releases a chained upgrade may pass through (the bundle's); the wanted version is always one. */
  availableVersions: readonly string[];
  maxRemovalsWithoutApproval: number;
}

export class DiffError extends Error {}

export async function clusterDiff(cluster: Cluster, source: ObjectSource, opts: DiffOptions): Promise<ClusterDiff> {
  const name = cluster.metadata.name ?? '?';
  const switches = reconcileSwitches(cluster);
  if ('problem' in switches) throw new DiffError(switches.problem);
  const [hosts, vars] = await Promise.all([keyText(source, cluster.spec.hostsConfRef, HOSTS_KEY), keyText(source, cluster.spec.varsConfRef, VARS_KEY)]);
  const desired = desiredFromInputs(hosts, vars);
  const plan = planConvergence(desired, observedFromStatus(cluster), {
    paused: switches.paused,
    approvedRemovals: switches.approvedRemovals,
    maxRemovalsWithoutApproval: opts.maxRemovalsWithoutApproval,
    availableVersions: [...opts.availableVersions, desired.version],
  });
  return { cluster: name, mode: switches.mode, plan, fingerprint: inputsFingerprint(hosts.text, vars.text) };
}

/** The cluster as its status last recorded it (the controller's observer writes it). */
export function observedFromStatus(cluster: Cluster): ObservedCluster {
  const status = cluster.status ?? {};
  const installed = status.kubeconfigSecretRef !== undefined;
  const nodes = status.nodes ?? [];
  const complete = status.nodeCount !== undefined && status.nodeCount === nodes.length;
  const controlPlaneAvailable = status.clusterConditions?.find((c) => c.type === 'ControlPlaneAvailable');
  const base = { installed, ...(status.observedVersion ? { version: status.observedVersion } : {}) };
  if (!complete) {
    const why = status.nodeCount === undefined ? 'no node table has been observed yet' : `the status lists ${nodes.length} of ${status.nodeCount} nodes`;
    return { ...base, unreadable: why };
  }
  if (controlPlaneAvailable?.status === 'Unknown') return { ...base, unreadable: controlPlaneAvailable.message ?? 'the cluster could not be reached' };
  const observed = nodes.map((n) => ({ name: n.name, controlPlane: hasControlPlaneRole(n.roles) }));
  // Removals are shown for every node the cluster has; carrying one out takes its hosts.yml entry.
  return { ...base, nodes: observed, applied: observed.map((n) => ({ ...n, etcd: n.controlPlane, worker: !n.controlPlane })) };
}

function inputsFingerprint(hosts: string, vars: string): string {
  return createHash('sha256').update(hosts).update('\0').update(vars).digest('hex').slice(0, 16);
}

async function keyText(source: ObjectSource, ref: ObjectRef, key: string): Promise<SourcedText> {
  const object = describeObject('ConfigMap', ref.name, ref.namespace);
  const cm = await source.getConfigMap(ref);
  const text = cm?.data?.[key];
  if (text === undefined) throw new DiffError(`${object}: ${cm ? `has no key ${key}` : 'not found'}`);
  return { text, object, key };
}
