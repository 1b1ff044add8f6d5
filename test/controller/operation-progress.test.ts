import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperationProgress } from '../../src/api/types.js';
import { INPUT_NAMES } from '../fixtures/kube-cluster.js';
import { readOperationLog } from '../../src/oplog/read-operation-log.js';
import { clusterFixture, core, createOperation, env, eventually, finished, getOp, startController, testLifecycle } from './controller-harness.js';
import { sshHostsInventory, sshHostsSecret } from './ssh-hosts-fixture.js';

const { cleanups, running } = testLifecycle();

// One quick task, then one that holds every host long enough to be seen while it runs; node2 fails it.
const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: answer
      ansible.builtin.ping:
    - name: hold the hosts
      ansible.builtin.command: sleep 6
      changed_when: false
    - name: fail on node2
      ansible.builtin.fail:
        msg: node2 says no
      when: inventory_hostname == 'node2'
`;

describe('live progress and the kept log of a running operation (local executor, real ansible)', () => {
  it('shows the current step, task and hosts while it runs, keeps its log readable during and after, and drops progress at the end', async () => {
    const { ns, cluster } = await clusterFixture('progress', cleanups, { hosts: sshHostsInventory(), secret: await sshHostsSecret(), actions: { 'hold.yml': PLAYBOOK } });
    await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
    const name = env.randomName('progress');
    await createOperation(name, { cluster, actionType: 'playbook', action: 'hold.yml', actionSource: 'configmap', actionSourceRef: { namespace: ns, name: INPUT_NAMES.actions } }, cleanups);

    const during = await eventually<OperationProgress>('progress naming the long task', async () => {
      const p = (await getOp(name)).status?.progress;
      return p?.task === 'hold the hosts' ? p : undefined;
    });
    assert.equal(during.step, 1);
    assert.equal(during.totalSteps, 1);
    assert.match(during.summary, /^1\/1 hold the hosts$/);
    assert.equal(during.tasksStarted, 2);
    // Every host answered the ping: none pending, none failed yet.
    assert.deepEqual(during.hosts, { pending: 0, ok: env.hosts.length, changed: 0, failed: 0, unreachable: 0 });
    const uid = (await getOp(name)).metadata.uid!;
    const partial = await eventually('the log so far', async () => {
      const kept = await readOperationLog(core, ns, uid);
      return kept.text.includes('TASK [hold the hosts]') ? kept.text : undefined;
    });
    assert.ok(partial.startsWith('==> step 1/1 '), partial.slice(0, 200));

    const done = await finished(name);
    assert.equal(done.status?.status, 'Failed');
    assert.equal(done.status?.progress, undefined, 'a finished operation keeps its steps, not its progress');
    assert.deepEqual(done.status?.failedHosts, ['node2']);
    const log = (await readOperationLog(core, ns, uid)).text;
    assert.match(log, /node2 says no/);
    assert.match(log, /==> step action: hold\.yml Failed/);
  });
});
