import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterOperation, OperationStatus } from '../../src/api/types.js';
import { operationsToPrune } from '../../src/controller/history.js';

function op(name: string, created: string, status: OperationStatus | 'Waiting' | undefined, cluster = 'c1'): ClusterOperation {
  return {
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'ClusterOperation',
    metadata: { name, creationTimestamp: new Date(created) },
    spec: { cluster, actionType: 'playbook', action: 'cluster.yml' },
    ...(status === undefined ? {} : { status: { status: status as OperationStatus, ...(status === 'Succeeded' || status === 'Failed' ? { startTime: created } : {}) } }),
  };
}

/** Failed without a startTime: rejected before anything ran. */
function rejected(name: string, created: string): ClusterOperation {
  const o = op(name, created, 'Failed');
  delete o.status!.startTime;
  return o;
}

const names = (ops: ClusterOperation[]): string[] => ops.map((o) => o.metadata.name!);

describe('history pruning', () => {
  const ops = [
    op('old-ok', '2026-01-01T10:00:00Z', 'Succeeded'),
    op('old-failed', '2026-01-01T10:01:00Z', 'Failed'),
    op('running', '2026-01-01T09:00:00Z', 'Running'),
    op('waiting', '2026-01-01T09:30:00Z', 'Waiting'),
    op('unstarted', '2026-01-01T08:00:00Z', undefined),
    op('empty-status', '2026-01-01T08:30:00Z', ''),
    op('new-ok', '2026-01-01T10:02:00Z', 'Succeeded'),
    op('tie-b', '2026-01-01T10:03:00Z', 'Succeeded'),
    op('tie-a', '2026-01-01T10:03:00Z', 'Failed'),
    op('other-cluster', '2026-01-01T07:00:00Z', 'Succeeded', 'c2'),
  ];
  const table: [number, string[]][] = [
    [0, ['tie-b', 'tie-a', 'new-ok', 'old-failed', 'old-ok']],
    [2, ['new-ok', 'old-failed', 'old-ok']],
    [4, ['old-ok']],
    [5, []],
    [50, []],
  ];
  for (const [keep, pruned] of table) {
    it(`keeping ${keep} finished deletes ${pruned.join(', ') || 'nothing'}`, () => {
      assert.deepEqual(names(operationsToPrune(ops, 'c1', keep)), pruned);
    });
  }

  it('never chooses operations that are running, waiting, not started, or of another cluster', () => {
    const chosen = names(operationsToPrune(ops, 'c1', 0));
    for (const spared of ['running', 'waiting', 'unstarted', 'empty-status', 'other-cluster']) assert.ok(!chosen.includes(spared), spared);
  });

  it('counts operations that never ran apart: 31 rejections evict none of the ones that ran', () => {
    const ran = [op('ran-1', '2026-01-01T10:00:00Z', 'Succeeded'), op('ran-2', '2026-01-01T10:01:00Z', 'Failed')];
    const rejections = Array.from({ length: 31 }, (_, i) => rejected(`rej-${String(i).padStart(2, '0')}`, `2026-01-02T10:${String(i).padStart(2, '0')}:00Z`));
    assert.deepEqual(names(operationsToPrune([...ran, ...rejections], 'c1', 30)), ['rej-00'], 'only the oldest rejection beyond 30');
    assert.deepEqual(names(operationsToPrune([...ran, ...rejections], 'c1', 1)).filter((n) => n.startsWith('ran')), ['ran-1']);
  });

  it('refuses a negative or fractional keep', () => {
    assert.throws(() => operationsToPrune(ops, 'c1', -1), RangeError);
    assert.throws(() => operationsToPrune(ops, 'c1', 1.5), RangeError);
  });
});
