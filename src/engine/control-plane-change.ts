/**
 * Whether an operation changes the control plane, so that every worker's nginx-proxy (kubespray's
 * local load balancer in front of all apiservers, a static pod) must be restarted after it: an
 * install always; a scale, removal or upgrade when the inventory's control-plane hosts differ from
 * those of the cluster's last successful operation (a digest kept in the Cluster's status). Pure.
 */
import { createHash } from 'node:crypto';
import { CONTROL_PLANE_GROUP, groupMembers, type Inventory } from '../inventory/inventory-model.js';
import type { OperationKind } from './kubespray-actions.js';

export const RESTART_NGINX_PROXY_PLAYBOOK = 'restart-nginx-proxy.yml';

/** Operations after whose success the Cluster's status records the control plane's digest. */
const CHANGES_CLUSTER: ReadonlySet<OperationKind> = new Set(['install', 'scale-out', 'scale-in', 'upgrade']);

/**
 * The address nginx-proxy's upstream uses for a control-plane host (kubespray:
 * access_ip, else ip, else the host's default address; ansible_host stands in for the latter).
 */
function apiserverAddress(vars: Record<string, unknown>): string {
  const v = vars.access_ip ?? vars.ip ?? vars.ansible_host ?? '';
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

/** sha256 over the sorted control-plane hosts with the address each apiserver is reached at. */
export function controlPlaneDigest(inv: Inventory): string {
  const members = groupMembers(inv, CONTROL_PLANE_GROUP)
    .filter((h) => inv.hosts.has(h))
    .map((h) => [h, apiserverAddress(inv.hosts.get(h)!.vars)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `sha256:${createHash('sha256').update(JSON.stringify(members)).digest('hex')}`;
}

export interface ProxyRestartInput {
  kind: OperationKind;
  digest: string;
  /** The digest the Cluster's status holds; undefined when no operation succeeded yet. */
  previous: string | undefined;
}

/**
 * Why the proxies must be restarted, or undefined. Without a previous digest only an install
 * restarts them: nothing says another operation changed a control plane Slipway never saw.
 */
export function proxyRestartReason(i: ProxyRestartInput): string | undefined {
  if (i.kind === 'install') return 'an install sets up the control plane';
  if (!CHANGES_CLUSTER.has(i.kind) || i.previous === undefined || i.previous === i.digest) return undefined;
  return "the control-plane hosts differ from the last successful operation's";
}

/**
 * The digest the Cluster's status keeps after an operation ended: the new one after a successful
 * install/scale/upgrade, none after a successful reset, the previous one otherwise.
 */
export function digestAfter(kind: OperationKind, succeeded: boolean, digest: string, previous: string | undefined): string | undefined {
  if (!succeeded) return previous;
  if (CHANGES_CLUSTER.has(kind)) return digest;
  return kind === 'reset' ? undefined : previous;
}
