import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJobStepLine, type JobStepLine } from '../../src/engine/job-step-lines.js';

describe('parseJobStepLine', () => {
  const T = '2026-11-24T06:00:43Z';
  const cases: { line: string; want: JobStepLine | undefined }[] = [
    { line: `@@slipway-step {"e":"step-start","index":0,"total":2,"name":"preHook 1: ping.yml","time":"${T}"}`, want: { kind: 'step-start', index: 0, total: 2, name: 'preHook 1: ping.yml', time: T } },
    { line: `@@slipway-step {"e":"step-end","index":1,"exitCode":2,"time":"${T}"}`, want: { kind: 'step-end', index: 1, exitCode: 2, time: T } },
    { line: `@@slipway-step {"e":"job-end","exitCode":2,"failedStep":1,"time":"${T}"}`, want: { kind: 'job-end', exitCode: 2, failedStep: 1, time: T } },
    { line: `@@slipway-step {"e":"job-end","exitCode":0,"time":"${T}"}`, want: { kind: 'job-end', exitCode: 0, time: T } },
    { line: `@@slipway-step {"e":"job-error","code":"ssh-key","time":"${T}"}`, want: { kind: 'job-error', code: 'ssh-key', time: T } },
    { line: '@@slipway-step {"e":"job-error","code":"other"}', want: undefined },
    { line: `@@slipway-step {"e":"kubeconfig","stored":true,"time":"${T}"}`, want: { kind: 'kubeconfig', stored: true, time: T } },
    { line: `@@slipway-step {"e":"kubeconfig","stored":false,"message":"the apiserver answered 403","time":"${T}"}`, want: { kind: 'kubeconfig', stored: false, message: 'the apiserver answered 403', time: T } },
    { line: `@@slipway-step {"e":"kubeconfig","stored":false,"message":"${'x'.repeat(600)}","time":"${T}"}`, want: { kind: 'kubeconfig', stored: false, message: 'x'.repeat(500), time: T } },
    { line: '@@slipway-step {"e":"kubeconfig","stored":"yes"}', want: undefined },
    { line: '@@slipway-step {"e":"step-end","index":-1,"exitCode":0}', want: undefined },
    { line: '@@slipway-step not json', want: undefined },
    { line: 'PLAY RECAP ***', want: undefined },
    { line: '@@slipway-event {"e":"play","name":"x"}', want: undefined },
  ];
  for (const c of cases) {
    it(`reads ${JSON.stringify(c.line.slice(0, 60))}`, () => assert.deepEqual(parseJobStepLine(c.line), c.want));
  }
});
