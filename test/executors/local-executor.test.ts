import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { executorHarness, recorder, sshCat } from './harness.js';
import { buildTestPlan, fixturePlaybook } from './plan-fixture.js';

const h = await executorHarness('executor');
const hostNames = h.env.hosts.map((x) => x.name);

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

test('a playbook that succeeds on every host: Succeeded with exact per-host counts', async () => {
  const dir = await h.markerDir();
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('ok'),
    steps: [{ role: 'action', playbook: fixturePlaybook('append-step.yml'), extraVars: { marker_dir: dir, step_label: 'action' } }],
  });
  const { events, sink } = recorder();
  const result = await h.executor.run(plan, sink);

  assert.equal(result.status, 'Succeeded', JSON.stringify(result.failed));
  assert.equal(result.failed, undefined);
  assert.equal(result.steps.length, 1);
  const [step] = result.steps;
  assert.equal(step?.status, 'Succeeded');
  assert.equal(step?.exitCode, 0);
  assert.deepEqual(Object.keys(step?.hosts ?? {}).sort(), hostNames);
  for (const name of hostNames) {
    // shell (changed) + file touch (changed) + debug (ok)
    assert.deepEqual(step?.hosts[name], { ok: 3, changed: 2, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 });
    assert.ok(await exists(join(dir, `marker-${name}-action`)));
  }
  assert.deepEqual(step?.failures, []);

  const types = events.map((e) => e.type);
  assert.equal(types[0], 'step-start');
  assert.equal(types.at(-1), 'step-end');
  assert.ok(events.some((e) => e.type === 'play' && e.name === 'Record a step'));
  assert.ok(events.some((e) => e.type === 'task' && e.name === 'Append the step label'));
  const results = events.filter((e) => e.type === 'host-result');
  assert.equal(results.length, 9);
  assert.ok(results.some((e) => e.host === 'node3' && e.task === 'Report' && e.outcome === 'ok'));
  const output = events.flatMap((e) => (e.type === 'output' ? [e.line] : []));
  assert.ok(output.some((l) => l.startsWith('PLAY RECAP')));
  assert.ok(!output.some((l) => l.includes('@@slipway-event')), 'marker lines are not passed on as output');

  const log = await readFile(h.logFile, 'utf8');
  assert.match(log, /TASK \[Append the step label\]/);
  assert.ok(!log.includes('@@slipway-event'));
  assert.deepEqual(await readdir(h.workRoot), [], 'the work dir is removed');
});

test('a task failing on one host: Failed, naming task and host; the postHook is skipped', async () => {
  const dir = await h.markerDir();
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('fail'),
    steps: [
      { role: 'action', playbook: fixturePlaybook('fail-on-node2.yml') },
      { role: 'postHook', playbook: fixturePlaybook('append-step.yml'), extraVars: { marker_dir: dir, step_label: 'post' } },
    ],
  });
  const result = await h.executor.run(plan, () => undefined);

  assert.equal(result.status, 'Failed');
  assert.deepEqual(result.failed, {
    step: 'action: fail-on-node2.yml',
    task: 'Fail on node2',
    hosts: ['node2'],
    message: 'task "Fail on node2" failed on node2: node2 is broken on purpose',
  });
  const [action, post] = result.steps;
  assert.equal(action?.status, 'Failed');
  assert.equal(action?.exitCode, 2);
  assert.deepEqual(action?.failures, [
    { play: 'Break one host', task: 'Fail on node2', host: 'node2', unreachable: false, message: 'node2 is broken on purpose' },
  ]);
  // The ignored failure counts as ignored, not as a failure.
  assert.deepEqual(action?.hosts.node1, { ok: 2, changed: 1, failed: 0, unreachable: 0, skipped: 1, rescued: 0, ignored: 1 });
  assert.deepEqual(action?.hosts.node2, { ok: 1, changed: 0, failed: 1, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 });
  assert.equal(post?.status, 'Skipped');
  assert.equal(post?.name, 'postHook 1: append-step.yml');
  for (const name of hostNames) assert.equal(await exists(join(dir, `marker-${name}-post`)), false);
  assert.deepEqual(await readdir(h.workRoot), []);
});

test('preHook, action and postHook run in order on every host', async () => {
  const dir = await h.markerDir();
  const step = (role: 'preHook' | 'action' | 'postHook', label: string) =>
    ({ role, playbook: fixturePlaybook('append-step.yml'), extraVars: { marker_dir: dir, step_label: label } }) as const;
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('order'),
    steps: [step('preHook', 'pre'), step('action', 'main'), step('postHook', 'post')],
  });
  const { events, sink } = recorder();
  const result = await h.executor.run(plan, sink);

  assert.equal(result.status, 'Succeeded', JSON.stringify(result.failed));
  assert.deepEqual(
    result.steps.map((s) => [s.name, s.status]),
    [
      ['preHook 1: append-step.yml', 'Succeeded'],
      ['action: append-step.yml', 'Succeeded'],
      ['postHook 1: append-step.yml', 'Succeeded'],
    ],
  );
  assert.deepEqual(
    events.flatMap((e) => (e.type === 'step-start' ? [`${e.index}/${e.total}`] : [])),
    ['0/3', '1/3', '2/3'],
  );
  for (const name of hostNames) {
    const order = await sshCat(h.env, name, join(dir, `order-${name}`));
    assert.deepEqual(order.split('\n'), ['pre', 'main', 'post'], `order on ${name}`);
  }
});

test('a failing shell step reports its exit code and last stderr lines', async () => {
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('shell'),
    steps: [
      { role: 'preHook', shell: ['sh', '-c', 'echo starting; echo "disk full" >&2; exit 3'] },
      { role: 'action', shell: ['true'] },
    ],
  });
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  assert.deepEqual(result.failed, { step: 'preHook 1: sh', hosts: [], message: 'sh exited with code 3: disk full' });
  assert.equal(result.steps[0]?.exitCode, 3);
  assert.equal(result.steps[1]?.status, 'Skipped');
});

test('a program that does not exist fails the step without throwing', async () => {
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('enoent'),
    steps: [{ role: 'action', shell: ['/nonexistent/slipway-tool'] }],
  });
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  assert.match(result.failed?.message ?? '', /^cannot run \/nonexistent\/slipway-tool: /);
});

test('an unreachable host fails the operation and is named', async () => {
  const plan = await buildTestPlan(
    { ...h.env, hosts: [...h.env.hosts, { name: 'node9', address: '127.0.0.19', port: 1 }] },
    {
      operation: h.env.randomName('unreach'),
      steps: [{ role: 'action', playbook: fixturePlaybook('append-step.yml'), extraVars: { marker_dir: await h.markerDir(), step_label: 'x' } }],
    },
  );
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  const [step] = result.steps;
  assert.equal(step?.exitCode, 4);
  assert.equal(step?.hosts.node9?.unreachable, 1);
  assert.ok(step?.failures.some((f) => f.host === 'node9' && f.unreachable));
  assert.equal(result.failed?.task, 'Append the step label');
  assert.deepEqual(result.failed?.hosts, ['node9']);
  assert.match(result.failed?.message ?? '', /^task "Append the step label" could not reach node9: .*ssh/i);
});

test('ansible-playbook failing before any task quotes its error', async () => {
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('missing'),
    steps: [{ role: 'action', playbook: fixturePlaybook('does-not-exist.yml') }],
  });
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  assert.equal(result.steps[0]?.exitCode, 1);
  assert.match(result.failed?.message ?? '', /^ansible-playbook exited with code 1: .*ERROR! the playbook: .*does-not-exist\.yml could not be found/s);
});
