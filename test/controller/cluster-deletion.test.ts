/**
 * Deleting a Cluster stops what runs on it: the controller (local executor, real ansible against
 * the SSH hosts) holds the Cluster with its finalizer while a long step runs, cancels that run
 * when the Cluster is deleted, waits until the local ansible and the remote command are gone,
 * fails the running and the queued operation with why, and only then lets the Cluster go.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { CLUSTER_PLURAL, GROUP, VERSION } from '../../src/api/types.js';
import { CLUSTER_FINALIZER, DELETED_MESSAGE } from '../../src/controller/cluster-deletion.js';
import { processesMatching, remoteProcessesMatching } from '../executors/harness.js';
import { hostsYmlOf } from '../fixtures/test-cluster.js';
import { clusterFixture, createOperation, custom, env, eventually, finished, getCluster, getOp, gone, startController, testLifecycle } from './controller-harness.js';

const { cleanups, running } = testLifecycle();

describe('deleting a Cluster', () => {
  it('cancels its running operation (ansible and the remote command end), fails the queued one, then the Cluster goes', async () => {
    const seconds = 300 + Math.floor(Math.random() * 300);
    const playbook = `${env.randomName('long')}.yml`;
    const { ns, cluster } = await clusterFixture('ctl-delete', cleanups, {
      hosts: hostsYmlOf(env),
      secret: { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8'), known_hosts: await readFile(env.knownHostsPath, 'utf8') },
      actions: { [playbook]: `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: A long step\n      ansible.builtin.command: sleep ${seconds}\n` },
    });
    await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
    const spec = { cluster, action: playbook, actionSource: 'configmap' as const, actionSourceRef: { namespace: ns, name: 'actions' } };
    const first = env.randomName('long');
    await createOperation(first, spec, cleanups);
    await eventually('the remote command runs', async () => ((await remoteProcessesMatching(env, `sleep ${seconds}`)).length > 0 ? true : undefined), 120_000);
    const queued = env.randomName('queued');
    await createOperation(queued, spec, cleanups);
    await eventually('the second waits', async () => ((await getOp(queued)).status?.status === 'Waiting' ? true : undefined));
    assert.ok((await getCluster(cluster)).metadata.finalizers?.includes(CLUSTER_FINALIZER), 'the controller holds the Cluster');
    assert.ok((await processesMatching(playbook)).length > 0, 'ansible runs here');

    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster });
    await eventually('the Cluster is gone', () => gone(() => getCluster(cluster)), 60_000);
    // The finalizer went only after the run ended: ansible is gone by now.
    assert.deepEqual(await processesMatching(playbook), [], 'ansible-playbook outlived the Cluster');
    await eventually('the remote command ends', async () => ((await remoteProcessesMatching(env, `sleep ${seconds}`)).length === 0 ? true : undefined), 15_000);

    const ran = await finished(first);
    assert.equal(ran.status?.status, 'Failed');
    assert.match(ran.status?.message ?? '', new RegExp(DELETED_MESSAGE));
    const waited = await finished(queued);
    assert.equal(waited.status?.status, 'Failed');
    assert.match(waited.status?.message ?? '', new RegExp(DELETED_MESSAGE));
  });
});
