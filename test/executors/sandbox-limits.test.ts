/**
 * The sandbox's process, CPU and /tmp limits, hit by real sandboxed steps that stop by
 * themselves: a fork bomb (bounded: its sleepers end within seconds), spinners (bounded by
 * `timeout`, or by the limit), a /tmp filler. Each step's result says which limit it hit, and
 * the executor carries on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executorHarness, recorder } from './harness.js';
import { buildTestPlan, fixturePlaybook } from './plan-fixture.js';

const FORK_BOMB = `- hosts: localhost
  connection: local
  become: false
  gather_facts: false
  tasks:
    - name: Fork until refused
      ansible.builtin.shell: |
        i=0
        while [ $i -lt 500 ]; do sleep 3 & i=$((i+1)); done
        wait
`;


test('a fork bomb stops at the pids cgroup limit, the step says so, and the next operation runs', async () => {
  const h = await executorHarness('limits-pids', { sandbox: { allowLoopbackHosts: true, pidsLimit: 64 } });
  const plan = await buildTestPlan(h.env, { operation: h.env.randomName('forks'), steps: [{ role: 'action', playbookText: FORK_BOMB, name: 'forks.yml' }] });
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  assert.equal(result.failed?.message, 'step "action: forks.yml" failed at its limit of 64 processes during task "Fork until refused"');

  const after = await buildTestPlan(h.env, {
    operation: h.env.randomName('after'),
    steps: [{ role: 'action', playbook: fixturePlaybook('append-step.yml'), extraVars: { marker_dir: await h.markerDir(), step_label: 'after' } }],
  });
  assert.equal((await h.executor.run(after, () => undefined)).status, 'Succeeded');
});

test('a spinning step is held at its CPU quota, and its output says for how long', async () => {
  const h = await executorHarness('limits-cpu', { sandbox: { allowLoopbackHosts: true, cpuLimit: 0.05 } });
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('spin'),
    steps: [{ role: 'action', shell: ['sh', '-c', 'timeout 3 sh -c "while :; do :; done" & timeout 3 sh -c "while :; do :; done" & wait; exit 0'] }],
  });
  const { events, sink } = recorder();
  const result = await h.executor.run(plan, sink);
  assert.equal(result.status, 'Succeeded', JSON.stringify(result.failed));
  const note = events.flatMap((e) => (e.type === 'output' && e.line.startsWith('slipway: ') ? [e.line] : []));
  assert.equal(note.length, 1, JSON.stringify(note));
  const seconds = Number(/held at its CPU limit of 0\.05 CPUs for ([\d.]+) s in all$/.exec(note[0]!)?.[1]);
  // Two spinners for 3 s get 5 ms of every 100: held back nearly all the time.
  assert.ok(seconds >= 2, note[0]);
});

test('without cgroups, RLIMIT_CPU kills a spinning process and the step says so', async () => {
  const h = await executorHarness('limits-cputime', {
    sandbox: { allowLoopbackHosts: true, cgroupMount: '/nonexistent/cgroup', cpuTimeLimitSeconds: 1 },
  });
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('cputime'),
    activeDeadlineSeconds: 60,
    steps: [{ role: 'action', shell: ['sh', '-c', 'while :; do :; done'] }],
  });
  const started = Date.now();
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  assert.equal(result.failed?.message, 'step "action: sh" was killed at its CPU-time limit of 1 s per process');
  assert.ok(Date.now() - started < 30_000, 'the limit, not the deadline, ended it');
});

test("the sandbox's /tmp is a bounded tmpfs: filling it fails with ENOSPC, not the host's disk", async () => {
  const h = await executorHarness('limits-tmp', { sandbox: { allowLoopbackHosts: true, tmpLimitBytes: 8 * 1024 ** 2 } });
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('fill'),
    steps: [{ role: 'action', shell: ['sh', '-c', 'dd if=/dev/zero of=/tmp/fill bs=1M count=16 2>&1 | grep -m1 "No space" >&2; exit 1'] }],
  });
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  assert.equal(result.steps[0]?.exitCode, 1);
  assert.match(result.failed?.message ?? '', /No space left on device/);
});
