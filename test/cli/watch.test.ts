/** `slipway watch`: the kept log read back as run's per-host view (pure), and against the real controller and ansible. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { logLineEvents, type LogViewState } from '../../src/cli/log-view.js';
import { INPUT_NAMES } from '../fixtures/kube-cluster.js';
import { clusterFixture, createOperation, env, startController, testLifecycle } from '../controller/controller-harness.js';
import { sshHostsInventory, sshHostsSecret } from '../controller/ssh-hosts-fixture.js';
import { CLI, REPO } from './cli-fixture.js';

const { cleanups, running } = testLifecycle();

describe('the kept log as run prints it', () => {
  it('reads steps, plays, tasks and each host\'s outcome back from the log lines', () => {
    const state: LogViewState = { task: '', steps: [{ name: 'action: x.yml', role: 'action', status: 'Failed', startTime: '2026-01-01T00:00:00Z', endTime: '2026-01-01T00:00:04Z' }] };
    const lines = [
      '==> step 1/1 action: x.yml',
      'PLAY [all] *********',
      'TASK [say hi] *****',
      'ok: [node1]',
      'changed: [node2]',
      'ok: [node1] => (item=a)',
      'fatal: [node3]: FAILED! => {"changed": false, "msg": "no disk"}',
      'fatal: [node4]: UNREACHABLE! => {"msg": "ssh: connect refused", "unreachable": true}',
      'skipping: [node5]',
      'PLAY RECAP *****',
      '==> step action: x.yml Failed: task "say hi" failed on node3',
    ];
    const events = lines.flatMap((l) => logLineEvents(l, state));
    assert.deepEqual(events.map((e) => (e.type === 'host-result' ? `${e.outcome} ${e.host} ${e.task}${e.message ? `: ${e.message}` : ''}` : e.type === 'step-end' ? `end ${e.result.status} ${e.result.endTime}` : e.type)), [
      'step-start', 'play', 'task', 'ok node1 say hi', 'changed node2 say hi', 'output', 'failed node3 say hi: no disk', 'unreachable node4 say hi: ssh: connect refused', 'skipped node5 say hi', 'output', 'end Failed 2026-01-01T00:00:04Z',
    ]);
  });
});

const playbook = `- hosts: all
  gather_facts: false
  tasks:
    - name: take a moment
      ansible.builtin.command: sleep 2
      changed_when: false
    - name: fail on node2
      ansible.builtin.fail:
        msg: node2 was told to fail
      when: inventory_hostname == 'node2' and fail_node2 | default(false) | bool
`;

describe('slipway watch against the controller (local executor, real ansible)', () => {
  it('shows each host under its task as run does, then the summary; exit by the result', async () => {
    const { ns, cluster } = await clusterFixture('watch', cleanups, { hosts: sshHostsInventory(), secret: await sshHostsSecret(), actions: { 'slow.yml': playbook } });
    await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
    const spec = { cluster, actionType: 'playbook' as const, action: 'slow.yml', actionSource: 'configmap' as const, actionSourceRef: { namespace: ns, name: INPUT_NAMES.actions } };
    const good = env.randomName('good');
    await createOperation(good, spec, cleanups);
    const r = await execa('node', [CLI, 'watch', good, '--kubeconfig', env.kubeconfigPath], { cwd: REPO, reject: false, timeout: 180_000 });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^Watching ${good} on cluster ${cluster}: slow\\.yml$`, 'm'));
    assert.match(r.stdout, /^\[1\/1\] action: slow\.yml$/m);
    assert.match(r.stdout, /^ {4}TASK take a moment\n( {6}ok {10}node\d\n){3}/m);
    assert.match(r.stdout, /^ {2}=> Succeeded \(in \d+\.\ds; slowest task take a moment \d+\.\ds\)$/m);
    assert.match(r.stdout, /^Result: Succeeded in \d+\.\ds\n {2}Succeeded +\d+\.\ds {2}action: slow\.yml$/m);

    const bad = env.randomName('bad');
    await createOperation(bad, { ...spec, extraArgs: '-e fail_node2=true' }, cleanups);
    const f = await execa('node', [CLI, 'watch', bad, '--kubeconfig', env.kubeconfigPath], { cwd: REPO, reject: false, timeout: 180_000 });
    assert.equal(f.exitCode, 1, f.stdout + f.stderr);
    assert.match(f.stdout, /^ {4}TASK fail on node2\n( {6}.*\n)* {6}failed {6}node2: node2 was told to fail$/m);
    assert.match(f.stdout, /^Result: Failed/m);
    assert.match(f.stdout, /^Failed hosts: node2$/m);
  });
});
