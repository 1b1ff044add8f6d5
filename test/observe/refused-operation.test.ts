/**
 * Operations refused before they touched a host leave the Cluster's phase as it was; the
 * controller's metrics count them (local executor, real SSH hosts).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { setHeaderOptions } from '@kubernetes/client-node';
import { CLUSTER_PLURAL, GROUP, VERSION, type ClusterStatus } from '../../src/api/types.js';
import { clusterFixture, createOperation, custom, env, eventually, finished, getCluster, sample, startController, testLifecycle, watchKubean } from '../controller/controller-harness.js';
import type { Cluster } from '../../src/api/types.js';

const { cleanups, running } = testLifecycle();

const REFUSE = `- name: Check the target version
  hosts: all
  gather_facts: false
  tasks:
    - name: Refuse
      ansible.builtin.assert:
        that: [false]
        fail_msg: this version is refused; no host was changed
`;

describe('an operation refused before it touched any host', () => {
  it('leaves a Healthy cluster Healthy (rejected input, and a playbook failing its first check with no host changed); /metrics counts them', async () => {
    const [cp, ...workers] = env.hosts;
    const hosts = `all:\n  hosts:\n${env.hosts
      .map((h) => `    ${h.name}:\n      ip: ${h.address}\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      ansible_user: ${env.sshUser}`)
      .join('\n')}\n  children:\n    kube_control_plane: {hosts: {${cp!.name}: }}\n    kube_node: {hosts: {${workers.map((h) => `${h.name}: `).join(', ')}}}\n    etcd: {hosts: {${cp!.name}: }}\n    k8s_cluster: {children: {kube_control_plane: , kube_node: }}\n`;
    const { ns, cluster } = await clusterFixture('refused', cleanups, {
      hosts,
      vars: 'kube_version: v1.36.4\n',
      secret: { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8'), known_hosts: await readFile(env.knownHostsPath, 'utf8') },
      actions: { 'upgrade-cluster.yml': REFUSE },
    });
    const healthy: ClusterStatus = { phase: 'Healthy', conditions: [{ clusterOps: 'install-before', status: 'Succeeded', startTime: '2026-12-01T10:00:00Z', endTime: '2026-12-01T10:30:00Z' }] };
    await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { status: healthy } }, setHeaderOptions('Content-Type', 'application/merge-patch+json'));
    const versions = await watchKubean<Cluster>(CLUSTER_PLURAL, running);
    const controller = await startController(ns, running, {
      executor: 'local',
      operator: { allowLoopbackHosts: true },
      local: { sandbox: { allowLoopbackHosts: true } },
    });

    const rejected = env.randomName('rejected');
    await createOperation(rejected, { cluster, action: 'missing.yml', actionSource: 'configmap', actionSourceRef: { namespace: ns, name: 'actions' } }, cleanups);
    const r = await finished(rejected);
    assert.equal(r.status?.status, 'Failed');
    assert.match(r.status?.message ?? '', /missing\.yml/);

    const refused = env.randomName('jump');
    await createOperation(refused, { cluster, action: 'upgrade-cluster.yml', actionSource: 'configmap', actionSourceRef: { namespace: ns, name: 'actions' } }, cleanups);
    const f = await finished(refused, 120_000);
    assert.equal(f.status?.status, 'Failed');
    assert.match(JSON.stringify(f.status), /no host was changed/);

    const c = await eventually('the refused run recorded on the Cluster', async () => {
      const x = await getCluster(cluster);
      return x.status?.conditions?.some((k) => k.clusterOps === refused && k.status === 'Failed') ? x : undefined;
    });
    assert.equal(c.status?.phase, 'Healthy', 'the refusal left the phase as it was');
    assert.equal(c.status?.desiredVersion, 'v1.36.4');
    const phases = versions.events.filter((v) => v.metadata?.name === cluster).map((v) => v.status?.phase);
    assert.ok(phases.includes('Upgrading'), `shown Upgrading while it ran: ${phases.join(' → ')}`);
    assert.ok(!phases.includes('Abnormal'), `never Abnormal: ${phases.join(' → ')}`);
    assert.equal(c.status?.conditions?.some((k) => k.clusterOps === rejected), false, 'the rejected one never reached the Cluster');

    // Counted once the run's statuses are written: the operation shows Failed a moment before.
    const text = await eventually('the refused run counted', async () => {
      const t = await controller.metrics.registry.metrics();
      return sample(t, 'slipway_operations_total{action="upgrade",result="Failed"}') === 1 ? t : undefined;
    }, 10_000);
    assert.equal(sample(text, 'slipway_operations_total{action="other",result="Rejected"}'), 1);
    assert.equal(sample(text, 'slipway_operations_total{action="upgrade",result="Failed"}'), 1);
    assert.equal(sample(text, 'slipway_operation_duration_seconds_count{action="upgrade",result="Failed"}'), 1);
    assert.ok((sample(text, 'slipway_operation_duration_seconds_sum{action="upgrade",result="Failed"}') ?? 0) > 0);
    assert.equal(sample(text, 'slipway_leader'), 1);
    assert.ok((sample(text, 'slipway_clusters{phase="Healthy"}') ?? 0) >= 1);
    for (const phase of ['Installing', 'Scaling Out', 'Scaling In', 'Upgrading', 'Abnormal', 'Deleting', 'None']) {
      assert.notEqual(sample(text, `slipway_clusters{phase="${phase}"}`), undefined, `a series for ${phase}`);
    }
    for (const state of ['waiting', 'running']) assert.notEqual(sample(text, `slipway_queue_depth{state="${state}"}`), undefined, `a series for ${state}`);
    assert.match(text, /^slipway_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
  });
});
