import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobPlanJson } from '../../src/engine/job-plan.js';
import { EVENT_MARKER } from '../../src/executors/ansible-event-parser.js';
import { createJobLogFold, outcomeFromJobLog } from '../../src/executors/job-log-outcome.js';

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

describe('createJobLogFold: the events a followed log makes', () => {
  const two: JobPlanJson = { ...plan, steps: [plan.steps[0]!, { name: 'postHook 1: kubeconfig.yml', role: 'postHook', kind: 'playbook', argv: ['ansible-playbook'], env: {} }] };
  it('step starts and ends with the plan\'s names, plays, tasks, host results and text; the steps a failure leaves are Skipped', () => {
    const fold = createJobLogFold(two);
    const log = [
      'before any step',
      line({ e: 'step-start', index: 0, total: 2, name: 'action: cluster.yml' }),
      `${EVENT_MARKER}${JSON.stringify({ e: 'play', name: 'all' })}`,
      `${EVENT_MARKER}${JSON.stringify({ e: 'task', name: 'ping', play: 'all', handler: false })}`,
      'TASK [ping] ***',
      `${EVENT_MARKER}${JSON.stringify({ e: 'runner', outcome: 'failed', host: 'node2', task: 'ping', play: 'all', msg: 'no' })}`,
      line({ e: 'step-end', index: 0, exitCode: 2 }),
      line({ e: 'job-end', exitCode: 2, failedStep: 0 }),
    ];
    const events = log.flatMap((l) => fold.push(l, T1));
    assert.deepEqual(events.map((e) => (e.type === 'output' ? `output ${e.line}` : e.type === 'step-start' ? `start ${e.step.name}` : e.type === 'step-end' ? `end ${e.index} ${e.result.status}` : e.type)), [
      'output before any step',
      'start action: cluster.yml',
      'play',
      'task',
      'output TASK [ping] ***',
      'host-result',
      'end 0 Failed',
      'end 1 Skipped',
    ]);
    const outcome = fold.outcome(T0, T1);
    assert.equal(outcome?.status, 'Failed');
    assert.deepEqual(outcome?.failed?.hosts, ['node2']);
    assert.deepEqual(outcome, outcomeFromJobLog(two, log.join('\n'), T0, T1), 'the fold tells what the whole log does');
  });
});
