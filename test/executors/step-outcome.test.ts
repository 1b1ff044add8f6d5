import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Step } from '../../src/engine/plan-types.js';
import type { AnsibleEvent } from '../../src/executors/ansible-event-parser.js';
import { createTally, operationOutcome, skippedStep, stepOutcome, tallyEvent, type StepEnd } from '../../src/executors/step-outcome.js';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T00:01:00.000Z';

const playbookStep: Step = {
  name: 'action: cluster.yml',
  role: 'action',
  kind: 'playbook',
  argv: ['ansible-playbook', 'builtin/cluster.yml'],
  env: {},
  source: 'builtin',
  action: 'cluster.yml',
};
const shellStep: Step = { ...playbookStep, name: 'preHook 1: check.sh', role: 'preHook', kind: 'shell', argv: ['bash', 'check.sh'] };

const runner = (host: string, task: string, outcome: 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped' | 'ignored', message?: string): AnsibleEvent =>
  message === undefined ? { kind: 'runner', outcome, host, task, play: 'P' } : { kind: 'runner', outcome, host, task, play: 'P', message };

function end(step: Step, events: AnsibleEvent[], fields: Partial<StepEnd> = {}): StepEnd {
  const tally = createTally();
  for (const e of events) tallyEvent(tally, e);
  return { step, tally, startTime: T0, endTime: T1, exitCode: 0, stderrTail: [], ...fields };
}

const zero = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };

test('exit 0 without failures succeeds; stats are taken as reported', () => {
  const stats = { node1: { ...zero, ok: 2, changed: 1 } };
  const result = stepOutcome(end(playbookStep, [runner('node1', 'a', 'ok'), runner('node1', 'b', 'changed'), { kind: 'stats', hosts: stats }]));
  assert.deepEqual(result, {
    name: 'action: cluster.yml',
    role: 'action',
    status: 'Succeeded',
    exitCode: 0,
    startTime: T0,
    endTime: T1,
    hosts: stats,
    failures: [],
  });
});

test('without a stats event the counts come from runner events, as ansible counts them', () => {
  const result = stepOutcome(
    end(playbookStep, [runner('n', 'a', 'ok'), runner('n', 'b', 'changed'), runner('n', 'c', 'ignored'), runner('n', 'd', 'skipped'), runner('n', 'e', 'failed', 'x')], {
      exitCode: 2,
    }),
  );
  assert.deepEqual(result.hosts.n, { ...zero, ok: 3, changed: 1, ignored: 1, skipped: 1, failed: 1 });
});

test('a failed task names the task, the hosts and the message', () => {
  const result = stepOutcome(
    end(playbookStep, [runner('node1', 'Fail', 'failed', 'boom'), runner('node2', 'Fail', 'failed', 'boom too'), runner('node3', 'Later', 'failed', 'x')], { exitCode: 2 }),
  );
  assert.equal(result.status, 'Failed');
  assert.equal(result.message, 'task "Fail" failed on node1, node2: boom (later failures on node3)');
  assert.equal(result.failures.length, 3);
});

test('ignored failures are not failures', () => {
  const result = stepOutcome(end(playbookStep, [runner('node1', 'T', 'ignored', 'meh')]));
  assert.equal(result.status, 'Succeeded');
  assert.deepEqual(result.failures, []);
});

test('a failure rescued by a block is dropped when the recap shows no failure for the host', () => {
  const result = stepOutcome(end(playbookStep, [runner('node1', 'T', 'failed', 'x'), { kind: 'stats', hosts: { node1: { ...zero, ok: 1, rescued: 1 } } }]));
  assert.equal(result.status, 'Succeeded');
  assert.deepEqual(result.failures, []);
});

test('unreachable hosts (exit code 4) are named', () => {
  const result = stepOutcome(
    end(playbookStep, [runner('node3', 'Gathering Facts', 'unreachable', 'Failed to connect to the host via ssh'), { kind: 'stats', hosts: { node3: { ...zero, unreachable: 1 } } }], {
      exitCode: 4,
    }),
  );
  assert.equal(result.status, 'Failed');
  assert.equal(result.message, 'task "Gathering Facts" could not reach node3: Failed to connect to the host via ssh');
  assert.equal(result.failures[0]?.unreachable, true);
});

test('a non-zero exit without task failures quotes the end of stderr', () => {
  const stderrTail = ['l1', 'l2', 'l3', 'l4', 'l5', 'ERROR! the playbook could not be found'];
  assert.equal(
    stepOutcome(end(playbookStep, [], { exitCode: 4, stderrTail })).message,
    'ansible-playbook exited with code 4: l2\nl3\nl4\nl5\nERROR! the playbook could not be found',
  );
  assert.equal(stepOutcome(end(shellStep, [], { exitCode: 3, stderrTail: ['disk full'] })).message, 'bash exited with code 3: disk full');
  assert.equal(stepOutcome(end(shellStep, [], { exitCode: null, signal: 'SIGSEGV' })).message, 'bash was killed by SIGSEGV');
  assert.equal(stepOutcome(end(shellStep, [], { exitCode: 1 })).message, 'bash exited with code 1');
});

test('deadline and cancellation win over the exit code', () => {
  const events = [{ kind: 'task', name: 'Sleep', play: 'P', handler: false } as const];
  const timedOut = stepOutcome(end(playbookStep, events, { exitCode: null, signal: 'SIGTERM', stop: { reason: 'deadline', seconds: 2 } }));
  assert.equal(timedOut.status, 'TimedOut');
  assert.equal(timedOut.message, `the operation's deadline of 2s (activeDeadlineSeconds) was exceeded during task "Sleep"; step "action: cluster.yml" was killed`);
  const cancelled = stepOutcome(end(playbookStep, [], { exitCode: 0, stop: { reason: 'cancelled' } }));
  assert.equal(cancelled.status, 'Cancelled');
  assert.equal(cancelled.message, 'step "action: cluster.yml" was cancelled');
});

test('a step that cannot start fails with the reason', () => {
  const result = stepOutcome(end(shellStep, [], { exitCode: null, spawnError: 'spawn bash ENOENT' }));
  assert.equal(result.status, 'Failed');
  assert.equal(result.message, 'cannot run bash: spawn bash ENOENT');
});

test('the operation fails at its first unsuccessful step', () => {
  const ok = stepOutcome(end(shellStep, []));
  const bad = stepOutcome(end(playbookStep, [runner('node2', 'Fail on node2', 'failed', 'nope')], { exitCode: 2 }));
  const skipped = skippedStep({ ...shellStep, name: 'postHook 1: x', role: 'postHook' }, T1);
  assert.deepEqual(operationOutcome([ok], T0, T1), { status: 'Succeeded', startTime: T0, endTime: T1, steps: [ok] });
  const failed = operationOutcome([ok, bad, skipped], T0, T1);
  assert.equal(failed.status, 'Failed');
  assert.deepEqual(failed.failed, {
    step: 'action: cluster.yml',
    task: 'Fail on node2',
    hosts: ['node2'],
    message: 'task "Fail on node2" failed on node2: nope',
  });
  assert.equal(skipped.status, 'Skipped');
  const timedOut = stepOutcome(end(playbookStep, [], { exitCode: null, stop: { reason: 'deadline', seconds: 5 } }));
  assert.deepEqual(operationOutcome([timedOut], T0, T1).failed?.hosts, []);
});
