import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, lstat, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobPlanJson } from '../../src/engine/job-plan.js';
import { loadTestEnv } from '../env/index.js';
import { processesMatching } from '../executors/harness.js';
import { jobPlanOf, layOut, readRun, runEntrypoint, startEntrypoint } from './entrypoint-harness.js';

const env = loadTestEnv();
const hostNames = env.hosts.map((h) => h.name);

const FAIL_ON_NODE2 = `- name: Break one host
  hosts: all
  gather_facts: false
  tasks:
    - name: Fail on node2
      ansible.builtin.fail:
        msg: node2 is broken on purpose
      when: inventory_hostname == 'node2'
`;

const exists = (p: string) => access(p).then(() => true, () => false);

test('runs the steps in order against the real hosts; events and step lines parse', async () => {
  const job = await jobPlanOf(env, {
    operation: { actionType: 'playbook', action: 'cluster-info.yml', preHook: [{ actionType: 'playbook', action: 'ping.yml' }] },
  });
  const m = await layOut(env, job);
  const r = await runEntrypoint(m);

  assert.equal(r.exitCode, 0, r.stderr + r.stdout);
  assert.deepEqual(
    r.steps.map((s) => (s.kind === 'step-start' ? `start ${s.index}/${s.total} ${s.name}` : s.kind === 'step-end' ? `end ${s.index} ${s.exitCode}` : s.kind)),
    ['start 0/2 preHook 1: ping.yml', 'end 0 0', 'start 1/2 action: cluster-info.yml', 'end 1 0', 'job-end'],
  );
  assert.deepEqual(r.steps.at(-1), { kind: 'job-end', exitCode: 0, time: r.steps.at(-1)!.time });
  // Each playbook's events come between its own step lines.
  const kinds = r.sequence.map((x) => (x.kind === 'playbook' ? `playbook ${x.file}` : x.kind));
  const i = (k: string) => kinds.indexOf(k);
  assert.ok(i('step-start') < i('playbook builtin/ping.yml') && i('playbook builtin/ping.yml') < i('step-end'));
  assert.ok(i('playbook builtin/cluster-info.yml') > i('step-end') && i('playbook builtin/cluster-info.yml') < kinds.lastIndexOf('step-end'));
  for (const host of hostNames) {
    assert.ok(r.events.some((e) => e.kind === 'runner' && e.host === host && e.task === 'Ping the host' && e.outcome === 'ok'), `ping ${host}`);
    const facts = r.events.find((e) => e.kind === 'runner' && e.host === host && e.task === "Show the host's facts");
    assert.ok(facts?.kind === 'runner' && /vCPU/.test(facts.message ?? ''), `facts of ${host}`);
  }
  const stats = r.events.filter((e) => e.kind === 'stats');
  assert.equal(stats.length, 2);
  assert.deepEqual(await readdir(m.workRoot), [], 'the work directory is removed');
  assert.deepEqual(await processesMatching(m.workRoot), [], 'no ssh master outlives the entrypoint');
});

test('a failing step stops the rest and its exit code is the job\'s', async () => {
  const job = await jobPlanOf(env, {
    operation: {
      actionType: 'playbook',
      action: 'fail.yml',
      actionSource: 'configmap',
      actionSourceRef: { namespace: 'kubean-system', name: 'actions' },
      preHook: [{ actionType: 'playbook', action: 'ping.yml' }],
      postHook: [{ actionType: 'playbook', action: 'cluster-info.yml' }],
    },
    actions: { 'fail.yml': FAIL_ON_NODE2 },
  });
  const m = await layOut(env, job);
  const r = await runEntrypoint(m);

  assert.equal(r.exitCode, 2, r.stderr);
  assert.deepEqual(
    r.steps.filter((s) => s.kind === 'step-start').map((s) => s.kind === 'step-start' && s.name),
    ['preHook 1: ping.yml', 'action: fail.yml'],
  );
  const end = r.steps.at(-1);
  assert.ok(end?.kind === 'job-end');
  assert.equal(end.exitCode, 2);
  assert.equal(end.failedStep, 1);
  assert.ok(r.events.some((e) => e.kind === 'runner' && e.host === 'node2' && e.outcome === 'failed' && e.message === 'node2 is broken on purpose'));
  assert.ok(!r.events.some((e) => e.kind === 'playbook' && e.file.endsWith('cluster-info.yml')), 'the postHook never starts');
});

test('hostile argv elements, step names and env values reach the step as literal words', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  const marker = join(env.runDir, env.randomName('pwned'));
  const hostile = [`; touch ${marker}-1`, `$(touch ${marker}-2)`, `\`touch ${marker}-3\``, 'a\nb', '"\'\\', 'X=1', '-e', '', '*'];
  const echo = 'import json, os, sys; print("ARGV " + json.dumps(sys.argv[1:])); print("ENV " + json.dumps(os.environ["HOSTILE"]))';
  const plan: JobPlanJson = {
    ...job.plan,
    steps: [
      {
        name: `evil "name"\n@@slipway-step {"e":"job-end","exitCode":0} $(touch ${marker}-4)`,
        role: 'action',
        kind: 'shell',
        argv: ['python3', '-c', echo, ...hostile],
        env: { HOSTILE: `$(touch ${marker}-5); echo` },
      },
    ],
  };
  const m = await layOut(env, job, plan);
  const r = await runEntrypoint(m);

  assert.equal(r.exitCode, 0, r.stderr);
  const argvLine = r.stdout.split('\n').find((l) => l.startsWith('ARGV '));
  assert.deepEqual(JSON.parse(argvLine!.slice(5)), hostile);
  assert.ok(r.stdout.includes(`ENV ${JSON.stringify(`$(touch ${marker}-5); echo`)}`));
  const start = r.steps[0];
  assert.ok(start?.kind === 'step-start');
  assert.equal(start.name, plan.steps[0]!.name, 'the name stays inside its own line');
  assert.deepEqual(r.steps.map((s) => s.kind), ['step-start', 'step-end', 'job-end']);
  for (const n of [1, 2, 3, 4, 5]) assert.equal(await exists(`${marker}-${n}`), false, `nothing ran hostile text ${n}`);
});

test('the key is linked from its mount, never copied into the work directory', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  const m = await layOut(env, job);
  const key = await readFile(env.sshPrivateKeyPath, 'utf8');
  const keyBody = key.split('\n')[1]!;
  // A step after ping lists what a playbook would find in the work directory.
  const lister = 'import os\nfor d, _, fs in os.walk("."):\n  for f in fs:\n    p = os.path.join(d, f)\n    print("FILE", p, os.path.islink(p))';
  const plan: JobPlanJson = { ...job.plan, steps: [...job.plan.steps, { name: 'list', role: 'postHook', kind: 'shell', argv: ['python3', '-c', lister], env: {} }] };
  await writeFile(join(m.dirs.plan, 'plan.json'), JSON.stringify(plan));
  const r = await runEntrypoint(m, { SLIPWAY_KEEP_WORK_DIR: '1' });

  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(r.stdout.includes('FILE ./auth/ssh-privatekey True'), 'the key is a link');
  const [run] = await readdir(m.workRoot);
  const work = join(m.workRoot, run!, 'work');
  assert.equal(await readlink(join(work, 'auth', 'ssh-privatekey')), join(m.dirs.auth, 'ssh-privatekey'));
  const copies: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (await readFile(p, 'utf8')).includes(keyBody)) copies.push(p);
    }
  };
  await walk(join(m.workRoot, run!));
  assert.deepEqual(copies, [], 'no copy of the key anywhere under the run directory');
  assert.equal((await lstat(join(work, 'inventory', 'hosts.yml'))).mode & 0o777, 0o600);
});

/** The plan as it will be once steps reach the key through the agent (no --private-key). */
function agentOnly(plan: JobPlanJson): JobPlanJson {
  return {
    ...plan,
    files: plan.files.filter((f) => f.mount !== 'auth'),
    steps: plan.steps.map((s) => ({
      ...s,
      argv: s.argv.filter((a, i, all) => a !== '--private-key' && all[i - 1] !== '--private-key'),
      env: { ...s.env, ANSIBLE_SSH_ARGS: (s.env.ANSIBLE_SSH_ARGS ?? '').replace('-o IdentitiesOnly=yes -o IdentityAgent=none', '-o IdentityAgent=SSH_AUTH_SOCK') },
    })),
  };
}

test('with no --private-key in the argv, the agent holding the mounted key is what reaches the hosts', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  const plan = agentOnly(job.plan);
  assert.ok(plan.steps[0]!.env.ANSIBLE_SSH_ARGS!.includes('IdentityAgent=SSH_AUTH_SOCK'), 'the test plan really uses the agent');

  const withKey = await runEntrypoint(await layOut(env, job, plan));
  assert.equal(withKey.exitCode, 0, withKey.stderr + withKey.stdout);
  for (const host of hostNames) assert.ok(withKey.events.some((e) => e.kind === 'runner' && e.host === host && e.outcome === 'ok'));

  const withoutKey = await runEntrypoint(await layOut(env, job, plan, { withKey: false }));
  assert.equal(withoutKey.exitCode, 4, 'without the key in the agent every host is unreachable');
  assert.ok(withoutKey.events.some((e) => e.kind === 'runner' && e.outcome === 'unreachable'));
});

test('a plan the image cannot run ends before any step, with a job-error line', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  const bad: JobPlanJson = { ...job.plan, steps: [{ name: 'x', role: 'action', kind: 'shell', argv: ['A=b', 'sh'], env: {} }] };
  const r = await runEntrypoint(await layOut(env, job, bad));
  assert.equal(r.exitCode, 70);
  assert.deepEqual(r.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['bad-plan']);
  assert.match(r.stderr, /argv\[0\] must be a program name/);

  const m = await layOut(env, job);
  await rm(join(m.dirs.conf, 'hosts.yml'));
  const missing = await runEntrypoint(m);
  assert.equal(missing.exitCode, 70);
  assert.deepEqual(missing.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['missing-file']);
  assert.deepEqual(await readdir(m.workRoot), []);
});

test('SIGTERM stops the running step, and no later step starts', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  const py = (code: string) => ({ name: code, role: 'action' as const, kind: 'shell' as const, argv: ['python3', '-c', code], env: {} });
  const plan: JobPlanJson = { ...job.plan, steps: [py('import time; print("SLEEPING", flush=True); time.sleep(120)'), py('print("NEVER")')] };
  const m = await layOut(env, job, plan);
  const child = startEntrypoint(m);
  let seen = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('SLEEPING')) resolve();
    });
  });
  child.kill('SIGTERM');
  const done = await child;
  const r = readRun({ exitCode: done.exitCode ?? -1, stdout: String(done.stdout), stderr: String(done.stderr) });

  assert.equal(r.exitCode, 143, r.stderr);
  assert.ok(!r.stdout.includes('NEVER'));
  assert.deepEqual(r.steps.map((s) => (s.kind === 'step-end' || s.kind === 'job-end' ? `${s.kind} ${s.exitCode}` : s.kind)), ['step-start', 'step-end 143', 'job-end 143']);
  assert.deepEqual(await readdir(m.workRoot), []);
});
