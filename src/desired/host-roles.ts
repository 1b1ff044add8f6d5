/** Each inventory host's roles, from kubespray's groups (through their children). */
import { CONTROL_PLANE_GROUP, ETCD_GROUP, WORKER_GROUP, groupMembers, type Inventory } from '../inventory/inventory-model.js';
import type { HostRoles } from './convergence-types.js';

export function hostRoles(inv: Inventory): HostRoles[] {
  const controlPlanes = new Set(groupMembers(inv, CONTROL_PLANE_GROUP));
  const etcd = new Set(groupMembers(inv, ETCD_GROUP));
  const workers = new Set(groupMembers(inv, WORKER_GROUP));
  return [...inv.hosts.keys()].map((name) => ({ name, controlPlane: controlPlanes.has(name), etcd: etcd.has(name), worker: workers.has(name) }));
}
