import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterOperation } from '../../src/api/types.js';
import { backoffDelay } from '../../src/util/backoff.js';
import { IncompleteOperationError, lineMember, operationRefOf } from '../../src/controller/operation-ref.js';

const op = (metadata: ClusterOperation['metadata'], status?: ClusterOperation['status']): ClusterOperation => ({
  apiVersion: 'kubean.io/v1alpha1',
  kind: 'ClusterOperation',
  metadata,
  spec: { cluster: 'c1', actionType: 'playbook', action: 'cluster.yml' },
  ...(status ? { status } : {}),
});

describe('operation refs', () => {
  it('takes uid, name, cluster and the creation time as the apiserver writes it', () => {
    const ref = operationRefOf(op({ name: 'install', uid: 'u-1', creationTimestamp: new Date('2026-01-01T10:00:00Z') }));
    assert.deepEqual(ref, { uid: 'u-1', name: 'install', cluster: 'c1', creationTimestamp: '2026-01-01T10:00:00Z', startedBefore: false });
    assert.equal(lineMember(ref), '2026-01-01T10:00:00Z|install|u-1');
  });

  it('marks an operation whose status says it started, so it is resumed and never run', () => {
    const meta = { name: 'install', uid: 'u-1', creationTimestamp: new Date('2026-01-01T10:00:00Z') };
    assert.equal(operationRefOf(op(meta, { status: 'Running', startTime: '2026-01-01T10:00:05Z' })).startedBefore, true);
    assert.equal(operationRefOf(op(meta, { jobRef: { namespace: 'kubean-system', name: 'install-job' } })).startedBefore, true);
  });

  it('refuses an object the apiserver has not stored', () => {
    assert.throws(() => operationRefOf(op({ name: 'install' })), IncompleteOperationError);
  });

  it('orders line members by creation time, then name', () => {
    const members = [
      lineMember({ uid: 'u3', name: 'beta', cluster: 'c', creationTimestamp: '2026-01-01T10:00:01Z' }),
      lineMember({ uid: 'u1', name: 'zeta', cluster: 'c', creationTimestamp: '2026-01-01T10:00:00Z' }),
      lineMember({ uid: 'u2', name: 'alpha', cluster: 'c', creationTimestamp: '2026-01-01T10:00:01Z' }),
    ];
    assert.deepEqual(members.sort().map((m) => m.split('|')[1]), ['zeta', 'alpha', 'beta']);
  });
});

describe('backoff', () => {
  const opts = { initialMs: 100, maxMs: 1000 };
  const table: [number, number, number][] = [
    [0, 50, 100],
    [1, 100, 200],
    [3, 400, 800],
    [4, 500, 1000],
    [40, 500, 1000],
  ];
  for (const [attempt, low, high] of table) {
    it(`retry ${attempt} waits between ${low} and ${high} ms`, () => {
      assert.equal(backoffDelay(attempt, opts, () => 0), low);
      assert.equal(backoffDelay(attempt, opts, () => 1), high);
    });
  }
});
