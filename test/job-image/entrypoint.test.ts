import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, lstat, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { JobPlanJson } from '../../src/engine/job-plan.js';
import { AGENT_IDENTITY_PATH } from '../../src/engine/plan-types.js';
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

test('the key is only in the agent: the work directory holds its public half, and no file the key', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  // The real planner's plan: ssh offers exactly the agent's key, named by its public half.
  assert.equal(job.plan.agentIdentity, AGENT_IDENTITY_PATH);
  assert.match(job.plan.steps[0]!.env.ANSIBLE_SSH_ARGS!, new RegExp(`-o IdentitiesOnly=yes -o IdentityAgent=SSH_AUTH_SOCK -o IdentityFile=${AGENT_IDENTITY_PATH}`));
  assert.ok(!job.plan.steps[0]!.argv.includes('--private-key'));
  const m = await layOut(env, job);
  const key = await readFile(env.sshPrivateKeyPath, 'utf8');
  const keyLines = key.split('\n').filter((l) => l && !l.startsWith('-----'));
  const publicKey = (await execa('ssh-keygen', ['-y', '-f', env.sshPrivateKeyPath])).stdout.trim().split(' ').slice(0, 2).join(' ');
  // Steps after ping list what a playbook would find in the work directory, and in its agent.
  const lister = 'import os\nfor d, _, fs in os.walk("."):\n  for f in fs:\n    p = os.path.join(d, f)\n    print("FILE", p, os.path.islink(p))';
  const plan: JobPlanJson = {
    ...job.plan,
    steps: [
      ...job.plan.steps,
      { name: 'list', role: 'postHook', kind: 'shell', argv: ['python3', '-c', lister], env: {} },
      { name: 'agent', role: 'postHook', kind: 'shell', argv: ['ssh-add', '-L'], env: { SSH_AUTH_SOCK: '/nowhere' } },
    ],
  };
  await writeFile(join(m.dirs.plan, 'plan.json'), JSON.stringify(plan));
  const r = await runEntrypoint(m, { SLIPWAY_KEEP_WORK_DIR: '1' });

  assert.equal(r.exitCode, 0, r.stderr + r.stdout);
  for (const host of hostNames) {
    assert.ok(r.events.some((e) => e.kind === 'runner' && e.host === host && e.task === 'Ping the host' && e.outcome === 'ok'), `ping ${host}`);
  }
  const agentKeys = r.stdout.split('\n').filter((l) => /^ssh-\S+ AAAA/.test(l));
  assert.deepEqual(agentKeys.map((l) => l.split(' ').slice(0, 2).join(' ')), [publicKey], 'the step sees its run\'s agent, holding only the key');
  assert.ok(r.stdout.includes(`FILE ./${AGENT_IDENTITY_PATH} False`));
  assert.ok(!r.stdout.includes('ssh-privatekey'), 'no work file is, or links to, the key');

  const [run] = await readdir(m.workRoot);
  const work = join(m.workRoot, run!, 'work');
  const identity = await readFile(join(work, AGENT_IDENTITY_PATH), 'utf8');
  assert.equal(identity.trim().split(' ').slice(0, 2).join(' '), publicKey, 'the IdentityFile is the agent key\'s public half');
  const holders: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink() && (await readlink(p)).startsWith(m.dirs.auth)) holders.push(`${p} -> /auth`);
      else if (e.isFile()) {
        const text = await readFile(p, 'latin1');
        if (keyLines.some((l) => text.includes(l))) holders.push(p);
      }
    }
  };
  await walk(join(m.workRoot, run!));
  assert.deepEqual(holders, [], 'no file under the run directory holds or links to the private key');
  assert.equal((await lstat(join(work, 'inventory', 'hosts.yml'))).mode & 0o777, 0o600);
});

test('the agent\'s key is what reaches the hosts: another key is refused, a missing or locked one stops the job', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  const keys = await mkdtemp(join(env.runDir, 'job-keys-'));
  const otherKey = join(keys, 'other');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'other', '-f', otherKey]);
  const other = await runEntrypoint(await layOut(env, job, job.plan, { keyPath: otherKey }));
  assert.equal(other.exitCode, 4, `with another key in the agent every host is unreachable\n${other.stderr}`);
  for (const host of hostNames) assert.ok(other.events.some((e) => e.kind === 'runner' && e.host === host && e.outcome === 'unreachable'), host);

  const noKey = await layOut(env, job, job.plan, { withKey: false });
  const missing = await runEntrypoint(noKey);
  assert.equal(missing.exitCode, 70);
  assert.deepEqual(missing.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['ssh-key'], 'no step starts');
  assert.match(missing.stderr, /ssh-privatekey is missing/);
  assert.deepEqual(await readdir(noKey.workRoot), []);

  const lockedKey = join(keys, 'locked');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', lockedKey]);
  const locked = await runEntrypoint(await layOut(env, job, job.plan, { keyPath: lockedKey }));
  assert.equal(locked.exitCode, 70);
  assert.deepEqual(locked.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['ssh-key']);
});

test('a plan the image cannot run ends before any step, with a job-error line', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  const bad: JobPlanJson = { ...job.plan, steps: [{ name: 'x', role: 'action', kind: 'shell', argv: ['A=b', 'sh'], env: {} }] };
  const r = await runEntrypoint(await layOut(env, job, bad));
  assert.equal(r.exitCode, 70);
  assert.deepEqual(r.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['bad-plan']);
  assert.match(r.stderr, /argv\[0\] must be a program name/);

  // A hand-made plan.json cannot bring the key into the work directory, nor write over a file.
  const fromAuth = { ...job.plan, files: [...job.plan.files, { path: 'k', mount: 'auth', key: 'ssh-privatekey', source: 'plan-secret', mode: 0o600 }] };
  const clash: JobPlanJson = { ...job.plan, agentIdentity: 'inventory/hosts.yml' };
  for (const [plan, message] of [[fromAuth, /mount must be one of conf, plan/], [clash, /agentIdentity "inventory\/hosts.yml" clashes/]] as const) {
    const refused = await runEntrypoint(await layOut(env, job, plan as JobPlanJson));
    assert.equal(refused.exitCode, 70);
    assert.deepEqual(refused.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['bad-plan']);
    assert.match(refused.stderr, message);
  }

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
