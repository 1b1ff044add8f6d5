/**
 * A Cluster's status with what an observation saw: the node table, observedVersion, the observed
 * conditions, the nearest certificate date and the phase health implies. Pure: the observer
 * writes the result only when it differs from what the Cluster shows.
 */
import type { ClusterNodeStatus, ClusterStatus } from '../api/types.js';
import { healthOf } from '../status/cluster-health.js';
import { phaseObserved } from '../status/cluster-phase.js';
import { certificatesCondition, controlPlaneCondition, isControlPlane, nearestCertificate, setCondition, systemPodsCondition, workersCondition } from './cluster-conditions.js';
import type { Observation, ObservedNode } from './observation.js';

/** Nodes listed in status.nodes; nodeCount and readyNodeCount count every node. */
export const NODE_TABLE_LIMIT = 50;

/** Control planes first, then by name. */
function byRoleThenName(a: ObservedNode, b: ObservedNode): number {
  const cp = Number(isControlPlane(b)) - Number(isControlPlane(a));
  return cp !== 0 ? cp : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The first `limit` nodes for status.nodes, control planes first. */
export function nodeTable(nodes: readonly ObservedNode[], limit = NODE_TABLE_LIMIT): ClusterNodeStatus[] {
  return [...nodes]
    .sort(byRoleThenName)
    .slice(0, limit)
    .map((n) => ({
      name: n.name,
      ...(n.roles.length > 0 ? { roles: n.roles } : {}),
      ...(n.version ? { version: n.version } : {}),
      ready: n.ready,
      ...(n.address ? { address: n.address } : {}),
    }));
}

export function statusWithObservation(previous: ClusterStatus | undefined, o: Observation, now: Date, nodeLimit = NODE_TABLE_LIMIT): ClusterStatus {
  const at = now.toISOString();
  let conditions = previous?.clusterConditions;
  for (const c of [controlPlaneCondition(o), workersCondition(o), systemPodsCondition(o), certificatesCondition(o, now)]) conditions = setCondition(conditions, c, at);
  const status: ClusterStatus = { ...previous, clusterConditions: conditions };
  const phase = phaseObserved(previous?.phase, healthOf(conditions), healthOf(previous?.clusterConditions));
  if (phase) status.phase = phase;
  else delete status.phase;
  const nearest = nearestCertificate(o);
  if (nearest) {
    status.certificatesExpiry = nearest.notAfter;
    status.nearestCertificate = nearest.what;
  }
  // Unreachable: the last nodes and version seen stay, the conditions say they are not current.
  if (!o.reachable) return status;
  if (o.version) status.observedVersion = o.version;
  if (o.nodes) {
    const ready = o.nodes.filter((n) => n.ready).length;
    status.nodes = nodeTable(o.nodes, nodeLimit);
    status.nodeCount = o.nodes.length;
    status.readyNodeCount = ready;
    status.nodesReady = `${ready}/${o.nodes.length}`;
  }
  return status;
}
