import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, executorHarness, processesMatching, recorder, remoteProcessesMatching } from './harness.js';
import { buildTestPlan, fixturePlaybook } from './plan-fixture.js';

const h = await executorHarness('stop', { killGraceMs: 1_000 });
const hostCount = h.env.hosts.length;

/**
 * Long enough for the planned step (ansible's start, interpreter discovery, become, no
 * pipelining) to start its sleeps on a loaded machine before the deadline stops it.
 */
const DEADLINE_SECONDS = 15;

/** A duration no other test uses, so the process scans below find only this test's sleeps. */
function uniqueSleep(): string {
  return `600.${Math.floor(Math.random() * 1e6)}`;
}

/** The sleeps sleep.yml started on the test hosts, as seen while the step runs. */
function watchRemoteSleeps(seconds: string): { stop(): number[] } {
  const seen = new Set<number>();
  let scanning = false;
  const timer = setInterval(() => {
    if (scanning) return;
    scanning = true;
    void remoteProcessesMatching(h.env, `sleep ${seconds}`)
      .then((pids) => pids.forEach((p) => seen.add(p)))
      .finally(() => (scanning = false));
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      return [...seen];
    },
  };
}

/**
 * A temp dir for the sleeps' module (sleep.yml's module_tmp). A stopped module leaves nothing
 * there: the hangup wrapper interrupts python first, so ansible's module wrapper removes its
 * payload (ansible_*_payload_*) instead of leaving it in the host's /tmp.
 */
async function moduleTempDir(): Promise<string> {
  return mkdtemp(join(h.env.runDir, 'module-tmp-'));
}

async function moduleTempEmpty(dir: string): Promise<void> {
  const empty = await eventually(async () => (await readdir(dir)).length === 0, 5_000);
  assert.ok(empty, `a stopped module left ${await readdir(dir)} in its temp dir`);
}

/** The remote sleeps are gone soon after the step was stopped: sshd hung up their pty. */
async function remoteSleepsGone(seconds: string, pids: number[]): Promise<void> {
  assert.equal(pids.length, hostCount, `a sleep ran on every host: ${pids}`);
  const stopped = Date.now();
  const gone = await eventually(async () => (await processesMatching(`sleep ${seconds}`)).length === 0, 5_000);
  const left = await processesMatching(`sleep ${seconds}`);
  // A failing run leaves nothing behind either.
  for (const pid of left) process.kill(pid, 'SIGKILL');
  assert.ok(gone, `sleep ${seconds} still running ${Date.now() - stopped} ms after the step ended: ${left}`);
}

test('the deadline kills a long step: TimedOut, later steps skipped, its remote commands end too', async () => {
  const seconds = uniqueSleep();
  const moduleTmp = await moduleTempDir();
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('deadline'),
    activeDeadlineSeconds: DEADLINE_SECONDS,
    steps: [
      { role: 'action', playbook: fixturePlaybook('sleep.yml'), extraVars: { sleep_seconds: seconds, module_tmp: moduleTmp } },
      { role: 'postHook', shell: ['true'] },
    ],
  });
  assert.equal(plan.activeDeadlineSeconds, DEADLINE_SECONDS, "the planner's deadline");
  const watch = watchRemoteSleeps(seconds);
  const started = Date.now();
  const result = await h.executor.run(plan, () => undefined);
  const took = Date.now() - started;
  const sleeps = watch.stop();

  assert.equal(result.status, 'Failed');
  assert.equal(result.steps[0]?.status, 'TimedOut');
  assert.equal(result.steps[1]?.status, 'Skipped');
  assert.match(result.failed?.message ?? '', new RegExp(`deadline of ${DEADLINE_SECONDS}s .*exceeded during task "Sleep for a long time"`));
  assert.ok(took < DEADLINE_SECONDS * 1_000 + 1_000 + 3_000, `run took ${took} ms`);
  await remoteSleepsGone(seconds, sleeps);
  await moduleTempEmpty(moduleTmp);
  assert.deepEqual(await readdir(h.workRoot), []);
});

test('cancelling through the AbortSignal kills the step: Cancelled, its remote commands end too', async () => {
  const seconds = uniqueSleep();
  const moduleTmp = await moduleTempDir();
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('cancel'),
    steps: [{ role: 'action', playbook: fixturePlaybook('sleep.yml'), extraVars: { sleep_seconds: seconds, module_tmp: moduleTmp } }],
  });
  const controller = new AbortController();
  const { events, sink } = recorder();
  let sleeps: number[] = [];
  let payloads: string[] = [];
  const running = h.executor.run(plan, (e) => {
    sink(e);
    // Pull the plug once the sleeps run on every host.
    if (e.type === 'task' && e.name === 'Sleep for a long time') {
      void eventually(async () => (sleeps = await remoteProcessesMatching(h.env, `sleep ${seconds}`)).length === hostCount, 30_000).then(async () => {
        payloads = await readdir(moduleTmp);
        controller.abort();
      });
    }
  }, controller.signal);
  const result = await running;

  // The running modules' payloads were there, so their absence below means they were removed.
  assert.equal(payloads.filter((p) => /^ansible_.*_payload_/.test(p)).length, hostCount, `payloads while running: ${payloads}`);

  assert.ok(events.some((e) => e.type === 'task'));
  assert.equal(result.status, 'Failed');
  assert.equal(result.steps[0]?.status, 'Cancelled');
  assert.equal(result.failed?.step, 'action: sleep.yml');
  assert.match(result.failed?.message ?? '', /cancelled during task "Sleep for a long time"/);
  await remoteSleepsGone(seconds, sleeps);
  await moduleTempEmpty(moduleTmp);
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
