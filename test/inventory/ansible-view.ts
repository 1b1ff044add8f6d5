import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UnsafeText, type RenderValue } from '../../src/api/ansible-yaml-tree.js';
import type { Inventory } from '../../src/inventory/inventory-model.js';

const run = promisify(execFile);
const VIEW = fileURLToPath(new URL('../../../test/fixtures/ansible-view.py', import.meta.url));
/** The Python that has Ansible installed (Debian's), not whatever python3 is first on PATH. */
const PYTHON = '/usr/bin/python3';
const ANSIBLE_ENV = {
  ...process.env,
  ANSIBLE_INVENTORY_ENABLED: 'yaml',
  ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true',
  ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'true',
  ANSIBLE_NOCOLOR: '1',
};

/** A value with its Python type spelled out (see test/fixtures/ansible-view.py). */
export type Typed =
  | { str: string }
  | { int: string }
  | { float: number }
  | { bool: boolean }
  | { null: null }
  | { list: Typed[] }
  | { dict: [Typed, Typed][] }
  | { other: string };

/** How Slipway's model says Ansible should see a value; dict entries sorted. */
export function typedModel(v: RenderValue): Typed {
  if (v === null) return { null: null };
  // Ansible reads an !unsafe string as a str (AnsibleUnsafeText).
  if (v instanceof UnsafeText) return { str: v.text };
  if (typeof v === 'boolean') return { bool: v };
  if (typeof v === 'string') return { str: v };
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? { int: String(v) } : { float: v };
  if (Array.isArray(v)) return { list: v.map(typedModel) };
  return sortDict({ dict: Object.entries(v).map(([k, x]) => [{ str: k }, typedModel(x)]) });
}

/** Python's view, floats as numbers and dict entries sorted, comparable with typedModel. */
function normalise(t: Typed): Typed {
  if ('float' in t) {
    const r = t.float as unknown as string;
    return { float: r === 'inf' ? Infinity : r === '-inf' ? -Infinity : r === 'nan' ? NaN : Number(r) };
  }
  if ('list' in t) return { list: t.list.map(normalise) };
  if ('dict' in t) return sortDict({ dict: t.dict.map(([k, v]) => [normalise(k), normalise(v)]) });
  return t;
}

function sortDict(t: { dict: [Typed, Typed][] }): Typed {
  return { dict: [...t.dict].sort(([a], [b]) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
}

export interface InventoryView {
  hostvars: Map<string, Typed>;
  /** group → direct hosts and children (sorted) and vars; "all" holds all.vars only. */
  groups: Map<string, GroupView>;
}

export interface GroupView {
  hosts: string[];
  children: string[];
  vars: Typed;
}

const NO_VARS: Typed = { dict: [] };

async function inTemp<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-ansible-view-'));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function view(mode: 'list' | 'vars', path: string): Promise<Typed> {
  const { stdout } = await run(PYTHON, [VIEW, mode, path], { maxBuffer: 256 * 1024 * 1024, env: ANSIBLE_ENV });
  return normalise(JSON.parse(stdout) as Typed);
}

/** `ansible-inventory --list` (the real one) over inventory text. Rejects if Ansible cannot parse it. */
export async function ansibleInventory(text: string): Promise<InventoryView> {
  return inTemp(async (dir) => {
    const inv = join(dir, 'hosts.yml');
    const out = join(dir, 'list.json');
    await writeFile(inv, text);
    await run('ansible-inventory', ['-i', inv, '--list', '--export', '--output', out], { env: ANSIBLE_ENV, maxBuffer: 64 * 1024 * 1024 });
    const listed = await view('list', out);
    const top = new Map((listed as { dict: [Typed, Typed][] }).dict.map(([k, v]) => [(k as { str: string }).str, v]));
    const hostvars = new Map<string, Typed>();
    const meta = top.get('_meta') as { dict: [Typed, Typed][] } | undefined;
    const hv = meta?.dict.find(([k]) => (k as { str: string }).str === 'hostvars')?.[1] as { dict: [Typed, Typed][] } | undefined;
    for (const [k, v] of hv?.dict ?? []) hostvars.set((k as { str: string }).str, v);
    const groups = new Map<string, GroupView>();
    for (const [name, body] of top) {
      if (name === '_meta') continue;
      const field = (f: string): Typed | undefined => (body as { dict: [Typed, Typed][] }).dict.find(([k]) => (k as { str: string }).str === f)?.[1];
      const names = (f: string): string[] => ((field(f) as { list: { str: string }[] } | undefined)?.list ?? []).map((x) => x.str).sort();
      groups.set(name, name === 'all' ? { hosts: [], children: [], vars: field('vars') ?? NO_VARS } : { hosts: names('hosts'), children: names('children'), vars: field('vars') ?? NO_VARS });
    }
    return { hostvars, groups };
  });
}

/** A vars file read the way `ansible-playbook -e @file` reads it (Ansible's DataLoader). */
export async function ansibleVars(text: string): Promise<Typed> {
  return inTemp(async (dir) => {
    const path = join(dir, 'group_vars.yml');
    await writeFile(path, text);
    return view('vars', path);
  });
}

/** What Slipway's model says `ansible-inventory --list` must show. */
export function expectedView(inv: Inventory): InventoryView {
  const hostvars = new Map<string, Typed>();
  for (const h of inv.hosts.values()) if (Object.keys(h.vars).length > 0) hostvars.set(h.name, typedModel(h.vars));
  const groups = new Map<string, GroupView>([['all', { hosts: [], children: [], vars: typedModel(inv.vars) }]]);
  for (const g of inv.groups.values()) groups.set(g.name, { hosts: [...g.hosts].sort(), children: [...g.children].sort(), vars: typedModel(g.vars) });
  return { hostvars, groups };
}

/** Every host name Ansible knows of, sorted. */
export function hostsOf(v: InventoryView): string[] {
  const all = new Set(v.hostvars.keys());
  for (const g of v.groups.values()) g.hosts.forEach((h) => all.add(h));
  return [...all].sort();
}
