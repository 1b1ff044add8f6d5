import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemList } from '../../src/api/input-error.js';
import { inputLimits } from '../../src/api/input-limits.js';
import { renderPyYaml } from '../../src/api/render-pyyaml.js';
import { plainVars } from '../../src/api/ansible-yaml-tree.js';
import { readAnsibleYaml } from '../../src/api/read-ansible-yaml.js';
import type { Inventory } from '../../src/inventory/inventory-model.js';
import { readInventory } from '../../src/inventory/parse-hosts.js';
import { renderInventory } from '../../src/inventory/render-inventory.js';
import { ansibleInventory, ansibleVars, expectedView, hostsOf, typedModel, type InventoryView } from './ansible-view.js';

/**
 * The real Ansible (ansible-inventory, its DataLoader) against Slipway's model: for inputs
 * Slipway accepts, Ansible must read both the user's text and Slipway's rendering as exactly
 * the model Slipway checked.
 */

function read(text: string): Inventory {
  const problems = new ProblemList();
  const inv = readInventory(text, problems.at({ object: 'test', key: 'hosts.yml' }), inputLimits());
  assert.deepEqual(problems.items, []);
  return inv!;
}

function assertSameView(actual: InventoryView, inv: Inventory): void {
  const expected = expectedView(inv);
  assert.deepEqual(hostsOf(actual), [...inv.hosts.keys()].sort(), 'hosts');
  assert.deepStrictEqual(actual.hostvars, expected.hostvars);
  const groups = [...actual.groups.keys()].filter((g) => g !== 'ungrouped').sort();
  assert.deepEqual(groups, [...expected.groups.keys()].sort(), 'groups');
  for (const [name, g] of expected.groups) assert.deepStrictEqual(actual.groups.get(name), g, `group ${name}`);
}

const LONG = 'x'.repeat(100_000);
const LONG_KEY = 'k'.repeat(2_000);

/** YAML 1.1 scalars, strings that look like other things, unicode and control characters. */
const SCALARS = `      hex_underscores: 0x7f_00_00_01
      dec_underscores: 2_130_706_433
      binary: 0b1111111000000000000000000000001
      octal_zero: 0_0
      octal: 0755
      sexagesimal: 1:20
      sexagesimal_float: 1:20.5
      yes_: yes
      No_: No
      on_: on
      OFF_: OFF
      y_is_a_string: y
      n_is_a_string: n
      exp_without_dot: 1e3
      exp_without_sign: 1.5e3
      float: 3.14
      small: 1.5e-7
      tiny: 1.0e-7
      huge: 1.0e+21
      past_2_53: 9007199254740993.0
      inf: .inf
      minus_inf: -.Inf
      nan: .NaN
      tilde: ~
      empty:
      Null_: Null
      neg_zero_float: -0.0
      leading_zero_decimal: 09
      quoted_hex: "0x7f000001"
      quoted_yes: 'yes'
      tagged_str: !!str 0x10
      quoted_merge: "<<"
      quoted_eq: "="
      unicode: "ü 😀 日本"
      controls: "\\0 \\a \\b \\t \\n \\v \\f \\r \\e \\x7f \\x85 \\xa0 \\u2028 \\u2029 \\ufeff \\ufffe"
      backslashes: 'C:\\path\\"quoted"'
      spaces: "  leading and trailing  "
      jinja_like: "{{ not a template here }}"
      folded: >
        folded
        text
      literal: |
        literal
          indented
      long: ${LONG}
      list: [1, "two", yes, {nested: 0x10}]
      anchored: &a {k: v, n: 010}
      aliased: *a
      map:
        "yes": quoted key stays a string
        "123": so does this
        __proto__: a key, not a prototype
        __ansible_unsafe: a plain key in YAML
        ? ${LONG_KEY}
        : long key
`;

const HOSTS = `all:
  hosts:
    node1:
      ansible_host: 10.0.0.1
${SCALARS}    node-2.example.com:
      ansible_host: 10.0.0.2
    "10.0.0.3":
  vars:
    all_flag: on
  children:
    kube_control_plane:
      hosts: node1
    k8s_cluster:
      children:
        kube_control_plane:
        kube_node:
          hosts:
            node-2.example.com:
          vars:
            group_octal: 0o17
            group_sexagesimal: 190:20:30
    etcd:
      hosts:
        "10.0.0.3":
`;

describe('Ansible reads what Slipway checked (real ansible-inventory)', () => {
  const inv = read(HOSTS);

  it('types the hostile scalars as PyYAML does', () => {
    const v = inv.hosts.get('node1')!.vars;
    assert.equal(v.hex_underscores, 2130706433);
    assert.equal(v.binary, 2130706433);
    assert.equal(v.octal_zero, 0);
    assert.equal(v.octal, 493);
    assert.equal(v.sexagesimal, 80);
    assert.equal(v.yes_, true);
    assert.equal(v.y_is_a_string, 'y');
    assert.equal(v.exp_without_dot, '1e3');
    assert.equal(v.leading_zero_decimal, '09');
    assert.equal(v.tagged_str, '0x10');
    assert.equal(inv.groups.get('kube_node')!.vars.group_octal, '0o17');
  });

  it("reads the user's own hosts.yml as the model", async () => {
    assertSameView(await ansibleInventory(HOSTS), inv);
  });

  it("reads Slipway's rendered inventory as the model", async () => {
    const rendered = renderInventory(inv);
    assert.doesNotMatch(rendered, /<<:|&|\*[a-z]|!!/);
    assertSameView(await ansibleInventory(rendered), inv);
  });

  it("reads Slipway's rendered vars file as the model (-e @file)", async () => {
    const problems = new ProblemList();
    const text = SCALARS.replace(/^ {6}/gm, '');
    const root = readAnsibleYaml(text, problems.at({ object: 'test', key: 'group_vars.yml' }), inputLimits());
    assert.deepEqual(problems.items, []);
    assert.equal(root?.kind, 'map');
    const vars = plainVars(root?.kind === 'map' ? root : undefined);
    assert.deepStrictEqual(await ansibleVars(text), typedModel(vars), 'the original');
    assert.deepStrictEqual(await ansibleVars(renderPyYaml(vars)), typedModel(vars), 'the rendering');
  });

  it('reads "__ansible_unsafe" and "__ansible_vault" keys as plain keys', async () => {
    const vars = { x: { __ansible_unsafe: 'v' }, y: { __ansible_vault: 'v' } };
    assert.deepStrictEqual(await ansibleVars(renderPyYaml(vars)), typedModel(vars));
  });
});
