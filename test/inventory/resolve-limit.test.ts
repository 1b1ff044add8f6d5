import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHosts } from '../../src/inventory/parse-hosts.js';
import { LimitError, resolveLimit } from '../../src/inventory/resolve-limit.js';
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
    it(`${limit} → ${hosts.join(',')}`, () => assert.deepEqual(resolveLimit(inv, limit), hosts));
  }

  it('refuses names that match nothing', () => {
    assert.throws(() => resolveLimit(inv, 'node2,nodeX'), (e: unknown) => e instanceof LimitError && e.unknown[0] === 'nodeX');
  });
});
