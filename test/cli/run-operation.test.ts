import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { loadTestEnv } from '../env/index.js';
import { clusterManifests, readOverSsh, runCli } from './cli-fixture.js';

const env = loadTestEnv();
const token = (): string => randomBytes(4).toString('hex');
const CM = { actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'actions' } };

/** A ConfigMap playbook that appends `word` to a per-host file under the run's marker dir. */
const appendPlaybook = (tok: string, word: string): string => `- name: Append ${word}
  hosts: all
  gather_facts: false
  tasks:
    - name: Write ${word}
      ansible.builtin.shell: "mkdir -p {{ marker_dir }}/${tok} && echo ${word} >> {{ marker_dir }}/${tok}/order-{{ inventory_hostname }}"
`;

describe('slipway run against real SSH hosts', () => {
  it('runs a builtin playbook on 3 hosts and reports each host', async () => {
    const r = await runCli(await clusterManifests(env, { operation: { actionType: 'playbook', action: 'ping.yml' } }));
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    assert.equal(r.status['ClusterOperation/t-op']!.status, 'Succeeded');
    for (const h of env.hosts) {
      assert.match(r.stdout, new RegExp(`${h.name}\\s+ok=1 changed=0 failed=0 unreachable=0`));
    }
    assert.match(r.stdout, /\[1\/1\] action: ping\.yml/);
  });

  it('runs preHook, action and postHook in order on every host', async () => {
    const tok = token();
    const manifests = await clusterManifests(env, {
      operation: {
        actionType: 'playbook', action: 'main.yml', ...CM,
        preHook: [{ actionType: 'playbook', action: 'pre.yml', ...CM }],
        postHook: [{ actionType: 'playbook', action: 'post.yml', ...CM }],
      },
      actions: { 'pre.yml': appendPlaybook(tok, 'pre'), 'main.yml': appendPlaybook(tok, 'main'), 'post.yml': appendPlaybook(tok, 'post') },
    });
    const r = await runCli(manifests);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    for (const h of env.hosts) {
      assert.equal(await readOverSsh(env, h.name, `${env.runDir}/${tok}/order-${h.name}`), 'pre\nmain\npost');
    }
  });

  it('stops at a task failing on one host, names task and host, and skips the postHook', async () => {
    const tok = token();
    const failing = `- name: Maybe fail
  hosts: all
  gather_facts: false
  tasks:
    - name: Fail on node2
      ansible.builtin.fail:
        msg: node2 is broken on purpose
      when: inventory_hostname == 'node2'
`;
    const r = await runCli(await clusterManifests(env, {
      operation: { actionType: 'playbook', action: 'fail.yml', ...CM, postHook: [{ actionType: 'playbook', action: 'post.yml', ...CM }] },
      actions: { 'fail.yml': failing, 'post.yml': appendPlaybook(tok, 'post') },
    }));
    assert.equal(r.exitCode, 1, r.stdout);
    const status = r.status['ClusterOperation/t-op']!;
    assert.equal(status.status, 'Failed');
    assert.equal(status.failedTask, 'Fail on node2');
    assert.deepEqual(status.failedHosts, ['node2']);
    assert.match(String(status.message), /node2 is broken on purpose/);
    const steps = status.steps as { name: string; status: string }[];
    assert.deepEqual(steps.map((s) => s.status), ['Failed', 'Skipped']);
    assert.equal(r.status['Cluster/t-cluster']!.phase, 'Abnormal');
    assert.match(r.stdout, /Cluster t-cluster: phase Abnormal, 1 control-plane, 2 worker/);
    for (const h of env.hosts) assert.equal(await readOverSsh(env, h.name, `${env.runDir}/${tok}/order-${h.name}`), '');
  });

  it('restricts the run to the hosts named in --limit', async () => {
    const tok = token();
    const r = await runCli(await clusterManifests(env, {
      operation: { actionType: 'playbook', action: 'mark.yml', ...CM, extraArgs: '--limit=node1,node3' },
      actions: { 'mark.yml': appendPlaybook(tok, 'here') },
    }));
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    assert.equal(await readOverSsh(env, 'node1', `${env.runDir}/${tok}/order-node1`), 'here');
    assert.equal(await readOverSsh(env, 'node2', `${env.runDir}/${tok}/order-node2`), '');
    assert.equal(await readOverSsh(env, 'node3', `${env.runDir}/${tok}/order-node3`), 'here');
  });

  it('keeps the password and the private key out of the log and the status', async () => {
    const password = `pw-${token()}-${token()}`;
    const leaky = `- name: Print what we should not
  hosts: all
  gather_facts: false
  tasks:
    - name: Show the password
      ansible.builtin.debug:
        msg: "password is {{ ansible_password | default('none') }}"
    - name: Fail with it
      ansible.builtin.fail:
        msg: "failing with {{ ansible_password | default('none') }}"
      when: inventory_hostname == 'node1'
`;
    const r = await runCli(await clusterManifests(env, {
      hostVars: { node1: { ansible_password: password } },
      operation: { actionType: 'playbook', action: 'leak.yml', ...CM, extraArgs: '-vv' },
      actions: { 'leak.yml': leaky },
    }));
    assert.equal(r.exitCode, 1, r.stdout);
    const key = (await readFile(env.sshPrivateKeyPath, 'utf8')).split('\n')[1]!;
    assert.ok(r.logs.includes('password is [REDACTED]'), 'the debug line reached the log, redacted');
    assert.match(r.stdout, /ok\s+node1: password is \[REDACTED\]/, 'the progress shows the debug message, redacted');
    for (const text of [r.logs, r.stdout, r.stderr, JSON.stringify(r.status)]) {
      assert.ok(!text.includes(password), 'password leaked');
      assert.ok(!text.includes(key), 'private key leaked');
    }
    assert.match(String(r.status['ClusterOperation/t-op']!.message), /failing with \[REDACTED\]/);
  });

  it('kills a step that outlives activeDeadlineSeconds and reports it', async () => {
    const started = Date.now();
    const r = await runCli(await clusterManifests(env, {
      operation: { actionType: 'playbook', action: 'hang.yml', ...CM, activeDeadlineSeconds: 3 },
      actions: { 'hang.yml': '- name: Hang\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: Sleep\n      ansible.builtin.command: sleep 397\n' },
    }));
    assert.equal(r.exitCode, 1, r.stdout);
    assert.ok(Date.now() - started < 60_000, 'the deadline ended the run');
    const steps = r.status['ClusterOperation/t-op']!.steps as { status: string }[];
    assert.equal(steps[0]!.status, 'TimedOut');
    assert.match(String(r.status['ClusterOperation/t-op']!.message), /deadline/i);
  });
});
