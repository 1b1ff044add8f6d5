import type { RenderValue } from '../api/ansible-yaml-tree.js';
import { renderPyYaml } from '../api/render-pyyaml.js';
import type { Inventory } from './inventory-model.js';

/**
 * Renders the inventory ansible reads, from the parsed and policed model, never the user's
 * text: groups flat under all.children, each host's variables only under all.hosts.
 */
export function renderInventory(inv: Inventory): string {
  return renderPyYaml(inventoryData(inv));
}

/** The inventory as the plain data Ansible's yaml inventory plugin reads. */
export function inventoryData(inv: Inventory): RenderValue {
  const hosts = Object.fromEntries([...inv.hosts.values()].map((h) => [h.name, orNull(h.vars)]));
  const children = Object.fromEntries(
    [...inv.groups.values()].map((g) => {
      const body: Record<string, RenderValue> = {};
      if (g.hosts.length > 0) body.hosts = Object.fromEntries(g.hosts.map((h) => [h, null]));
      if (g.children.length > 0) body.children = Object.fromEntries(g.children.map((c) => [c, null]));
      if (Object.keys(g.vars).length > 0) body.vars = g.vars;
      return [g.name, orNull(body)];
    }),
  );
  const all: Record<string, RenderValue> = { hosts };
  if (Object.keys(children).length > 0) all.children = children;
  if (Object.keys(inv.vars).length > 0) all.vars = inv.vars;
  return { all };
}

function orNull(o: Record<string, RenderValue>): RenderValue {
  return Object.keys(o).length > 0 ? o : null;
}
