import { stringify } from 'yaml';
import type { Inventory } from './inventory-model.js';

const orNull = (vars: Record<string, unknown>): Record<string, unknown> | null =>
  Object.keys(vars).length > 0 ? vars : null;

/** Renders the inventory ansible reads, from the parsed (and policed) model, never raw text. */
export function renderInventory(inv: Inventory): string {
  const hosts: Record<string, unknown> = {};
  for (const h of inv.hosts.values()) hosts[h.name] = orNull(h.vars);
  const children: Record<string, unknown> = {};
  for (const g of inv.groups.values()) {
    const body: Record<string, unknown> = {};
    if (g.hosts.length > 0) body.hosts = Object.fromEntries(g.hosts.map((h) => [h, null]));
    if (g.children.length > 0) body.children = Object.fromEntries(g.children.map((c) => [c, null]));
    if (Object.keys(g.vars).length > 0) body.vars = g.vars;
    children[g.name] = orNull(body);
  }
  const all: Record<string, unknown> = { hosts };
  if (Object.keys(children).length > 0) all.children = children;
  if (Object.keys(inv.vars).length > 0) all.vars = inv.vars;
  return stringify({ all });
}
