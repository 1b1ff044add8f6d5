import { entryOf, isNull, plainVars, type YamlEntry, type YamlMap } from '../api/ansible-yaml-tree.js';
import { ProblemList, clip, type ProblemSink } from '../api/input-error.js';
import { checkTextSize, inputLimits, type InputLimits } from '../api/input-limits.js';
import { readAnsibleYaml } from '../api/read-ansible-yaml.js';
import type { SourcedText } from '../api/resolve-input.js';
import type { Inventory, InventoryGroup } from './inventory-model.js';
import { groupNameProblem, hostNameProblem } from './inventory-names.js';

export type InventoryLimits = Pick<InputLimits, 'maxHosts' | 'maxGroups' | 'maxAliasNodes' | 'maxDepth'>;

const SECTIONS = new Set(['hosts', 'children', 'vars']);

/**
 * Reads a kubean/kubespray hosts.yml (`all.hosts`, `all.vars`, `all.children.<group>`, groups
 * nested in children as Ansible's yaml plugin allows) into an Inventory, typed as Ansible
 * types it. Whatever Ansible would read differently or Slipway would not carry is reported:
 * keys outside hosts/children/vars, host ranges and odd names, host variables set in a group,
 * a group defined twice, cycles, a group named like a host, more than `maxHosts` hosts.
 * Returns undefined when the shape is unusable; problems go to `problems`.
 */
export function readInventory(text: string, problems: ProblemSink, limits: InventoryLimits): Inventory | undefined {
  const root = readAnsibleYaml(text, problems, limits);
  if (!root) return undefined;
  if (root.kind !== 'map' || !entryOf(root, 'all')) {
    problems.error('bad-inventory', 'the inventory has no top-level "all" mapping', { line: root.line });
    return undefined;
  }
  for (const e of root.entries) {
    if (e.key !== 'all') unknownKey(problems, e, '', 'Ansible reads it as another group; define groups under all.children');
  }
  const all = entryOf(root, 'all')!.value;
  if (!isNull(all) && all.kind !== 'map') {
    problems.error('bad-inventory', 'must be a mapping with hosts, children and vars', { line: all.line, path: 'all' });
    return undefined;
  }
  const reader = new InventoryReader(problems, limits);
  return reader.read(all.kind === 'map' ? all : undefined);
}

/** Driver for callers outside the planner: reads hosts.yml or throws one InputError. */
export function parseHosts(src: SourcedText, limits: Partial<InputLimits> = {}): Inventory {
  const problems = new ProblemList();
  const sink = problems.at({ object: src.object, key: src.key });
  const bounds = inputLimits(limits);
  const inv = checkTextSize(src.text, bounds.maxTextBytes, sink) ? readInventory(src.text, sink, bounds) : undefined;
  problems.throwIfErrors();
  return inv!;
}

function unknownKey(problems: ProblemSink, e: YamlEntry, path: string, why: string): void {
  problems.error('unknown-inventory-key', `key ${clip(e.key, 40)} is not hosts, children or vars: ${why}`, {
    line: e.keyLine,
    path: path ? `${path}.${e.key}` : e.key,
  });
}

class InventoryReader {
  private readonly inv: Inventory = { hosts: new Map(), groups: new Map(), vars: {} };
  /** Groups whose body (hosts, children, vars) has been read; a second body is refused. */
  private readonly defined = new Set<string>();
  private tooManyGroups = false;

  constructor(
    private readonly problems: ProblemSink,
    private readonly limits: InventoryLimits,
  ) {}

  read(all: YamlMap | undefined): Inventory | undefined {
    for (const e of all?.entries ?? []) if (!SECTIONS.has(e.key)) unknownKey(this.problems, e, 'all', 'Ansible would skip it');
    const hosts = this.section(all, 'hosts', 'all');
    if (hosts && hosts.length > this.limits.maxHosts) {
      this.problems.error('too-many-hosts', `lists ${hosts.length} hosts; the limit is ${this.limits.maxHosts}`, {
        line: entryOf(all!, 'hosts')!.keyLine,
        path: 'all.hosts',
      });
      return undefined;
    }
    for (const h of hosts ?? []) this.host(h);
    this.inv.vars = this.vars(all, 'all');
    for (const g of this.section(all, 'children', 'all') ?? []) this.group(g, 'all.children', []);
    this.checkCycles();
    for (const g of this.inv.groups.values()) {
      if (this.inv.hosts.has(g.name)) {
        this.problems.error('group-host-clash', `group ${clip(g.name, 40)} has the name of a host; host patterns could not tell them apart`, {
          line: g.line,
        });
      }
    }
    return this.inv;
  }

  /** Entries of a hosts or children section; Ansible also accepts a single name as a string. */
  private section(body: YamlMap | undefined, name: 'hosts' | 'children', path: string): YamlEntry[] | undefined {
    const e = body && entryOf(body, name);
    if (!e || isNull(e.value)) return undefined;
    const v = e.value;
    if (v.kind === 'map') return v.entries;
    if (v.kind === 'scalar' && typeof v.value === 'string') return [{ key: v.value, keyLine: v.line, value: { kind: 'scalar', value: null, line: v.line } }];
    this.problems.error('bad-inventory', `must be a mapping of ${name === 'hosts' ? 'host' : 'group'} names`, { line: v.line, path: `${path}.${name}` });
    return undefined;
  }

  private vars(body: YamlMap | undefined, path: string): Inventory['vars'] {
    const e = body && entryOf(body, 'vars');
    if (!e || isNull(e.value)) return {};
    if (e.value.kind !== 'map') {
      this.problems.error('bad-inventory', 'must be a mapping of variables', { line: e.value.line, path: `${path}.vars` });
      return {};
    }
    return plainVars(e.value);
  }

  private nameOk(e: YamlEntry, path: string, problem: { code: string; message: string } | undefined): boolean {
    if (problem) this.problems.error(problem.code, problem.message, { line: e.keyLine, path: `${path}.${e.key}` });
    return !problem;
  }

  private host(e: YamlEntry): void {
    if (!this.nameOk(e, 'all.hosts', hostNameProblem(e.key))) return;
    if (!isNull(e.value) && e.value.kind !== 'map') {
      this.problems.error('bad-inventory', 'must be a mapping of variables', { line: e.value.line, path: `all.hosts.${e.key}` });
      return;
    }
    this.inv.hosts.set(e.key, { name: e.key, vars: plainVars(e.value.kind === 'map' ? e.value : undefined), line: e.keyLine });
  }

  private group(e: YamlEntry, parentPath: string, ancestors: string[]): string | undefined {
    const name = e.key;
    const path = `${parentPath}.${name}`;
    if (!this.nameOk(e, parentPath, groupNameProblem(name))) return undefined;
    if (ancestors.includes(name)) {
      this.problems.error('group-cycle', `group ${clip(name, 40)} is its own descendant`, { line: e.keyLine, path });
      return undefined;
    }
    let g = this.inv.groups.get(name);
    if (!g) {
      if (this.inv.groups.size >= this.limits.maxGroups) {
        if (!this.tooManyGroups) this.problems.error('too-many-groups', `defines more than ${this.limits.maxGroups} groups`, { line: e.keyLine, path });
        this.tooManyGroups = true;
        return undefined;
      }
      g = { name, hosts: [], children: [], vars: {}, line: e.keyLine, hostLines: {} };
      this.inv.groups.set(name, g);
    }
    if (isNull(e.value)) return name;
    if (e.value.kind !== 'map') {
      this.problems.error('bad-inventory', 'a group must be a mapping with hosts, children and vars', { line: e.keyLine, path });
      return name;
    }
    if (this.defined.has(name)) {
      this.problems.error('group-redefined', `group ${clip(name, 40)} is defined a second time; define each group once`, { line: e.keyLine, path });
      return name;
    }
    this.defined.add(name);
    g.line = e.keyLine;
    this.body(g, e.value, path, [...ancestors, name]);
    return name;
  }

  private body(g: InventoryGroup, body: YamlMap, path: string, ancestors: string[]): void {
    for (const e of body.entries) if (!SECTIONS.has(e.key)) unknownKey(this.problems, e, path, 'Ansible would skip it');
    for (const h of this.section(body, 'hosts', path) ?? []) {
      if (!this.nameOk(h, `${path}.hosts`, hostNameProblem(h.key))) continue;
      if (!isNull(h.value)) {
        this.problems.error('group-host-vars', 'host variables belong under all.hosts; list the host here with no value', {
          line: h.keyLine,
          path: `${path}.hosts.${h.key}`,
        });
        continue;
      }
      if (!g.hosts.includes(h.key)) g.hosts.push(h.key);
      g.hostLines[h.key] = h.keyLine;
    }
    for (const c of this.section(body, 'children', path) ?? []) {
      const child = this.group(c, `${path}.children`, ancestors);
      if (child !== undefined && !g.children.includes(child)) g.children.push(child);
    }
    g.vars = this.vars(body, path);
  }

  /** Cycles through groups defined in different places (a → b here, b → a there). */
  private checkCycles(): void {
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string): void => {
      state.set(name, 'visiting');
      const g = this.inv.groups.get(name)!;
      for (const c of g.children) {
        if (!this.inv.groups.has(c) || state.get(c) === 'done') continue;
        if (state.get(c) === 'visiting') {
          this.problems.error('group-cycle', `group ${clip(c, 40)} is its own descendant (through ${clip(name, 40)})`, { line: g.line });
          continue;
        }
        visit(c);
      }
      state.set(name, 'done');
    };
    for (const name of this.inv.groups.keys()) if (!state.has(name)) visit(name);
  }
}
