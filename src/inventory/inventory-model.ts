/**
 * The kubean/kubespray hosts.yml inventory, as Ansible reads it (YAML 1.1 types: variable
 * values are strings, numbers, booleans, null, arrays and plain objects).
 */
import type { RenderValue } from '../api/ansible-yaml-tree.js';

/** Checked values; after the template guard some strings are UnsafeText (render-only). */
export type Vars = Record<string, RenderValue>;

export interface InventoryHost {
  name: string;
  vars: Vars;
  line?: number;
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed directly under the group's `hosts:`. */
  hosts: string[];
  children: string[];
  vars: Vars;
  line?: number;
  /** Line of each directly listed host, for messages. */
  hostLines: Record<string, number>;
}

export interface Inventory {
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** `all.vars`. */
  vars: Vars;
}

/** kubespray's groups, which Slipway's playbooks use too. */
export const CONTROL_PLANE_GROUP = 'kube_control_plane';
export const WORKER_GROUP = 'kube_node';
export const ETCD_GROUP = 'etcd';
export const K8S_CLUSTER_GROUP = 'k8s_cluster';

/** Every host of a group, through its children, in first-seen order. */
export function groupMembers(inv: Inventory, group: string, seen = new Set<string>()): string[] {
  if (group === 'all') return [...inv.hosts.keys()];
  const g = inv.groups.get(group);
  if (!g || seen.has(group)) return [];
  seen.add(group);
  const out = new Set(g.hosts);
  for (const child of g.children) for (const h of groupMembers(inv, child, seen)) out.add(h);
  return [...out];
}

/** The address ansible will connect to. */
export function hostAddress(h: InventoryHost): string | undefined {
  const v = h.vars.ansible_host ?? h.vars.ansible_ssh_host ?? h.vars.ip ?? h.vars.access_ip;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}
