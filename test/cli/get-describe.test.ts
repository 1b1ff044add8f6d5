/**
 * `slipway get` and `slipway describe` against the real apiserver: objects made by the test,
 * their status written through the status subresource as the controller writes it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { execa } from 'execa';
import { parse } from 'yaml';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../../src/api/types.js';
import { clusterFixture, createOperation, custom, env, testLifecycle } from '../controller/controller-harness.js';
import { CLI, REPO } from './cli-fixture.js';

const { cleanups } = testLifecycle();
const kube = ['--kubeconfig', env.kubeconfigPath];
const slipway = (...args: string[]) => execa('node', [CLI, ...args, ...kube], { cwd: REPO, reject: false, timeout: 60_000 });
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function patchStatus(plural: string, name: string, status: object): Promise<void> {
  await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural, name, body: { status } }, mergePatch);
}

const clusterStatus = {
  phase: 'Healthy', observedVersion: 'v1.34.4', nodesReady: '1/2', nodeCount: 2, readyNodeCount: 1, controlPlaneCount: 1, workerCount: 1,
  nodes: [{ name: 'node1', roles: ['control-plane'], version: 'v1.34.4', ready: true, address: '10.1.0.1' }, { name: 'node2', version: 'v1.34.4', ready: false }],
  clusterConditions: [{ type: 'WorkersReady', status: 'False', reason: 'NodesNotReady', message: 'node2 is not Ready', lastTransitionTime: new Date().toISOString() }],
};

describe('slipway get and describe against the apiserver', () => {
  it('lists and describes a cluster and its operation in every output format', async () => {
    const { cluster } = await clusterFixture('get', cleanups);
    const opName = `${cluster}-install`;
    await createOperation(opName, { cluster, action: 'cluster.yml' }, cleanups);
    const started = new Date(Date.now() - 90_000).toISOString();
    await patchStatus(CLUSTER_OPERATION_PLURAL, opName, {
      status: 'Failed', startTime: started, endTime: new Date().toISOString(), message: 'task "Join" failed on node2', failedHosts: ['node2'],
      steps: [{ name: 'action: cluster.yml', role: 'action', status: 'Failed', startTime: started, endTime: new Date().toISOString() }],
    });
    await patchStatus(CLUSTER_PLURAL, cluster, { ...clusterStatus, conditions: [{ clusterOps: opName, status: 'Failed', startTime: started }] });

    const table = await slipway('get', 'clusters', cluster);
    assert.equal(table.exitCode, 0, table.stderr);
    const [header, row] = table.stdout.split('\n');
    assert.match(header!, /^NAME\s+PHASE\s+NODES\s+VERSION\s+LAST OPERATION\s+AGE$/);
    assert.match(row!, new RegExp(`^${cluster}\\s+Healthy\\s+1/2\\s+v1\\.34\\.4\\s+${opName} \\(Failed\\)\\s+\\d+s$`));

    const json = await slipway('get', 'cluster', cluster, '-o', 'json');
    const fromApi = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster })) as Cluster;
    assert.deepEqual(JSON.parse(json.stdout), fromApi);
    assert.equal(json.stderr, '');
    const yaml = parse((await slipway('get', 'operations', '-o', 'yaml')).stdout) as { kind: string; items: ClusterOperation[] };
    assert.equal(yaml.kind, 'List');
    assert.equal(yaml.items.find((o) => o.metadata.name === opName)?.status?.status, 'Failed');
    assert.equal((await slipway('get', 'ops', opName, '-o', 'name')).stdout, `clusteroperation.kubean.io/${opName}`);
    const wide = await slipway('get', 'operations', opName, '-o', 'wide');
    assert.match(wide.stdout.split('\n')[1]!, new RegExp(`^${opName}\\s+${cluster}\\s+cluster\\.yml\\s+Failed\\s+0/1 steps\\s+\\S+\\s+1m3\\ds\\s+node2\\s+task "Join" failed on node2$`));

    const tree = await slipway('describe', 'cluster', cluster);
    assert.equal(tree.exitCode, 0, tree.stderr);
    assert.match(tree.stdout, new RegExp(`^Cluster/${cluster}\\s+Healthy\\s+v1\\.34\\.4, 1/2 nodes ready$`, 'm'));
    assert.match(tree.stdout, /^│ └─WorkersReady\s+False\s+\d+s\s+NodesNotReady: node2 is not Ready$/m);
    assert.match(tree.stdout, /^│ ├─node1\s+Ready\s+control-plane {2}v1\.34\.4 {2}10\.1\.0\.1$/m);
    assert.match(tree.stdout, /^│ └─node2\s+NotReady\s+worker {2}v1\.34\.4$/m);
    assert.match(tree.stdout, new RegExp(`^  └─${opName}\\s+Failed\\s+\\d+s\\s+cluster\\.yml: 0/1 steps: task "Join" failed on node2$`, 'm'));

    const detail = await slipway('describe', 'operation', opName);
    assert.equal(detail.exitCode, 0, detail.stderr);
    assert.match(detail.stdout, /^Status: {8}Failed$/m);
    assert.match(detail.stdout, /^ {2}action: cluster\.yml {3}Failed {3}1m3\ds/m);
    assert.match(detail.stdout, /^Events:\n {2}<none>$/m);

    const missing = await slipway('describe', 'cluster', `${cluster}-none`);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /^slipway describe cluster: Cluster \S+ not found$/);
    const typo = await slipway('get', 'clustrs');
    assert.equal(typo.exitCode, 2);
    assert.match(typo.stderr, /unknown command 'clustrs'\n\(Did you mean clusters\?\)/);
  });

  it('-w prints each later change, and ends on Ctrl-C with 130', async () => {
    const { cluster } = await clusterFixture('watch', cleanups);
    const child = spawn(process.execPath, [CLI, 'get', 'clusters', cluster, '-w', ...kube], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const waiters: (() => void)[] = [];
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const w of waiters) w();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const seen = (pattern: RegExp) => new Promise<void>((resolve) => {
      const check = (): void => void (pattern.test(stdout) && resolve());
      waiters.push(check);
      check();
    });
    child.stderr.resume();
    await seen(new RegExp(`^${cluster}\\s+<unknown>`, 'm'));
    await patchStatus(CLUSTER_PLURAL, cluster, { phase: 'Installing' });
    await seen(new RegExp(`^${cluster}\\s+Installing`, 'm'));
    await patchStatus(CLUSTER_PLURAL, cluster, { phase: 'Healthy' });
    await seen(new RegExp(`^${cluster}\\s+Healthy`, 'm'));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.equal(stdout.match(/^NAME /gm)?.length, 1, stdout);
    assert.equal(stdout.match(/Installing/g)?.length, 1, stdout);
  });
});
