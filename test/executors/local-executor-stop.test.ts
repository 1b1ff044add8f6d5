import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { eventually, executorHarness, processesMatching, recorder } from './harness.js';
import { buildTestPlan, fixturePlaybook } from './plan-fixture.js';

const h = await executorHarness('stop', { killGraceMs: 1_000 });

/** A duration no other test uses, so the process scan below finds only this test's sleeps. */
function uniqueSleep(): string {
  return `600.${Math.floor(Math.random() * 1e6)}`;
}

async function noSleepLeft(seconds: string): Promise<void> {
  const gone = await eventually(async () => (await processesMatching(`sleep ${seconds}`)).length === 0, 5_000);
  assert.ok(gone, `sleep ${seconds} still running: ${await processesMatching(`sleep ${seconds}`)}`);
}

test('the deadline kills a long step: TimedOut, later steps skipped, nothing left running', async () => {
  const seconds = uniqueSleep();
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('deadline'),
    activeDeadlineSeconds: 2,
    steps: [
      { role: 'action', playbook: fixturePlaybook('sleep.yml'), extraVars: { sleep_seconds: seconds } },
      { role: 'postHook', shell: ['true'] },
    ],
  });
  const started = Date.now();
  const result = await h.executor.run(plan, () => undefined);
  const took = Date.now() - started;

  assert.equal(result.status, 'Failed');
  assert.equal(result.steps[0]?.status, 'TimedOut');
  assert.equal(result.steps[1]?.status, 'Skipped');
  assert.match(result.failed?.message ?? '', /deadline of 2s .*exceeded during task "Sleep for a long time"/);
  assert.ok(took < 2_000 + 1_000 + 3_000, `run took ${took} ms`);
  await noSleepLeft(seconds);
  assert.deepEqual(await readdir(h.workRoot), []);
});

test('cancelling through the AbortSignal kills the step: Cancelled, nothing left running', async () => {
  const seconds = uniqueSleep();
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('cancel'),
    steps: [{ role: 'action', playbook: fixturePlaybook('sleep.yml'), extraVars: { sleep_seconds: seconds } }],
  });
  const controller = new AbortController();
  const { events, sink } = recorder();
  const running = h.executor.run(plan, (e) => {
    sink(e);
    // Give the sleeps time to start on the hosts before pulling the plug.
    if (e.type === 'task' && e.name === 'Sleep for a long time') {
      void eventually(async () => (await processesMatching(`sleep ${seconds}`)).length === 3, 10_000).then(() => controller.abort());
    }
  }, controller.signal);
  const result = await running;

  assert.ok(events.some((e) => e.type === 'task'));
  assert.equal(result.status, 'Failed');
  assert.equal(result.steps[0]?.status, 'Cancelled');
  assert.equal(result.failed?.step, 'action: sleep.yml');
  assert.match(result.failed?.message ?? '', /cancelled during task "Sleep for a long time"/);
  await noSleepLeft(seconds);
  assert.deepEqual(await readdir(h.workRoot), []);
});

test('a signal aborted before the run starts runs nothing', async () => {
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('precancel'),
    steps: [{ role: 'action', shell: ['true'] }, { role: 'postHook', shell: ['true'] }],
  });
  const result = await h.executor.run(plan, () => undefined, AbortSignal.abort());
  assert.deepEqual(result.steps.map((s) => s.status), ['Cancelled', 'Skipped']);
});
