import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { JobPlanJson } from '../../src/engine/job-plan.js';
import { AGENT_IDENTITY_PATH } from '../../src/engine/plan-types.js';
import { SSH_AGENT_CONTAINER } from '../../src/executors/job-sidecars.js';
import { loadTestEnv } from '../env/index.js';
import { processesMatching } from '../executors/harness.js';
import { jobPlanOf, layOut, mainEnv, runEntrypoint } from './entrypoint-harness.js';

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
  assert.deepEqual(await readdir(m.hostPath('/tmp')), [], 'the work directory is removed');
  assert.deepEqual(await processesMatching(m.base), [], 'no ssh master nor agent outlives the pod');
  assert.equal(r.sidecars[SSH_AGENT_CONTAINER]?.exitCode, 0, 'the agent sidecar stops cleanly on SIGTERM');
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

test('the key is only in the ssh-agent sidecar: the ansible container mounts no key, its work directory holds the public half', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  // The real planner's plan: ssh offers exactly the agent's key, named by its public half.
  assert.equal(job.plan.agentIdentity, AGENT_IDENTITY_PATH);
  assert.match(job.plan.steps[0]!.env.ANSIBLE_SSH_ARGS!, new RegExp(`-o IdentitiesOnly=yes -o IdentityAgent=SSH_AUTH_SOCK -o IdentityFile=${AGENT_IDENTITY_PATH}`));
  assert.ok(!job.plan.steps[0]!.argv.includes('--private-key'));
  const key = await readFile(env.sshPrivateKeyPath, 'utf8');
  const keyLines = key.split('\n').filter((l) => l && !l.startsWith('-----'));
  const publicKey = (await execa('ssh-keygen', ['-y', '-f', env.sshPrivateKeyPath])).stdout.trim().split(' ').slice(0, 2).join(' ');
  // Steps after ping list what a playbook would find in the work directory, in its environment and in its agent.
  const lister = 'import os\nfor d, _, fs in os.walk("."):\n  for f in fs:\n    p = os.path.join(d, f)\n    print("FILE", p, os.path.islink(p))\nfor k, v in sorted(os.environ.items()):\n  print("ENV", k, v)';
  const plan: JobPlanJson = {
    ...job.plan,
    steps: [
      ...job.plan.steps,
      { name: 'list', role: 'postHook', kind: 'shell', argv: ['python3', '-c', lister], env: {} },
      { name: 'agent', role: 'postHook', kind: 'shell', argv: ['ssh-add', '-L'], env: { SSH_AUTH_SOCK: '/nowhere' } },
    ],
  };
  const m = await layOut(env, job, plan);
  const operation = m.objects.job.spec!.template.spec!.containers[0]!;
  assert.ok(!(operation.volumeMounts ?? []).some((v) => v.mountPath === '/auth'), 'the ansible container does not mount the key');
  const r = await runEntrypoint(m, mainEnv({ SLIPWAY_KEEP_WORK_DIR: '1' }));

  assert.equal(r.exitCode, 0, r.stderr + r.stdout);
  for (const host of hostNames) {
    assert.ok(r.events.some((e) => e.kind === 'runner' && e.host === host && e.task === 'Ping the host' && e.outcome === 'ok'), `ping ${host}`);
  }
  const agentKeys = r.stdout.split('\n').filter((l) => /^ssh-\S+ AAAA/.test(l));
  assert.deepEqual(agentKeys.map((l) => l.split(' ').slice(0, 2).join(' ')), [publicKey], 'the step sees the sidecar\'s agent, holding only the key');
  assert.ok(r.stdout.includes(`FILE ./${AGENT_IDENTITY_PATH} False`));
  assert.ok(!r.stdout.includes('ssh-privatekey'), 'no work file is, or links to, the key');
  const auth = m.hostPath('/auth', SSH_AGENT_CONTAINER);
  assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('ENV ') && l.includes(auth)), 'no variable of a step names the key\'s mount');
  assert.ok(r.stdout.includes(`ENV SSH_AUTH_SOCK ${m.hostPath('/agent')}/agent.sock`), 'the steps get the sidecar\'s socket');

  const [run] = await readdir(m.hostPath('/tmp'));
  const work = join(m.hostPath('/tmp'), run!, 'work');
  const identity = await readFile(join(work, AGENT_IDENTITY_PATH), 'utf8');
  assert.equal(identity.trim().split(' ').slice(0, 2).join(' '), publicKey, 'the IdentityFile is the agent key\'s public half');
  const holders: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink() && (await readlink(p)).startsWith(auth)) holders.push(`${p} -> /auth`);
      else if (e.isFile()) {
        const text = await readFile(p, 'latin1');
        if (keyLines.some((l) => text.includes(l))) holders.push(p);
      }
    }
  };
  for (const mount of ['/tmp', '/agent', '/conf', '/plan']) await walk(m.hostPath(mount));
  assert.deepEqual(holders, [], 'no file the ansible container mounts holds or links to the private key');
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
  assert.match(missing.stderr, /ssh-agent sidecar: .*ssh-privatekey is missing/);
  assert.deepEqual(await readdir(noKey.hostPath('/tmp')), []);

  const lockedKey = join(keys, 'locked');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', lockedKey]);
  const locked = await runEntrypoint(await layOut(env, job, job.plan, { keyPath: lockedKey }));
  assert.equal(locked.exitCode, 70);
  assert.deepEqual(locked.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['ssh-key']);
  assert.match(locked.stderr, /ssh-add refused/);
  assert.equal(locked.sidecars[SSH_AGENT_CONTAINER]?.exitCode, 0, 'a sidecar that failed waits to be stopped rather than crash-looping');
});

test('an image without ssh-agent, or a pod without the sidecar, stops the job before any step, saying why', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  // A kubespray-based image without openssh-client's agent: the sidecar's PATH has everything but ssh-agent and ssh-add.
  const bin = await mkdtemp(join(env.runDir, 'no-agent-bin-'));
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin']) {
    for (const tool of await readdir(dir).catch(() => [])) {
      if (tool !== 'ssh-agent' && tool !== 'ssh-add') await symlink(join(dir, tool), join(bin, tool)).catch(() => undefined);
    }
  }
  const noAgent = await runEntrypoint(await layOut(env, job), { env: { [SSH_AGENT_CONTAINER]: { PATH: bin } } });
  assert.equal(noAgent.exitCode, 70);
  assert.deepEqual(noAgent.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['ssh-agent']);
  assert.match(noAgent.stderr, /this image has no ssh-agent or ssh-add/);

  // The agent directory is there but nothing serves it.
  const m = await layOut(env, job);
  m.containers.splice(0, m.containers.length - 1);
  await mkdir(m.hostPath('/agent'), { recursive: true });
  const alone = await runEntrypoint(m, mainEnv({ SLIPWAY_AGENT_TIMEOUT: '1' }));
  assert.equal(alone.exitCode, 70);
  assert.deepEqual(alone.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['ssh-agent']);
  assert.match(alone.stderr, /did not load the key within 1 s/);
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
  await rm(join(m.hostPath('/conf'), 'hosts.yml'));
  const missing = await runEntrypoint(m);
  assert.equal(missing.exitCode, 70);
  assert.deepEqual(missing.steps.map((s) => (s.kind === 'job-error' ? s.code : s.kind)), ['missing-file']);
  assert.deepEqual(await readdir(m.hostPath('/tmp')), []);
});

test('SIGTERM stops the running step, and no later step starts', async () => {
  const job = await jobPlanOf(env, { operation: { actionType: 'playbook', action: 'ping.yml' } });
  const py = (code: string) => ({ name: code, role: 'action' as const, kind: 'shell' as const, argv: ['python3', '-c', code], env: {} });
  const plan: JobPlanJson = { ...job.plan, steps: [py('import time; print("SLEEPING", flush=True); time.sleep(120)'), py('print("NEVER")')] };
  const m = await layOut(env, job, plan);
  const r = await runEntrypoint(m, {
    onMain: (child) => {
      let seen = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('SLEEPING')) child.kill('SIGTERM');
      });
    },
  });

  assert.equal(r.exitCode, 143, r.stderr);
  assert.ok(!r.stdout.includes('NEVER'));
  assert.deepEqual(r.steps.map((s) => (s.kind === 'step-end' || s.kind === 'job-end' ? `${s.kind} ${s.exitCode}` : s.kind)), ['step-start', 'step-end 143', 'job-end 143']);
  assert.deepEqual(await readdir(m.hostPath('/tmp')), []);
});
