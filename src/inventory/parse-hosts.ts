import { isMap, isScalar, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { ProblemList } from '../api/input-error.js';
import type { SourcedText } from '../api/resolve-input.js';
import { reportYamlErrors } from '../api/yaml-errors.js';
import type { Inventory, InventoryGroup } from './inventory-model.js';

function asMap(node: unknown): YAMLMap | undefined {
  return isMap(node) ? node : undefined;
}

function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && (node.value === null || node.value === ''));
}

function plain(node: unknown): Record<string, unknown> {
  if (isEmpty(node)) return {};
  const m = asMap(node);
  return m ? (m.toJSON() as Record<string, unknown>) : {};
}

/**
 * Parses a kubean/kubespray hosts.yml (`all.hosts`, `all.children.<group>.hosts|children|vars`)
 * into an Inventory, reporting malformed YAML and shapes with their lines.
 */
export function parseHosts(src: SourcedText): Inventory {
  const problems = new ProblemList();
  const lc = new LineCounter();
  const doc = parseDocument(src.text, { lineCounter: lc, prettyErrors: false });
  const at = (node: Node | undefined | null): number | undefined =>
    node?.range ? lc.linePos(node.range[0]).line : undefined;
  const fail = (code: string, message: string, line?: number): never => {
    problems.error({ code, object: src.object, key: src.key, ...(line !== undefined ? { line } : {}), message });
    problems.throwIfErrors();
    throw new Error('unreachable');
  };
  reportYamlErrors(doc.errors, lc, { object: src.object, key: src.key }, problems);
  problems.throwIfErrors();
  const root = asMap(doc.contents);
  const all = asMap(root?.get('all', true));
  if (!all) fail('bad-inventory', 'the inventory has no top-level "all" mapping', at(doc.contents));

  const inv: Inventory = { hosts: new Map(), groups: new Map(), vars: plain(all!.get('vars', true)) };
  const hostsNode = all!.get('hosts', true);
  const hosts = asMap(hostsNode);
  if (!hosts && !isEmpty(hostsNode)) fail('bad-inventory', 'all.hosts must be a mapping of host names', at(hostsNode as Node));
  for (const pair of hosts?.items ?? []) {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const value = pair.value as Node | null;
    if (!isEmpty(value) && !asMap(value)) {
      problems.error({ code: 'bad-inventory', object: src.object, key: src.key, line: at(value), message: `all.hosts.${name} must be a mapping of variables` });
      continue;
    }
    inv.hosts.set(name, { name, vars: plain(value), line: at(pair.key as Node) });
  }

  const childrenNode = all!.get('children', true);
  for (const pair of asMap(childrenNode)?.items ?? []) {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const group: InventoryGroup = { name, hosts: [], children: [], vars: {}, line: at(pair.key as Node), hostLines: {} };
    const body = asMap(pair.value);
    if (!body && !isEmpty(pair.value)) {
      problems.error({ code: 'bad-inventory', object: src.object, key: src.key, line: group.line, message: `group ${name} must be a mapping` });
      continue;
    }
    for (const h of asMap(body?.get('hosts', true))?.items ?? []) {
      const hostName = String(isScalar(h.key) ? h.key.value : h.key);
      group.hosts.push(hostName);
      const line = at(h.key as Node);
      if (line !== undefined) group.hostLines[hostName] = line;
    }
    for (const c of asMap(body?.get('children', true))?.items ?? []) {
      group.children.push(String(isScalar(c.key) ? c.key.value : c.key));
    }
    group.vars = plain(body?.get('vars', true));
    inv.groups.set(name, group);
  }
  problems.throwIfErrors();
  return inv;
}
