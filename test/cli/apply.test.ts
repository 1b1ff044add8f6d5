/** `slipway apply`: the preview (plan or refusals) before anything is created, against the real apiserver and its admission webhook. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION } from '../../src/api/types.js';
import { core, custom, env, testLifecycle } from '../controller/controller-harness.js';
import { CLI, REPO } from './cli-fixture.js';

const { cleanups } = testLifecycle();
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** kubean's input set: hosts and vars ConfigMaps (no namespace: -n gives it), SSH Secret, Cluster, ClusterOperation. */
function manifests(ns: string, cluster: string, address: string, extraArgs?: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: hosts}
data:
  hosts.yml: |
    all:
      hosts:
        node1: {ip: ${address}, ansible_host: ${address}}
      children:
        kube_control_plane: {hosts: {node1: }}
        kube_node: {hosts: {node1: }}
        etcd: {hosts: {node1: }}
        k8s_cluster: {children: {kube_control_plane: , kube_node: }}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: vars}
data:
  group_vars.yml: "kube_version: v1.34.4\\n"
---
apiVersion: v1
kind: Secret
metadata: {name: ssh}
stringData: {ssh-privatekey: "not a key, never used"}
---
apiVersion: kubean.io/v1alpha1
kind: Cluster
metadata: {name: ${cluster}}
spec:
  hostsConfRef: {namespace: ${ns}, name: hosts}
  varsConfRef: {namespace: ${ns}, name: vars}
  sshAuthRef: {namespace: ${ns}, name: ssh}
---
apiVersion: kubean.io/v1alpha1
kind: ClusterOperation
metadata: {name: ${cluster}-install}
spec: {cluster: ${cluster}, actionType: playbook, action: cluster.yml${extraArgs ? `, extraArgs: ${JSON.stringify(extraArgs)}` : ''}}
`;
}

async function write(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-apply-'));
  dirs.push(dir);
  await writeFile(join(dir, 'cluster.yml'), text);
  return dir;
}

const slipway = (...args: string[]) => execa('node', [CLI, ...args, '--kubeconfig', env.kubeconfigPath], { cwd: REPO, reject: false, timeout: 90_000 });
const exists = (plural: string, name: string) => custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name }).then(() => true, () => false);

describe('slipway apply', () => {
  it('shows the refusals with their codes and creates nothing (exit 2)', async () => {
    const ns = await env.namespace('apply');
    const cluster = env.randomName('refused');
    const dir = await write(manifests(ns, cluster, '10.9.0.1', "--ssh-common-args='-o ProxyCommand=touch /tmp/x'"));
    const r = await slipway('apply', '-f', dir, '-n', ns);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`ClusterOperation ${cluster}-install would be refused:\\n.*error\\[option-forbidden\\]`));
    assert.match(r.stderr, /nothing was applied/);
    assert.equal(await exists(CLUSTER_PLURAL, cluster), false);
    assert.equal((await core.listNamespacedConfigMap({ namespace: ns })).items.some((c) => c.metadata?.name === 'hosts'), false);
  });

  it('--dry-run previews the plan and has the apiserver check every object, creating none', async () => {
    const ns = await env.namespace('apply');
    const cluster = env.randomName('dry');
    const r = await slipway('apply', '-f', await write(manifests(ns, cluster, '10.9.0.2')), '-n', ns, '--dry-run');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Operation ${cluster}-install on cluster ${cluster}: cluster\\.yml$`, 'm'));
    assert.match(r.stdout, /^Target hosts: node1$/m);
    assert.match(r.stdout, new RegExp(`^cluster/${cluster} serverside-applied \\(server dry run\\)$`, 'm'));
    assert.match(r.stdout, /^configmap\/hosts serverside-applied \(server dry run\)\n(.*\n)*cluster\//m);
    assert.equal(await exists(CLUSTER_PLURAL, cluster), false);
    assert.equal(await exists(CLUSTER_OPERATION_PLURAL, `${cluster}-install`), false);
  });

  it('applies inputs, then the Cluster, then the operation; again changes nothing', async () => {
    const ns = await env.namespace('apply');
    const cluster = env.randomName('applied');
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: `${cluster}-install` }));
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster }));
    const dir = await write(manifests(ns, cluster, '10.9.0.3'));
    const r = await slipway('apply', '-f', dir, '-n', ns);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.endsWith('serverside-applied')), [
      'configmap/hosts serverside-applied', 'configmap/vars serverside-applied', 'secret/ssh serverside-applied',
      `cluster/${cluster} serverside-applied`, `clusteroperation/${cluster}-install serverside-applied`,
    ]);
    assert.equal(await exists(CLUSTER_PLURAL, cluster), true);
    assert.equal((await core.readNamespacedConfigMap({ namespace: ns, name: 'hosts' })).metadata?.managedFields?.some((f) => f.manager === 'slipway' && f.operation === 'Apply'), true);
    const again = await slipway('apply', '-f', dir, '-n', ns);
    assert.equal(again.exitCode, 0, again.stderr);
    const missing = await slipway('apply', '-f', join(dir, 'none.yml'));
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /-f \S+none\.yml: no such file or directory/);
  });
});
