import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobPlanJson } from '../../src/engine/job-plan.js';
import { outcomeFromJobLog } from '../../src/executors/job-log-outcome.js';

const T0 = '2026-11-24T06:00:00Z';
const T1 = '2026-11-24T06:01:00Z';
const plan: JobPlanJson = {
  version: 3,
  cluster: 'c',
  operation: 'o',
  files: [],
  steps: [{ name: 'action: cluster.yml', role: 'action', kind: 'playbook', argv: ['ansible-playbook'], env: {} }],
  kubeconfigArtifact: 'artifacts/admin.conf',
};
const line = (o: object) => `@@slipway-step ${JSON.stringify({ ...o, time: T0 })}`;
const ran = [line({ e: 'step-start', index: 0, total: 1, name: 'action: cluster.yml' }), line({ e: 'step-end', index: 0, exitCode: 0 })];

describe('outcomeFromJobLog and the kubeconfig line', () => {
  it('a stored kubeconfig leaves the run Succeeded', () => {
    const r = outcomeFromJobLog(plan, [...ran, line({ e: 'kubeconfig', stored: true }), line({ e: 'job-end', exitCode: 0 })].join('\n'), T0, T1);
    assert.equal(r?.status, 'Succeeded');
  });

  it('a kubeconfig the sidecar did not store fails the run, saying why, though every step succeeded', () => {
    const log = [...ran, line({ e: 'kubeconfig', stored: false, message: 'the apiserver answered 403: forbidden' }), line({ e: 'job-end', exitCode: 71 })].join('\n');
    const r = outcomeFromJobLog(plan, log, T0, T1);
    assert.equal(r?.status, 'Failed');
    assert.deepEqual(r?.steps.map((s) => s.status), ['Succeeded']);
    assert.deepEqual(r?.failed, {
      step: 'kubeconfig',
      hosts: [],
      message: "every step succeeded, but the admin kubeconfig they fetched was not handed back: the apiserver answered 403: forbidden",
    });
  });
});
