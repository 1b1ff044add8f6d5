import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operationKind } from '../../src/engine/kubespray-actions.js';
import { phaseAfter, phaseWhileRunning } from '../../src/status/cluster-phase.js';

describe('cluster phase', () => {
  const running: [string, string | undefined, string | undefined][] = [
    ['cluster.yml', undefined, 'Installing'],
    ['cluster.yml', 'etcd,kube_control_plane', 'Scaling Out'],
    ['scale.yml', 'node2', 'Scaling Out'],
    ['remove-node.yml', undefined, 'Scaling In'],
    ['upgrade-cluster.yml', undefined, 'Upgrading'],
    ['reset.yml', undefined, 'Deleting'],
    ['ping.yml', undefined, undefined],
  ];
  for (const [action, limit, phase] of running) {
    it(`${action}${limit ? ` --limit=${limit}` : ''} runs as ${phase ?? 'unchanged'}`, () => {
      assert.equal(phaseWhileRunning(operationKind(action, limit)), phase);
    });
  }

  it('is Abnormal after a failure or an unhealthy check, Healthy after a lifecycle success', () => {
    assert.equal(phaseAfter({ kind: 'install', succeeded: false }), 'Abnormal');
    assert.equal(phaseAfter({ kind: 'upgrade', succeeded: true, healthy: false }), 'Abnormal');
    assert.equal(phaseAfter({ kind: 'scale-out', succeeded: true }), 'Healthy');
    assert.equal(phaseAfter({ kind: 'other', succeeded: true, previous: 'Abnormal' }), 'Abnormal');
    assert.equal(phaseAfter({ kind: 'other', succeeded: false, previous: 'Healthy' }), 'Abnormal');
    assert.equal(phaseAfter({ kind: 'reset', succeeded: true }), undefined);
  });
});
