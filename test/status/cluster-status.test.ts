import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterOperation } from '../../src/api/types.js';
import { clusterStatusAfterLostRun, clusterStatusFor } from '../../src/status/cluster-status.js';

const op = (action: string, name = 'op-1'): ClusterOperation => ({
  apiVersion: 'kubean.io/v1alpha1',
  kind: 'ClusterOperation',
  metadata: { name },
  spec: { cluster: 'c', actionType: 'playbook', action },
});
const facts = { controlPlane: ['node1'], workers: ['node2', 'node3'], kubernetesVersion: 'v1.34.4', controlPlaneDigest: 'sha256:cp1' };

describe('clusterStatusFor', () => {
  it('shows Installing while cluster.yml runs, with counts and a Running condition', () => {
    const s = clusterStatusFor({ previous: undefined, operation: op('cluster.yml'), cluster: facts, outcome: { succeeded: false, startTime: 't0' } });
    assert.equal(s.phase, 'Installing');
    assert.deepEqual([s.controlPlaneCount, s.workerCount, s.desiredVersion], [1, 2, 'v1.34.4']);
    assert.deepEqual(s.conditions, [{ clusterOps: 'op-1', status: 'Running', startTime: 't0' }]);
  });

  it('becomes Healthy after success and Abnormal after failure, replacing the op condition', () => {
    const running = clusterStatusFor({ previous: undefined, operation: op('scale.yml'), cluster: facts });
    assert.equal(running.phase, 'Scaling Out');
    const done = clusterStatusFor({ previous: running, operation: op('scale.yml'), cluster: facts, outcome: { succeeded: true, startTime: 't0', endTime: 't1' } });
    assert.equal(done.phase, 'Healthy');
    assert.deepEqual(done.conditions, [{ clusterOps: 'op-1', status: 'Succeeded', startTime: 't0', endTime: 't1' }]);
    const failed = clusterStatusFor({ previous: done, operation: op('upgrade-cluster.yml', 'op-2'), cluster: facts, outcome: { succeeded: false, startTime: 't2', endTime: 't3' } });
    assert.equal(failed.phase, 'Abnormal');
    assert.equal(failed.conditions!.length, 2);
  });

  it('keeps the phase for actions that do not change the cluster', () => {
    const s = clusterStatusFor({ previous: { phase: 'Healthy' }, operation: op('ping.yml'), cluster: facts, outcome: { succeeded: true, startTime: 't0', endTime: 't1' } });
    assert.equal(s.phase, 'Healthy');
  });

  it('after a run lost without a result: the operation the Cluster shows Running is Failed and the phase Abnormal; other facts stay', () => {
    const installed = clusterStatusFor({ previous: undefined, operation: op('cluster.yml', 'op-1'), cluster: facts, outcome: { succeeded: true, startTime: 't0', endTime: 't1' } });
    const upgrading = clusterStatusFor({ previous: installed, operation: op('upgrade-cluster.yml', 'op-2'), cluster: { ...facts, kubernetesVersion: 'v1.35.4' }, outcome: { succeeded: false, startTime: 't2' } });
    assert.equal(upgrading.phase, 'Upgrading');
    const lost = clusterStatusAfterLostRun(upgrading, op('upgrade-cluster.yml', 'op-2'), 't3');
    assert.deepEqual(lost, {
      ...upgrading,
      phase: 'Abnormal',
      conditions: [
        { clusterOps: 'op-1', status: 'Succeeded', startTime: 't0', endTime: 't1' },
        { clusterOps: 'op-2', status: 'Failed', startTime: 't2', endTime: 't3' },
      ],
    });
  });

  it('after a run lost without a result: nothing to write when the Cluster does not show that operation running', () => {
    const installed = clusterStatusFor({ previous: undefined, operation: op('cluster.yml', 'op-1'), cluster: facts, outcome: { succeeded: true, startTime: 't0', endTime: 't1' } });
    assert.equal(clusterStatusAfterLostRun(installed, op('cluster.yml', 'op-1'), 't3'), undefined, 'op-1 already ended');
    assert.equal(clusterStatusAfterLostRun(installed, op('upgrade-cluster.yml', 'op-2'), 't3'), undefined, 'op-2 never reached the Cluster');
    assert.equal(clusterStatusAfterLostRun(undefined, op('upgrade-cluster.yml', 'op-2'), 't3'), undefined);
  });
});
