import type { ProblemList } from '../api/input-error.js';
import type { SourcedText } from '../api/resolve-input.js';
import {
  CONTROL_PLANE_GROUP,
  ETCD_GROUP,
  groupMembers,
  hostAddress,
  type Inventory,
} from './inventory-model.js';

export interface InventoryCheckContext {
  /** remove-node.yml / reset.yml: an even etcd count is expected mid-removal, so only a warning. */
  removing: boolean;
}

/**
 * The cluster-shape rules every operation needs: groups name only known hosts, addresses are
 * unique, there is a control plane, and etcd keeps a quorum-friendly odd size.
 */
export function validateInventory(
  inv: Inventory,
  src: SourcedText,
  ctx: InventoryCheckContext,
  problems: ProblemList,
): void {
  const base = { object: src.object, key: src.key };
  if (inv.hosts.size === 0) {
    problems.error({ ...base, code: 'no-hosts', message: 'all.hosts lists no host' });
  }
  for (const g of inv.groups.values()) {
    for (const h of g.hosts) {
      if (!inv.hosts.has(h)) {
        problems.error({
          ...base,
          code: 'host-not-in-hosts',
          line: g.hostLines[h] ?? g.line,
          message: `host ${JSON.stringify(h)} is in group ${g.name} but not in all.hosts`,
        });
      }
    }
    for (const c of g.children) {
      if (!inv.groups.has(c)) {
        problems.warning({ ...base, code: 'unknown-child-group', line: g.line, message: `group ${g.name} lists child group ${JSON.stringify(c)}, which is not defined` });
      }
    }
  }

  const seen = new Map<string, string>();
  for (const h of inv.hosts.values()) {
    const address = hostAddress(h);
    if (address === undefined) {
      problems.error({ ...base, code: 'no-address', line: h.line, message: `host ${h.name} has none of ansible_host, ip, access_ip` });
      continue;
    }
    const port = String(h.vars.ansible_port ?? h.vars.ansible_ssh_port ?? 22);
    const endpoint = `${address}:${port}`;
    const ip = typeof h.vars.ip === 'string' ? h.vars.ip : undefined;
    for (const k of new Set([endpoint, ...(ip ? [`ip ${ip}`] : [])])) {
      const other = seen.get(k);
      if (other) {
        problems.error({
          ...base,
          code: 'duplicate-address',
          line: h.line,
          message: `hosts ${other} and ${h.name} share the address ${k.replace(/^ip /, '')}`,
        });
      } else {
        seen.set(k, h.name);
      }
    }
  }

  const controlPlane = groupMembers(inv, CONTROL_PLANE_GROUP).filter((h) => inv.hosts.has(h));
  if (controlPlane.length === 0) {
    problems.error({
      ...base,
      code: 'no-control-plane',
      line: inv.groups.get(CONTROL_PLANE_GROUP)?.line,
      message: `group ${CONTROL_PLANE_GROUP} has no host: a cluster needs at least one control-plane node`,
    });
  }
  const etcd = groupMembers(inv, ETCD_GROUP).filter((h) => inv.hosts.has(h));
  if (etcd.length % 2 === 0) {
    const p = {
      ...base,
      code: 'even-etcd',
      line: inv.groups.get(ETCD_GROUP)?.line,
      message: `group ${ETCD_GROUP} has ${etcd.length} hosts; etcd needs an odd number (1, 3, 5) to keep quorum`,
    };
    if (ctx.removing && etcd.length > 0) problems.warning(p);
    else problems.error(p);
  }
}
