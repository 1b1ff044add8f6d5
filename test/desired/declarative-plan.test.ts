/**
 * `slipway.io/reconcile: Plan`: the controller keeps status.convergence — the operations that
 * would take the Cluster to what its ConfigMaps say — as the Cluster and its ConfigMaps change
 * (real apiserver; the writer as the controller runs it, and the controller itself).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setHeaderOptions } from '@kubernetes/client-node';
import { KubeSource } from '../../src/api/kube-source.js';
import { CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterStatus } from '../../src/api/types.js';
import { ConvergenceWriter } from '../../src/controller/convergence-writer.js';
import { StatusWriter } from '../../src/controller/status-writer.js';
import { createLogger } from '../../src/cli/logger.js';
import { clusterFixture, core, custom, env, eventually, getCluster, startController, testLifecycle } from '../controller/controller-harness.js';

const { cleanups, running } = testLifecycle();
const MERGE = setHeaderOptions('Content-Type', 'application/merge-patch+json');
const annotate = (name: string, annotations: Record<string, string | null>) =>
  custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name, body: { metadata: { annotations } } }, MERGE);

function hostsYml(workers: string[]): string {
  return `all:\n  hosts:\n    cp1: {ansible_host: 10.2.0.1}\n${workers.map((w, i) => `    ${w}: {ansible_host: 10.2.0.${i + 2}}\n`).join('')}  children:\n    kube_control_plane: {hosts: {cp1: }}\n    kube_node: {hosts: {${workers.map((w) => `${w}: `).join(', ')}}}\n    etcd: {hosts: {cp1: }}\n    k8s_cluster: {children: {kube_control_plane: , kube_node: }}\n`;
}

const installed: ClusterStatus = {
  phase: 'Healthy',
  observedVersion: 'v1.34.4',
  kubeconfigSecretRef: { namespace: 'nowhere', name: 'x' },
  nodes: [{ name: 'cp1', roles: ['control-plane'], version: 'v1.34.4', ready: true }, { name: 'w1', version: 'v1.34.4', ready: true }],
  nodeCount: 2,
  readyNodeCount: 2,
};

describe('declarative plan in status (reconcile: Plan)', () => {
  it('follows the annotation, the hosts ConfigMap and the observed nodes; says what it cannot read', async () => {
    const { ns, cluster } = await clusterFixture('plan', cleanups, { hosts: hostsYml(['w1', 'w2']), vars: 'kube_version: v1.34.4\n' });
    await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { status: installed } }, MERGE);
    const writes: string[] = [];
    const status = new StatusWriter(env.kubeConfig);
    const writer = new ConvergenceWriter({
      clusters: () => [],
      source: new KubeSource(env.kubeConfig),
      writeStatus: async (name, uid, s, rv) => {
        writes.push(name);
        return status.cluster(name, uid, s, rv);
      },
      intervalMs: 3_600_000,
      diff: { availableVersions: [], maxRemovalsWithoutApproval: 1 },
      logger: createLogger({ level: 'warn' }),
    });
    running.push(() => writer.stop());
    const look = async (): Promise<Cluster> => {
      writer.clusterChanged(await getCluster(cluster));
      await writer.settled();
      return getCluster(cluster);
    };

    assert.equal((await look()).status?.convergence, undefined, 'Off: nothing is computed');
    assert.deepEqual(writes, [], 'and nothing is written');

    await annotate(cluster, { 'slipway.io/reconcile': 'Plan' });
    let c = await look();
    assert.deepEqual(c.status?.convergence?.pending?.map((p) => `${p.action} ${p.extraArgs}`), ['scale.yml --limit=w2']);
    assert.match(c.status?.convergence?.pending?.[0]?.reason ?? '', /w2 is a new worker/);
    assert.equal(c.status?.phase, 'Healthy', 'the rest of the status stays');
    const written = writes.length;
    await look();
    assert.equal(writes.length, written, 'an unchanged plan is not written again');

    await core.patchNamespacedConfigMap({ name: 'hosts', namespace: ns, body: { data: { 'hosts.yml': hostsYml([]) } } }, MERGE);
    c = await look();
    assert.deepEqual(c.status?.convergence?.pending?.map((p) => [p.action, p.extraArgs, Boolean(p.heldFor)]), [['remove-node.yml', '-e node=w1', false]]);

    await core.patchNamespacedConfigMap({ name: 'hosts', namespace: ns, body: { data: { 'hosts.yml': 'all:\n  hosts:\n    cp1: {ansible_host: 10.2.0.1}\n  children:\n    etcd: {hosts: {nope: }}\n' } } }, MERGE);
    c = await look();
    assert.match(c.status?.convergence?.problem ?? '', /ConfigMap plan-\w+\/hosts, key hosts\.yml, line 5: host "nope" is in group etcd/);

    await annotate(cluster, { 'slipway.io/reconcile': 'Sometimes' });
    c = await look();
    assert.match(c.status?.convergence?.problem ?? '', /"Sometimes" is not one of Off, Plan, Auto/);

    await annotate(cluster, { 'slipway.io/reconcile': null });
    c = await look();
    assert.equal(c.status?.convergence, undefined, 'Off again: the plan is gone from the status');
  });

  it('the controller writes it for a Cluster never installed: install first', async () => {
    const { ns, cluster } = await clusterFixture('plan-ctl', cleanups, { hosts: hostsYml(['w1']), vars: 'kube_version: v1.34.4\n' });
    await startController(ns, running, { declarative: { intervalMs: 500 } });
    await annotate(cluster, { 'slipway.io/reconcile': 'Plan' });
    const c = await eventually('status.convergence', async () => {
      const got = await getCluster(cluster);
      return got.status?.convergence?.pending ? got : undefined;
    });
    assert.deepEqual(c.status?.convergence?.pending?.map((p) => p.action), ['cluster.yml']);
    assert.match(c.status?.convergence?.pending?.[0]?.reason ?? '', /not installed yet/);
  });
});
