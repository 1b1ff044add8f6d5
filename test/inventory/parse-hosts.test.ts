import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemList } from '../../src/api/input-error.js';
import { inputLimits, type InputLimits } from '../../src/api/input-limits.js';
import { readInventory } from '../../src/inventory/parse-hosts.js';

function read(text: string, limits: Partial<InputLimits> = {}) {
  const problems = new ProblemList();
  const inv = readInventory(text, problems.at({ object: 'ConfigMap ns/hosts', key: 'hosts.yml' }), inputLimits(limits));
  return { inv, problems: problems.items.filter((p) => p.severity === 'error') };
}

const hosts = (body: string, children = ''): string =>
  `all:\n  hosts:\n    node1:\n      ansible_host: 10.0.0.1\n${body}${children ? `  children:\n${children}` : ''}`;

/** Hostile or malformed inventories: the code, the line and (where it matters) the path. */
const HOSTILE: { name: string; text: string; code: string; line: number; path?: string; limits?: Partial<InputLimits> }[] = [
  {
    name: 'merge keys that would create hosts Slipway never saw',
    text: 'x: &evil\n  ansible_ssh_common_args: -o ProxyCommand=id\nall:\n  hosts:\n    node1:\n      <<: *evil\n',
    code: 'yaml-merge-key',
    line: 6,
  },
  { name: 'a host range', text: hosts('    node[0000000:0999999]:\n'), code: 'host-range', line: 5, path: 'all.hosts.node[0000000:0999999]' },
  { name: 'an alphabetic host range with a step', text: hosts('    web[a:z:2].example.com:\n'), code: 'host-range', line: 5 },
  { name: 'a host range in a group', text: hosts('', '    kube_node:\n      hosts:\n        w[1:3]:\n'), code: 'host-range', line: 8, path: 'all.children.kube_node.hosts.w[1:3]' },
  { name: 'a host:port key', text: hosts('    node2:2222:\n'), code: 'bad-host-name', line: 5 },
  { name: 'a host name with a space', text: hosts('    "node 2":\n'), code: 'bad-host-name', line: 5 },
  { name: 'a host name with a pattern character', text: hosts('    "node*":\n'), code: 'bad-host-name', line: 5 },
  { name: 'a host name with a newline', text: hosts('    "node\\n2":\n'), code: 'bad-host-name', line: 5 },
  { name: 'an IPv6 host name', text: hosts('    "fe80::1":\n'), code: 'bad-host-name', line: 5 },
  { name: 'a host name that is a YAML 1.1 integer', text: hosts('    0x10:\n'), code: 'yaml-non-string-key', line: 5 },
  { name: 'a host name that is a YAML 1.1 boolean', text: hosts('    yes:\n'), code: 'yaml-non-string-key', line: 5 },
  { name: 'a second top-level group', text: `${hosts('')}evil:\n  hosts:\n    localhost:\n`, code: 'unknown-inventory-key', line: 5, path: 'evil' },
  { name: 'an unknown key under all', text: `${hosts('')}  hostz:\n    x:\n`, code: 'unknown-inventory-key', line: 5, path: 'all.hostz' },
  { name: 'an unknown key in a group', text: hosts('', '    kube_node:\n      host:\n        node1:\n'), code: 'unknown-inventory-key', line: 7 },
  { name: 'host variables set in a group', text: hosts('', '    kube_node:\n      hosts:\n        node1:\n          ansible_connection: local\n'), code: 'group-host-vars', line: 8 },
  { name: 'a group defined twice', text: hosts('', '    g:\n      hosts: {node1: }\n    k8s:\n      children:\n        g:\n          vars: {x: 1}\n'), code: 'group-redefined', line: 10 },
  { name: 'a nested cycle', text: hosts('', '    a:\n      children:\n        b:\n          children:\n            a:\n'), code: 'group-cycle', line: 10 },
  { name: 'a cycle across definitions', text: hosts('', '    a:\n      children: {b: }\n    b:\n      children: {a: }\n'), code: 'group-cycle', line: 8 },
  { name: 'all as a child group', text: hosts('', '    a:\n      children:\n        all:\n'), code: 'group-cycle', line: 8 },
  { name: 'a group named like a host', text: hosts('', '    node1:\n      hosts: {node1: }\n'), code: 'group-host-clash', line: 6 },
  { name: 'a group name with a space', text: hosts('', '    "kube node":\n'), code: 'bad-group-name', line: 6 },
  { name: 'hosts as a list', text: 'all:\n  hosts:\n    - node1\n', code: 'bad-inventory', line: 3 },
  { name: 'host variables as a string', text: 'all:\n  hosts:\n    node1: ansible_host=1.2.3.4\n', code: 'bad-inventory', line: 3 },
  { name: 'no all', text: 'hosts:\n  node1:\n', code: 'bad-inventory', line: 1 },
  { name: 'an empty file', text: '', code: 'bad-inventory', line: 1 },
  {
    name: 'more hosts than the limit',
    text: `all:\n  hosts:\n${Array.from({ length: 11 }, (_, i) => `    n${i}:\n`).join('')}`,
    code: 'too-many-hosts',
    line: 2,
    limits: { maxHosts: 10 },
  },
  { name: 'more groups than the limit', text: hosts('', '    a:\n    b:\n    c:\n'), code: 'too-many-groups', line: 8, limits: { maxGroups: 2 } },
  {
    name: 'an alias bomb',
    text: `all:\n  vars:\n    a: &a [x, x, x, x, x, x, x, x]\n    b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n    c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n    d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n    e: [*d, *d, *d, *d, *d, *d, *d, *d]\n  hosts:\n    node1:\n`,
    code: 'yaml-alias-bomb',
    line: 7,
  },
];

describe('readInventory refuses hosts.yml that Ansible would read differently', () => {
  for (const c of HOSTILE) {
    it(c.name, () => {
      const { problems } = read(c.text, c.limits);
      const p = problems.find((x) => x.code === c.code);
      assert.ok(p, `codes: ${problems.map((x) => `${x.code}@${x.line}`).join(', ') || 'none'}`);
      assert.equal(p.line, c.line);
      assert.equal(p.key, 'hosts.yml');
      if (c.path) assert.equal(p.path, c.path);
      assert.ok(p.message.length < 200);
    });
  }
});

describe('readInventory reads what Ansible reads', () => {
  it('reads groups nested in children, and sections given as one name', () => {
    const { inv, problems } = read(
      hosts('    node2:\n      ansible_host: 10.0.0.2\n', '    k8s_cluster:\n      children:\n        kube_node:\n          hosts: node2\n          vars: {v: on}\n        kube_control_plane:\n          hosts: {node1: }\n'),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(inv!.groups.get('k8s_cluster')!.children, ['kube_node', 'kube_control_plane']);
    assert.deepEqual(inv!.groups.get('kube_node')!.hosts, ['node2']);
    assert.deepEqual(inv!.groups.get('kube_node')!.vars, { v: true });
    assert.equal(inv!.groups.get('kube_control_plane')!.hostLines.node1, 14);
  });

  it('types host variables as YAML 1.1 (what reaches the policy)', () => {
    const { inv } = read('all:\n  hosts:\n    node1:\n      ansible_host: 0x7f_00_00_01\n      ansible_port: 0_22\n      ansible_become: yes\n');
    assert.deepStrictEqual(inv!.hosts.get('node1')!.vars, { ansible_host: 2130706433, ansible_port: 18, ansible_become: true });
  });
});
