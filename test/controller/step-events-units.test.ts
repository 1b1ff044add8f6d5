import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan, Step } from '../../src/engine/plan-types.js';
import type { ExecutionEvent, StepResult } from '../../src/executors/types.js';
import { STEP_EVENT_MESSAGE_MAX, stepEventOf } from '../../src/controller/turn/step-events.js';
import { createRedactor } from '../../src/util/redact.js';

const step = (name: string, action: string): Step => ({ name, role: 'action', kind: 'playbook', argv: [], env: {}, source: 'builtin', action });
const plan = { steps: [step('preHook 1: ping.yml', 'ping.yml'), step('action: cluster.yml', 'cluster.yml')], targetHosts: ['a', 'b', 'c'], secrets: ['s3cret-pw'] } as unknown as Plan;
const redact = createRedactor(plan.secrets);
const ended = (status: StepResult['status'], message?: string, hosts = ['a', 'b']): ExecutionEvent => ({
  type: 'step-end',
  index: 1,
  result: {
    name: 'action: cluster.yml',
    role: 'action',
    status,
    exitCode: status === 'Succeeded' ? 0 : 2,
    startTime: '2026-12-07T10:00:00.000Z',
    endTime: '2026-12-07T10:01:05.400Z',
    hosts: Object.fromEntries(hosts.map((h) => [h, { ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 }])),
    failures: [],
    ...(message ? { message } : {}),
  },
});

describe('the Event a step calls for', () => {
  const rows: { what: string; event: ExecutionEvent; want: { type: string; reason: string; message: RegExp } | undefined }[] = [
    { what: 'a step starts', event: { type: 'step-start', index: 0, total: 2, step: plan.steps[0]! }, want: { type: 'Normal', reason: 'StepStarted', message: /^preHook 1: ping\.yml \(step 1\/2, playbook ping\.yml, 3 hosts\)$/ } },
    { what: 'it succeeds', event: ended('Succeeded'), want: { type: 'Normal', reason: 'StepSucceeded', message: /^action: cluster\.yml Succeeded after 65s \(step 2\/2, playbook cluster\.yml, 2 hosts\)$/ } },
    { what: 'it fails, its message redacted', event: ended('Failed', 'password s3cret-pw refused'), want: { type: 'Warning', reason: 'StepFailed', message: /Failed after 65s .*: password \[REDACTED\] refused$/ } },
    { what: 'it times out', event: ended('TimedOut'), want: { type: 'Warning', reason: 'StepFailed', message: /TimedOut after 65s/ } },
    { what: 'it is skipped (no hosts)', event: ended('Skipped', undefined, []), want: { type: 'Normal', reason: 'StepSkipped', message: /^action: cluster\.yml Skipped after 65s \(step 2\/2, playbook cluster\.yml\)$/ } },
    { what: 'a task starts', event: { type: 'task', name: 'ping' }, want: undefined },
  ];
  for (const row of rows) {
    it(row.what, () => {
      const got = stepEventOf(row.event, plan, redact);
      if (!row.want) return assert.equal(got, undefined);
      assert.equal(got?.type, row.want.type);
      assert.equal(got?.reason, row.want.reason);
      assert.match(got?.message ?? '', row.want.message);
    });
  }

  it('is bounded whatever the step printed', () => {
    const got = stepEventOf(ended('Failed', 'x'.repeat(10_000)), plan, redact);
    assert.ok(got && got.message.length <= STEP_EVENT_MESSAGE_MAX, String(got?.message.length));
    assert.match(got.message, /^action: cluster\.yml Failed after 65s/);
  });
});
