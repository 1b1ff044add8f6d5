/**
 * `slipway diff`'s use case against the real apiserver: a Cluster's hosts and vars ConfigMaps
 * and its observed status give the operations, in order, with the annotations' guards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { CLI } from '../cli/cli-fixture.js';
import { setHeaderOptions } from '@kubernetes/client-node';
import { KubeSource } from '../../src/api/kube-source.js';
import { InputError } from '../../src/api/input-error.js';
import { CLUSTER_PLURAL, GROUP, VERSION, type ClusterStatus } from '../../src/api/types.js';
import { clusterDiff } from '../../src/desired/cluster-diff.js';
import { printConvergence } from '../../src/cli/print-convergence.js';
import { clusterFixture, core, custom, env, getCluster, testLifecycle } from '../controller/controller-harness.js';

const { cleanups } = testLifecycle();
const MERGE = setHeaderOptions('Content-Type', 'application/merge-patch+json');

function hostsYml(controlPlanes: string[], workers: string[]): string {
  const all = [...controlPlanes, ...workers];
  const group = (names: string[]) => `{hosts: {${names.map((n) => `${n}: `).join(', ')}}}`;
  return [
    'all:',
    '  hosts:',
    ...all.map((n, i) => `    ${n}: {ansible_host: 10.1.0.${i + 1}, ip: 10.1.0.${i + 1}}`),
    '  children:',
    `    kube_control_plane: ${group(controlPlanes)}`,
    `    kube_node: ${group(workers)}`,
    `    etcd: ${group(controlPlanes)}`,
    '    k8s_cluster: {children: {kube_control_plane: , kube_node: }}',
    '',
  ].join('\n');
}

const observed = (nodes: [string, boolean][], version: string): ClusterStatus => ({
  phase: 'Healthy',
  observedVersion: version,
  kubeconfigSecretRef: { namespace: 'slipway-system', name: 'x-kubeconfig' },
  nodes: nodes.map(([name, cp]) => ({ name, roles: cp ? ['control-plane'] : [], version, ready: true })),
  nodeCount: nodes.length,
  readyNodeCount: nodes.length,
});

describe('slipway diff (the declarative plan of one Cluster)', () => {
  it('an edited hosts ConfigMap and a raised kube_version give the operations in order; approval and pause are annotations', async () => {
    const { ns, cluster } = await clusterFixture('diff', cleanups, { hosts: hostsYml(['cp1'], ['w1', 'w2']), vars: 'kube_version: v1.35.4\n' });
    await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { status: observed([['cp1', true], ['w1', false], ['old1', false], ['old2', false]], 'v1.33.5') } }, MERGE);
    const source = new KubeSource(env.kubeConfig);
    const opts = { availableVersions: ['v1.34.4'], maxRemovalsWithoutApproval: 1 };

    let diff = await clusterDiff(await getCluster(cluster), source, opts);
    assert.equal(diff.mode, 'Off');
    assert.deepEqual(
      diff.plan.operations.map((o) => [o.action, o.extraArgs ?? '', Boolean(o.needsApproval)]),
      [
        ['remove-node.yml', '-e node=old1,old2', true],
        ['upgrade-cluster.yml', '-e kube_version=v1.34.4', false],
        ['upgrade-cluster.yml', '-e kube_version=v1.35.4', false],
        ['scale.yml', '--limit=w2', false],
      ],
    );
    const text = printConvergence(diff);
    assert.match(text, /1\. remove-node\.yml -e node=old1,old2\n.*no longer in hosts\.yml.*\n\s+held: removing 2 nodes at once.*slipway\.io\/approve-removal=old1,old2/);
    assert.match(text, /2 of 2 on the way from v1\.34\.4 to v1\.35\.4/);

    await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { metadata: { annotations: { 'slipway.io/reconcile': 'plan', 'slipway.io/approve-removal': 'old1,old2' } } } }, MERGE);
    diff = await clusterDiff(await getCluster(cluster), source, opts);
    assert.equal(diff.mode, 'Plan');
    assert.equal(diff.plan.operations[0]?.needsApproval, undefined, 'approved');

    await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { metadata: { annotations: { 'slipway.io/reconcile-paused': 'true' } } } }, MERGE);
    diff = await clusterDiff(await getCluster(cluster), source, opts);
    assert.deepEqual(diff.plan.operations, []);
    assert.match(printConvergence(diff), /paused/);

    // A downgrade is never planned: the reason names both versions and nothing else is planned.
    await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { metadata: { annotations: { 'slipway.io/reconcile-paused': null } } } }, MERGE);
    await core.patchNamespacedConfigMap({ name: 'vars', namespace: ns, body: { data: { 'group_vars.yml': 'kube_version: v1.32.9\n' } } }, MERGE);
    diff = await clusterDiff(await getCluster(cluster), source, opts);
    assert.deepEqual(diff.plan.operations, []);
    assert.match(printConvergence(diff), /needs a person[\s\S]*v1\.32\.9 is lower than the cluster's v1\.33\.5/);
  });

  it('bad input names the object, key and line; an unknown mode names the annotation', async () => {
    const { cluster } = await clusterFixture('diff-bad', cleanups, { hosts: 'all:\n  hosts:\n    a: {ansible_host: 10.0.0.1}\n  children:\n    etcd:\n      hosts: {ghost: }\n', vars: 'kube_version: latest\n' });
    const source = new KubeSource(env.kubeConfig);
    const opts = { availableVersions: [], maxRemovalsWithoutApproval: 1 };
    await assert.rejects(clusterDiff(await getCluster(cluster), source, opts), (err: unknown) => err instanceof InputError && /hosts\.yml, line 6/.test(err.message) && /ghost/.test(err.message));
    await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { metadata: { annotations: { 'slipway.io/reconcile': 'sometimes' } } } }, MERGE);
    await assert.rejects(clusterDiff(await getCluster(cluster), source, opts), /annotation slipway\.io\/reconcile: "sometimes" is not one of Off, Plan, Auto/);
  });

  it('slipway diff: the plan as text or JSON, exit 1 while operations are pending, 0 when up to date, 2 for bad inputs', async () => {
    const { ns, cluster } = await clusterFixture('diff-cli', cleanups, { hosts: hostsYml(['cp1'], ['w1', 'w2']), vars: 'kube_version: v1.34.4\n' });
    await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { status: observed([['cp1', true], ['w1', false]], 'v1.34.4') } }, MERGE);
    const diff = (...args: string[]) => execa('node', [CLI, 'diff', cluster, '--kubeconfig', env.kubeconfigPath, ...args], { reject: false });
    let r = await diff();
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stdout, /1\. scale\.yml --limit=w2\n\s+w2 is a new worker/);
    r = await diff('-o', 'json');
    assert.equal(r.exitCode, 1, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { plan: { operations: { action: string }[] } }).plan.operations.map((o) => o.action), ['scale.yml']);
    await core.patchNamespacedConfigMap({ name: 'hosts', namespace: ns, body: { data: { 'hosts.yml': hostsYml(['cp1'], ['w1']) } } }, MERGE);
    r = await diff();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /up to date/);
    await core.patchNamespacedConfigMap({ name: 'vars', namespace: ns, body: { data: { 'group_vars.yml': 'kube_version: [1\n' } } }, MERGE);
    r = await diff();
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /ConfigMap diff-cli-\w+\/vars, key group_vars\.yml, line \d+/);
  });
});
