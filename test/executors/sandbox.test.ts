/**
 * The sandbox, tested by what a step can see and do. The plans bypass the policy on purpose: a
 * ConfigMap-style playbook whose controller side runs a probe (lookup('pipe') with
 * delegate_to: localhost), which the policy would refuse but which must be harmless anyway.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ExecutionEvent } from '../../src/executors/types.js';
import { eventually, executorHarness, recorder } from './harness.js';
import { buildTestPlan, fixturePlaybook } from './plan-fixture.js';
import { repoRoot } from '../env/repo-root.js';

const PROBE_PLAYBOOK = `- name: Probe the controller side
  hosts: all
  gather_facts: false
  tasks:
    - name: Probe
      ansible.builtin.debug:
        msg: "{{ lookup('ansible.builtin.pipe', 'python3 ' ~ playbook_dir ~ '/../sandbox/probe.py') }}"
      delegate_to: localhost
      run_once: true
`;

interface ProbeReport {
  uid: number;
  euid: number;
  cap_eff: string;
  cap_bnd: string;
  no_new_privs: string;
  process_count: number;
  sees_node: boolean;
  visible: Record<string, boolean>;
  builtin_readable: boolean;
  builtin_writable: boolean;
  key_found_in: string[];
  env_has_key: boolean;
  agent_keys: number;
  agent_signs: boolean;
  tmp_marker_written: boolean;
  redis?: string;
}

function probeReport(events: ExecutionEvent[]): ProbeReport {
  for (const e of events) {
    if (e.type === 'host-result' && e.message?.startsWith('SANDBOX-PROBE ')) return JSON.parse(e.message.slice('SANDBOX-PROBE '.length)) as ProbeReport;
  }
  throw new Error(`no probe report among ${events.length} events: ${JSON.stringify(events.filter((e) => e.type === 'output').slice(-10))}`);
}

async function keyLineHash(path: string): Promise<string> {
  const line = (await readFile(path, 'utf8')).split('\n').map((l) => l.trim()).find((l) => l.length >= 40 && !l.startsWith('-----'));
  assert.ok(line, 'the test key has a body line');
  return createHash('sha256').update(line).digest('hex');
}

test('a ConfigMap playbook sees only its own operation: no repo, logs, state, other operations, key, loopback services, host /tmp or pids; unprivileged', async () => {
  // No loopback hosts allowed: the sandbox gets its own network through slirp4netns.
  const h = await executorHarness('sandbox-iso', { sandbox: { allowLoopbackHosts: false } });
  const other = await executorHarness('sandbox-other');
  // Another operation, running meanwhile, with its own work dir and key.
  const sleeper = await buildTestPlan(h.env, { operation: h.env.randomName('other'), steps: [{ role: 'action', shell: ['sleep', '600'] }] });
  const stopOther = new AbortController();
  const otherRun = other.executor.run(sleeper, () => undefined, stopOther.signal);
  assert.ok(await eventually(async () => (await readdir(other.workRoot)).length > 0, 20_000), 'the other operation started');
  const [otherWorkDir] = await readdir(other.workRoot);

  const tmpMarker = `slipway-probe-${randomBytes(6).toString('hex')}`;
  const mustNotSee = [
    join(repoRoot(), 'src'),
    join(repoRoot(), 'package.json'),
    dirname(h.logFile),
    h.logFile,
    other.logFile,
    join(other.workRoot, otherWorkDir!),
    h.env.runDir,
    h.env.logsDir,
    h.env.kubeconfigPath,
    h.env.sshPrivateKeyPath,
    '/root',
    '/home',
    '/run',
    '/var/lib',
    '/etc/shadow',
    '/etc/ssh',
    '/var/run/secrets/kubernetes.io/serviceaccount/token',
  ];
  const args = {
    slipway_pid: process.pid,
    must_not_see: mustNotSee,
    key_line_sha256: await keyLineHash(h.env.sshPrivateKeyPath),
    tmp_marker: tmpMarker,
    redis: { host: h.env.redis.host, port: h.env.redis.port },
  };
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('probe'),
    files: [
      { path: 'actions/sandbox/probe.py', content: await readFile(join(repoRoot(), 'test/fixtures/sandbox/probe.py'), 'utf8'), mode: 0o600, secret: false },
      { path: 'actions/sandbox/probe-args.json', content: JSON.stringify(args), mode: 0o600, secret: false },
    ],
    steps: [{ role: 'action', playbookText: PROBE_PLAYBOOK, name: 'probe.yml' }],
  });
  const { events, sink } = recorder();
  await h.executor.run(plan, sink);
  stopOther.abort();
  const otherResult = await otherRun;
  const report = probeReport(events);

  assert.notEqual(report.uid, 0, 'not root inside');
  assert.notEqual(report.euid, 0);
  assert.equal(report.cap_eff, '0000000000000000', 'no effective capabilities');
  assert.equal(report.cap_bnd, '0000000000000000', 'an empty bounding set');
  assert.equal(report.no_new_privs, '1');
  assert.equal(report.sees_node, false, "Slipway's node process is not visible");
  assert.ok(report.process_count < 15, `only the sandbox's own processes: ${report.process_count}`);
  assert.deepEqual(Object.entries(report.visible).filter(([, seen]) => seen), [], 'none of these is reachable');
  assert.equal(report.builtin_readable, true, "Slipway's playbooks are there");
  assert.equal(report.builtin_writable, false, 'and read-only');
  assert.deepEqual(report.key_found_in, [], 'the private key is in no file the step can read');
  assert.equal(report.env_has_key, false);
  assert.equal(report.agent_keys, 1, 'the agent offers the cluster key');
  assert.equal(report.agent_signs, true, 'and signs with it');
  assert.equal(report.tmp_marker_written, true);
  assert.equal(existsSync(join('/tmp', tmpMarker)), false, "/tmp is private: the file is not in the host's /tmp");
  assert.match(report.redis ?? '', /^unreachable/, "the test env's Redis on 127.0.0.1 is out of reach");
  assert.equal(otherResult.steps[0]?.status, 'Cancelled');
});

test('with loopback hosts allowed the sandbox shares the host network: Redis on 127.0.0.1 answers', async () => {
  const h = await executorHarness('sandbox-loop');
  const args = { slipway_pid: process.pid, must_not_see: [], key_line_sha256: '', tmp_marker: `slipway-probe-${randomBytes(6).toString('hex')}`, redis: h.env.redis };
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('probe-loop'),
    files: [
      { path: 'actions/sandbox/probe.py', content: await readFile(join(repoRoot(), 'test/fixtures/sandbox/probe.py'), 'utf8'), mode: 0o600, secret: false },
      { path: 'actions/sandbox/probe-args.json', content: JSON.stringify(args), mode: 0o600, secret: false },
    ],
    steps: [{ role: 'action', playbookText: PROBE_PLAYBOOK, name: 'probe.yml' }],
  });
  const { events, sink } = recorder();
  const result = await h.executor.run(plan, sink);
  assert.equal(result.status, 'Succeeded', JSON.stringify(result.failed));
  assert.equal(probeReport(events).redis, '+PONG', 'documented: loopback mode is not a network boundary');
});

const ALLOCATE = `- name: Allocate
  hosts: all
  gather_facts: false
  tasks:
    - name: Build a huge string
      ansible.builtin.debug:
        msg: "{{ ('x' * 1500000000) | length }}"
      delegate_to: localhost
      run_once: true
`;

test('a step exceeding its memory limit is killed and reported; Slipway and the next operation carry on', async () => {
  const h = await executorHarness('sandbox-mem', { sandbox: { allowLoopbackHosts: true, memoryLimitBytes: 256 * 1024 ** 2 } });
  const plan = await buildTestPlan(h.env, { operation: h.env.randomName('mem'), steps: [{ role: 'action', playbookText: ALLOCATE, name: 'allocate.yml' }] });
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  assert.equal(result.failed?.message, 'step "action: allocate.yml" was killed at its memory limit of 256 MiB during task "Build a huge string"');

  const after = await buildTestPlan(h.env, {
    operation: h.env.randomName('after'),
    steps: [{ role: 'action', playbook: fixturePlaybook('append-step.yml'), extraVars: { marker_dir: await h.markerDir(), step_label: 'after' } }],
  });
  assert.equal((await h.executor.run(after, () => undefined)).status, 'Succeeded');
});

test('under RLIMIT_AS (no usable memory cgroup) the allocation fails with the memory message too', async () => {
  const h = await executorHarness('sandbox-rlimit', {
    sandbox: { allowLoopbackHosts: true, memoryLimitBytes: 1024 ** 3, memoryCgroupRoot: '/nonexistent/cgroup/memory' },
  });
  const plan = await buildTestPlan(h.env, { operation: h.env.randomName('rlimit'), steps: [{ role: 'action', playbookText: ALLOCATE, name: 'allocate.yml' }] });
  const result = await h.executor.run(plan, () => undefined);
  assert.equal(result.status, 'Failed');
  assert.match(result.failed?.message ?? '', /killed at its memory limit of 1024 MiB/);
});

test('without a sandbox, ConfigMap steps are refused before anything runs; builtin playbooks run with a loud warning', async () => {
  const h = await executorHarness('sandbox-none', { sandbox: { allowLoopbackHosts: true, bwrap: '/nonexistent/bwrap' } });
  const marker = join(await h.markerDir(), 'ran');
  const refused = await buildTestPlan(h.env, {
    operation: h.env.randomName('refused'),
    steps: [
      { role: 'preHook', shell: ['touch', marker], source: 'builtin' },
      { role: 'action', playbook: fixturePlaybook('append-step.yml'), extraVars: { marker_dir: dirname(marker), step_label: 'x' } },
    ],
  });
  const r1 = await h.executor.run(refused, () => undefined);
  assert.equal(r1.status, 'Failed');
  assert.deepEqual(r1.steps.map((s) => s.status), ['Skipped', 'Failed']);
  assert.match(r1.failed?.message ?? '', /^refused: step "action: append-step\.yml" runs a ConfigMap playbook or script, which Slipway runs only in a sandbox, and there is none here: no sandbox \(probe-failed\): .*\/nonexistent\/bwrap/);
  assert.equal(existsSync(marker), false, 'not even the builtin preHook ran');

  const builtin = await buildTestPlan(h.env, {
    operation: h.env.randomName('builtin'),
    steps: [{ role: 'action', builtin: 'ping.yml' }],
  });
  const { events, sink } = recorder();
  const r2 = await h.executor.run(builtin, sink);
  assert.equal(r2.status, 'Succeeded', JSON.stringify(r2.failed));
  assert.ok(events.some((e) => e.type === 'output' && /^WARNING: no sandbox \(probe-failed\).*run WITHOUT the sandbox/.test(e.line)));
  assert.match(await readFile(h.logFile, 'utf8'), /WARNING: no sandbox/);
});
