import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Job, V1JobCondition, V1JobSpec, V1Pod } from '@kubernetes/client-node';
import { jobOperationStatus, runStatus } from '../../src/executors/job-status.js';
import { slimJob, slimPod } from '../../src/executors/job-slim.js';

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

describe('an operation\'s status from its Job and the Job\'s sole pod', () => {
  const slipwayJob = (over: Partial<V1JobSpec> = {}, ...conditions: Partial<V1JobCondition>[]): V1Job => ({
    ...job(...conditions),
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [] } }, ...over },
  });
  const pod = (phase: string, deleting = false): V1Pod => ({
    metadata: { name: 'op-job-x', ...(deleting ? { deletionTimestamp: new Date() } : {}) },
    status: { phase },
  });
  const table: [string, V1Job, V1Pod | undefined, 'Running' | 'Succeeded' | 'Failed', boolean][] = [
    ['no pod yet', slipwayJob(), undefined, 'Running', false],
    ['the pod Running', slipwayJob(), pod('Running'), 'Running', false],
    ['the pod Succeeded, the Job not Complete yet', slipwayJob(), pod('Succeeded'), 'Succeeded', true],
    ['the pod Failed, the Job not Failed yet', slipwayJob(), pod('Failed'), 'Failed', true],
    ['the pod Failed and the Job Failed: the pod says why', slipwayJob({}, { type: 'Failed', reason: 'BackoffLimitExceeded' }), pod('Failed'), 'Failed', true],
    ['the pod Succeeded as the deadline struck: it ran to its end', slipwayJob({}, { type: 'FailureTarget', reason: 'DeadlineExceeded' }), pod('Succeeded'), 'Succeeded', true],
    ['no pod, the deadline passed: the Job', slipwayJob({}, { type: 'FailureTarget', reason: 'DeadlineExceeded' }), undefined, 'Failed', false],
    ['the pod Failed while being deleted: the Job decides', slipwayJob(), pod('Failed', true), 'Running', false],
    ['… and says why once it does', slipwayJob({}, { type: 'FailureTarget', reason: 'DeadlineExceeded' }), pod('Failed', true), 'Failed', false],
    ['a Job that retries (backoffLimit 2): a Failed pod is not the end', slipwayJob({ backoffLimit: 2 }), pod('Failed'), 'Running', false],
    ['a Job of two completions', slipwayJob({ completions: 2 }), pod('Succeeded'), 'Running', false],
    ['a Job whose pods restart', slipwayJob({ template: { spec: { restartPolicy: 'OnFailure', containers: [] } } }), pod('Failed'), 'Running', false],
    ['a Job with a pod failure policy', slipwayJob({ podFailurePolicy: { rules: [] } }), pod('Failed'), 'Running', false],
  ];
  for (const [what, j, p, status, byPod] of table) {
    it(`${what} → ${status}${byPod ? ' (by the pod)' : ''}`, () => {
      const got = runStatus(j, p);
      assert.equal(got.status, status);
      assert.equal(got.byPod ?? false, byPod);
      assert.deepEqual(runStatus(slimJob(j), p && slimPod(p)), got, 'the same from what the informers keep');
    });
  }

  it('the informers keep of a pod what a result reads: phase, reason, the containers\' terminated states', () => {
    const terminated = { exitCode: 2, reason: 'Error', message: 'boom', startedAt: new Date(0), finishedAt: new Date(1000) };
    const full: V1Pod = {
      metadata: { name: 'p', namespace: 'n', resourceVersion: '9', labels: { a: 'b' }, managedFields: [{ manager: 'kubelet' }] },
      spec: { containers: [{ name: 'operation', image: 'x' }] },
      status: { phase: 'Failed', reason: 'Evicted', message: 'disk', containerStatuses: [{ name: 'operation', image: 'x', imageID: 'y', ready: false, restartCount: 0, state: { terminated } }] },
    };
    assert.deepEqual(slimPod(full), {
      metadata: { name: 'p', namespace: 'n', uid: undefined, resourceVersion: '9', labels: { a: 'b' } },
      status: { phase: 'Failed', reason: 'Evicted', message: 'disk', containerStatuses: [{ name: 'operation', state: { terminated } }] },
    });
  });

  it('names the pod', () => assert.equal(runStatus(slipwayJob(), pod('Failed')).reason, 'pod op-job-x failed'));
});
