import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHosts } from '../../src/inventory/parse-hosts.js';
import { ProblemList } from '../../src/api/input-error.js';
import { resolveLimit } from '../../src/inventory/resolve-limit.js';
import { HOSTS_YML } from '../engine/operation-fixture.js';

const inv = parseHosts({ text: HOSTS_YML, object: 'ConfigMap x', key: 'hosts.yml' });

describe('resolveLimit', () => {
  const table: [string, string[]][] = [
    ['node2', ['node2']],
    ['node1,node3', ['node1', 'node3']],
    ['etcd,kube_control_plane', ['node1']],
    ['k8s_cluster', ['node1', 'node2', 'node3']],
    ['kube_node:!node3', ['node2']],
    ['!node1', ['node2', 'node3']],
    ['all:&kube_node', ['node2', 'node3']],
    ['node*', ['node1', 'node2', 'node3']],
  ];
  for (const [limit, hosts] of table) {
    it(`${limit} → ${hosts.join(',')}`, () => {
      const problems = new ProblemList();
      assert.deepEqual(resolveLimit(inv, limit, problems.at({ object: 'ClusterOperation x' })), hosts);
      assert.deepEqual(problems.items, []);
    });
  }

  it('refuses names that match nothing, naming them', () => {
    const problems = new ProblemList();
    assert.equal(resolveLimit(inv, 'node2,nodeX', problems.at({ object: 'ClusterOperation x', key: 'spec.extraArgs' })), undefined);
    assert.deepEqual(problems.items.map((p) => [p.code, p.key]), [['unknown-limit', 'spec.extraArgs']]);
    assert.match(problems.items[0]!.message, /nodeX/);
  });
});
