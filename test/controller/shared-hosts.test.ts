/**
 * One turn per set of hosts: a second Cluster over a host of another existing Cluster has its
 * operations refused before anything runs, naming the other Cluster and the host; once the
 * first Cluster is deleted, the second runs. (Job mode: kwok runs the pods.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLUSTER_PLURAL, GROUP, VERSION } from '../../src/api/types.js';
import { clusterFixture, createOperation, custom, env, eventually, finished, getCluster, gone, jobsOf, startController, testLifecycle } from './controller-harness.js';

const { cleanups, running } = testLifecycle();

const hostsAt = (address: string) => `all:
  hosts:
    node1: {ip: ${address}, ansible_host: ${address}}
  children:
    kube_control_plane: {hosts: {node1: }}
    kube_node: {hosts: {node1: }}
    etcd: {hosts: {node1: }}
    k8s_cluster: {children: {kube_control_plane: , kube_node: }}
`;

describe('shared hosts', () => {
  it("refuses an operation of a Cluster sharing a host with another, names both, and runs it once the other is gone", async () => {
    const address = `10.77.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const first = await clusterFixture('shared-a', cleanups, { hosts: hostsAt(address) });
    const second = await clusterFixture('shared-b', cleanups, { hosts: hostsAt(address) });
    const elsewhere = await clusterFixture('shared-c', cleanups, { hosts: hostsAt('10.78.0.1') });
    await startController(first.ns, running, { sharedHosts: 'refuse' });

    const a = env.randomName('a');
    await createOperation(a, { cluster: first.cluster }, cleanups);
    assert.equal((await finished(a)).status?.status, 'Succeeded');

    const b = env.randomName('b');
    const refused = await createOperation(b, { cluster: second.cluster }, cleanups);
    const done = await finished(b);
    assert.equal(done.status?.status, 'Failed');
    assert.match(done.status?.message ?? '', new RegExp(`shared-hosts.*Cluster ${second.cluster}.*host ${address.replace(/\./g, '\\.')} is also a host of Cluster ${first.cluster}`));
    assert.deepEqual(await jobsOf(second.ns, refused.metadata.uid!), [], 'nothing ran');

    const c = env.randomName('c');
    await createOperation(c, { cluster: elsewhere.cluster }, cleanups);
    assert.equal((await finished(c)).status?.status, 'Succeeded', 'other hosts are not affected');

    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: first.cluster });
    await eventually('the first Cluster is gone', () => gone(() => getCluster(first.cluster)));
    const again = env.randomName('b2');
    await createOperation(again, { cluster: second.cluster }, cleanups);
    assert.equal((await finished(again)).status?.status, 'Succeeded', (await finished(again)).status?.message);
  });
});
