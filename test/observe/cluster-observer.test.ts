/**
 * The controller observing managed clusters, against the real test environment: the test
 * apiserver itself (its kwok nodes Ready) is the "managed cluster" whose admin kubeconfig sits in
 * the Cluster's kubeconfig Secret; a node kwok does not manage is made NotReady and Ready again.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setHeaderOptions, type CoreV1Event } from '@kubernetes/client-node';
import { CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ObjectRef } from '../../src/api/types.js';
import { KubeconfigStore } from '../../src/controller/kubeconfig-secret.js';
import { freePort } from '../../src/util/free-port.js';
import { createLogger } from '../../src/cli/logger.js';
import { FAKE_NODE_LABEL } from '../env/index.js';
import { clusterFixture, core, custom, env, eventually, getCluster, startController, testLifecycle, type Cleanups } from '../controller/controller-harness.js';

const { cleanups, running } = testLifecycle();
const MERGE = setHeaderOptions('Content-Type', 'application/merge-patch+json');
const condition = (c: Cluster, type: string) => c.status?.clusterConditions?.find((x) => x.type === type);

/** Stores `kubeconfig` in the Cluster's Secret in the controller's namespace, as an install does, and names it in its status. */
async function giveKubeconfig(cluster: string, ns: string, kubeconfig: string): Promise<ObjectRef> {
  const ref = await new KubeconfigStore(env.kubeConfig, ns).store(await getCluster(cluster), kubeconfig);
  await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { status: { kubeconfigSecretRef: ref } } }, MERGE);
  return ref;
}

/** A node kwok does not manage (so nothing makes it Ready behind the test's back), with the given Ready status. */
async function unmanagedNode(name: string, ready: boolean, cleanups: Cleanups): Promise<void> {
  await core.createNode({ body: { metadata: { name, labels: { 'slipway.test/observer': 'true' } }, spec: { taints: [{ key: 'slipway.test/unschedulable', effect: 'NoSchedule' }] } } });
  cleanups.push(() => core.deleteNode({ name }));
  await setNodeReady(name, ready);
}

async function setNodeReady(name: string, ready: boolean): Promise<void> {
  const now = new Date().toISOString();
  await core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady', message: ready ? 'ready' : 'test: not ready', lastHeartbeatTime: now, lastTransitionTime: now }],
          addresses: [{ type: 'InternalIP', address: '10.99.0.7' }],
          nodeInfo: { kubeletVersion: 'v1.34.4', architecture: 'amd64', operatingSystem: 'linux', bootID: '', containerRuntimeVersion: '', kernelVersion: '', kubeProxyVersion: '', machineID: '', osImage: '', systemUUID: '' },
        },
      },
    },
    setHeaderOptions('Content-Type', 'application/strategic-merge-patch+json'),
  );
}

async function clusterEvents(uid: string): Promise<CoreV1Event[]> {
  return (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${uid}` })).items;
}

describe('the controller observes the clusters it manages', () => {
  it('fills the node table, observedVersion and conditions; a NotReady node turns it Abnormal naming the node, Ready again turns it Healthy; the Events carry the Cluster\'s uid', async () => {
    const { ns, cluster } = await clusterFixture('observe', cleanups);
    await giveKubeconfig(cluster, ns, await readFile(env.kubeconfigPath, 'utf8'));
    await startController(ns, running, { executor: 'local', observe: { intervalMs: 400 } });
    const kwokNodes = (await core.listNode({ labelSelector: `${FAKE_NODE_LABEL.key}=${FAKE_NODE_LABEL.value}` })).items.length;
    assert.ok(kwokNodes > 0, 'the test environment has kwok nodes');

    const healthy = await eventually('the cluster observed Healthy', async () => {
      const c = await getCluster(cluster);
      return c.status?.phase === 'Healthy' ? c : undefined;
    }, 30_000);
    const total = (await core.listNode()).items.length;
    assert.equal(healthy.status?.nodesReady, `${total}/${total}`);
    assert.equal(healthy.status?.nodeCount, total);
    assert.match(healthy.status?.observedVersion ?? '', /^v1\.\d+\.\d+/, 'the apiserver\'s version');
    assert.equal(healthy.status?.desiredVersion, undefined, 'no operation ran: nothing desired yet');
    const kwokRow = healthy.status?.nodes?.find((n) => n.name.startsWith('kwok-node-'));
    assert.deepEqual(kwokRow && { ready: kwokRow.ready, address: kwokRow.address, version: kwokRow.version?.startsWith('kwok-') }, { ready: true, address: '127.0.0.1', version: true });
    for (const type of ['ControlPlaneAvailable', 'WorkersReady', 'SystemPodsReady', 'CertificatesExpiry']) {
      assert.equal(condition(healthy, type)?.status, 'True', `${type}: ${JSON.stringify(condition(healthy, type))}`);
    }
    assert.match(condition(healthy, 'CertificatesExpiry')?.message ?? '', /expires \d{4}-/);
    assert.ok(healthy.status?.certificatesExpiry && Date.parse(healthy.status.certificatesExpiry) > Date.now());
    const since = condition(healthy, 'WorkersReady')?.lastTransitionTime;

    const sick = env.randomName('obs-node');
    await unmanagedNode(sick, false, cleanups);
    // The node is created, then its status written: a look between the two sees it without an address.
    const abnormal = await eventually('Abnormal naming the NotReady node', async () => {
      const c = await getCluster(cluster);
      return c.status?.phase === 'Abnormal' && c.status.nodes?.find((n) => n.name === sick)?.address ? c : undefined;
    }, 20_000);
    assert.equal(condition(abnormal, 'WorkersReady')?.status, 'False');
    assert.match(condition(abnormal, 'WorkersReady')?.message ?? '', new RegExp(`not Ready: ${sick}`));
    assert.equal(abnormal.status?.nodesReady, `${total}/${total + 1}`);
    assert.deepEqual(abnormal.status?.nodes?.find((n) => n.name === sick), { name: sick, version: 'v1.34.4', ready: false, address: '10.99.0.7' });
    assert.equal(condition(abnormal, 'ControlPlaneAvailable')?.lastTransitionTime, condition(healthy, 'ControlPlaneAvailable')?.lastTransitionTime, 'a condition that did not change keeps its time');
    assert.notEqual(condition(abnormal, 'WorkersReady')?.lastTransitionTime, since);

    await setNodeReady(sick, true);
    const well = await eventually('Healthy again', async () => {
      const c = await getCluster(cluster);
      return c.status?.phase === 'Healthy' ? c : undefined;
    }, 20_000);
    assert.equal(well.status?.nodesReady, `${total + 1}/${total + 1}`);

    const uid = healthy.metadata.uid!;
    const events = await eventually('the Unhealthy and Healthy Events', async () => {
      const list = await clusterEvents(uid);
      return list.some((e) => e.reason === 'Unhealthy') && list.filter((e) => e.reason === 'Healthy').length >= 2 ? list : undefined;
    }, 10_000);
    const unhealthy = events.find((e) => e.reason === 'Unhealthy')!;
    assert.equal(unhealthy.type, 'Warning');
    assert.match(unhealthy.message ?? '', new RegExp(sick));
    assert.deepEqual([unhealthy.involvedObject.kind, unhealthy.involvedObject.name, unhealthy.involvedObject.uid], ['Cluster', cluster, uid], 'kubectl describe cluster finds Events by uid');
  });

  it('a kubeconfig whose apiserver does not answer: ControlPlaneAvailable Unknown with the reason, written once, looked at once per interval, no error logged', async () => {
    const { ns, cluster } = await clusterFixture('observe-down', cleanups);
    const closed = await freePort();
    const text = (await readFile(env.kubeconfigPath, 'utf8')).replace(/server: .*/, `server: https://127.0.0.1:${closed}`);
    await giveKubeconfig(cluster, ns, text);
    const logFile = join(env.runDir, `${env.randomName('observe-down')}.log`);
    const intervalMs = 300;
    await startController(ns, running, { executor: 'local', observe: { intervalMs }, logger: createLogger({ level: 'debug', destination: logFile }) });

    const unknown = await eventually('ControlPlaneAvailable Unknown', async () => {
      const c = await getCluster(cluster);
      return condition(c, 'ControlPlaneAvailable')?.status === 'Unknown' ? c : undefined;
    }, 20_000);
    assert.equal(condition(unknown, 'ControlPlaneAvailable')?.reason, 'ApiserverUnreachable');
    assert.match(condition(unknown, 'ControlPlaneAvailable')?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${closed}.*ECONNREFUSED`));
    assert.equal(condition(unknown, 'WorkersReady')?.status, 'Unknown');
    assert.equal(unknown.status?.phase, undefined, 'unknown health sets no phase');
    // The kubeconfig's client certificate is still a date to watch.
    assert.equal(condition(unknown, 'CertificatesExpiry')?.status, 'True');

    const lines = async () => (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.includes(cluster) || l.includes('could not observe'));
    const start = Date.now();
    const before = (await lines()).filter((l) => l.includes('cluster unreachable')).length;
    await new Promise((r) => setTimeout(r, 10 * intervalMs));
    const seconds = (Date.now() - start) / 1000;
    const after = await lines();
    const looks = after.filter((l) => l.includes('cluster unreachable')).length - before;
    assert.ok(looks >= 3, `looked at again on its interval (${looks} looks in ${seconds} s)`);
    assert.ok(looks <= Math.ceil((seconds * 1000) / (0.8 * intervalMs)) + 2, `no tighter than its interval: ${looks} looks in ${seconds} s`);
    assert.deepEqual(after.filter((l) => /could not observe|reconcile failed|"level":(40|50)/.test(l)), [], 'nothing logged as an error');
    assert.equal((await getCluster(cluster)).metadata.resourceVersion, unknown.metadata.resourceVersion, 'the same observation is not written again');
  });
});
