/** An Event on the operation as each step starts and ends, from a real multi-step run (local executor, real ansible). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoreV1Event } from '@kubernetes/client-node';
import { INPUT_NAMES } from '../fixtures/kube-cluster.js';
import { STEP_EVENT_MESSAGE_MAX } from '../../src/controller/turn/step-events.js';
import { clusterFixture, core, createOperation, env, eventually, finished, startController, testLifecycle } from './controller-harness.js';
import { sshHostsInventory, sshHostsSecret } from './ssh-hosts-fixture.js';

const { cleanups, running } = testLifecycle();

const PING = `- hosts: all
  gather_facts: false
  tasks:
    - name: answer
      ansible.builtin.ping:
`;
const FAIL = `- hosts: all
  gather_facts: false
  tasks:
    - name: fail on node2
      ansible.builtin.fail:
        msg: node2 says no
      when: inventory_hostname == 'node2'
`;

const STEP_REASONS = new Set(['StepStarted', 'StepSucceeded', 'StepSkipped', 'StepFailed']);

describe('step Events (local executor, real ansible)', () => {
  it('records StepStarted and StepSucceeded or StepFailed per step on the operation, with its uid, in order', async () => {
    const { ns, cluster } = await clusterFixture('stepev', cleanups, { hosts: sshHostsInventory(), secret: await sshHostsSecret(), actions: { 'ping.yml': PING, 'fail.yml': FAIL } });
    await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
    const name = env.randomName('stepev');
    const source = { actionSource: 'configmap' as const, actionSourceRef: { namespace: ns, name: INPUT_NAMES.actions } };
    await createOperation(name, { cluster, actionType: 'playbook', action: 'fail.yml', ...source, preHook: [{ actionType: 'playbook', action: 'ping.yml', ...source }] }, cleanups);
    const done = await finished(name, 120_000);
    assert.equal(done.status?.status, 'Failed');
    const uid = done.metadata.uid!;

    const events = await eventually('four step Events', async () => {
      const list = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items;
      const steps = list.filter((e) => STEP_REASONS.has(e.reason ?? ''));
      return steps.length >= 4 ? steps : undefined;
    });
    // Created one after another (StepEvents): creation order is etcd's revision order; timestamps have whole seconds only.
    const byCreation = (a: CoreV1Event, b: CoreV1Event) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion);
    const seen = [...events].sort(byCreation).map((e) => ({ reason: e.reason, type: e.type, message: e.message ?? '' }));
    assert.deepEqual(
      seen.map((e) => [e.reason, e.type]),
      [
        ['StepStarted', 'Normal'],
        ['StepSucceeded', 'Normal'],
        ['StepStarted', 'Normal'],
        ['StepFailed', 'Warning'],
      ],
    );
    const hosts = env.hosts.length;
    assert.match(seen[0]!.message, new RegExp(`^preHook 1: ping\\.yml \\(step 1/2, playbook ping\\.yml, ${hosts} hosts\\)$`));
    assert.match(seen[1]!.message, new RegExp(`^preHook 1: ping\\.yml Succeeded after \\d+s \\(step 1/2, playbook ping\\.yml, ${hosts} hosts\\)$`));
    assert.match(seen[2]!.message, /^action: fail\.yml \(step 2\/2, playbook fail\.yml, \d+ hosts\)$/);
    assert.match(seen[3]!.message, /^action: fail\.yml Failed after \d+s \(step 2\/2, playbook fail\.yml, \d+ hosts\): .*node2 says no/);
    for (const e of events) {
      assert.equal(e.involvedObject.uid, uid, `${e.reason} names the operation's uid`);
      assert.equal(e.involvedObject.kind, 'ClusterOperation');
      assert.ok((e.message ?? '').length <= STEP_EVENT_MESSAGE_MAX);
    }
  });
});
