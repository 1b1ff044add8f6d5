import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Job, V1JobCondition } from '@kubernetes/client-node';
import { jobOperationStatus } from '../../src/controller/job-status.js';

const job = (...conditions: Partial<V1JobCondition>[]): V1Job => ({
  metadata: { name: 'op-job' },
  status: { conditions: conditions.map((c) => ({ status: 'True', type: 'Complete', ...c })) },
});

describe('kubean status of an operation from its Job', () => {
  const table: [string, V1Job | undefined, 'Running' | 'Succeeded' | 'Failed'][] = [
    ['no Job', undefined, 'Failed'],
    ['no conditions yet', { metadata: {}, status: {} }, 'Running'],
    ['Complete', job({ type: 'Complete' }), 'Succeeded'],
    ['SuccessCriteriaMet, not Complete yet', job({ type: 'SuccessCriteriaMet' }), 'Running'],
    ['Failed', job({ type: 'Failed', reason: 'BackoffLimitExceeded' }), 'Failed'],
    ['FailureTarget before Failed', job({ type: 'FailureTarget', reason: 'DeadlineExceeded' }), 'Failed'],
    ['Suspended (a pod started twice)', job({ type: 'Suspended' }), 'Failed'],
    ['a condition that is False', job({ type: 'Failed', status: 'False' }), 'Running'],
    ['Suspended, then resumed', job({ type: 'Suspended', status: 'False' }), 'Running'],
  ];
  for (const [what, input, status] of table) {
    it(`${what} → ${status}`, () => assert.equal(jobOperationStatus(input).status, status));
  }

  it('says why it failed', () => {
    assert.equal(jobOperationStatus(job({ type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' })).reason,
      'Job Failed (DeadlineExceeded): Job was active longer than specified deadline');
    assert.equal(jobOperationStatus(undefined).reason, 'the Job is gone');
  });
});
