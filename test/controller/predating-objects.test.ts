/**
 * Objects stored before the CRDs declared their bounds: a second apiserver on its own etcd prefix
 * (an empty cluster of its own) serves the CRDs without bounds and CEL rules, as they were, and
 * a controller with the local executor runs its operations against the sshd hosts. Each hostile
 * spec ends Failed, naming its problem, without running anything; the cluster's next operation
 * still runs; history pruning never lets rejections evict an operation that ran.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { execa } from 'execa';
import { loadCrd, type SchemaNode } from '../../src/api/crd-schema.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation, type ClusterOperationSpec } from '../../src/api/types.js';
import { resolveKubeBinaries } from '../env/kube-binaries.js';
import { clusterObject, INPUT_NAMES, operationObject } from '../fixtures/kube-cluster.js';
import { hostsYmlOf } from '../fixtures/test-cluster.js';
import { env, eventually, startController, testLifecycle } from './controller-harness.js';
import { kubeConfigFor } from './kubeconfig-for.js';
import { startThrowawayApiServer } from './throwaway-apiserver.js';

const { cleanups, running } = testLifecycle();

const BOUND_KEYWORDS = ['maxLength', 'maximum', 'maxItems', 'maxProperties', 'x-kubernetes-validations'];

/** The schema as it was before the bounds: no bound keywords, any deadline ≥ 0, metadata unchecked. */
function unbounded(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (BOUND_KEYWORDS.includes(key)) continue;
    if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as Record<string, SchemaNode>).map(([k, v]) => [k, unbounded(v)]));
    else if (key === 'items' || key === 'additionalProperties') out[key] = unbounded(value as SchemaNode);
    else out[key] = value;
  }
  if (out.minimum === 1) out.minimum = 0;
  return out;
}

async function applyUnboundedCrds(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const plural of [CLUSTER_PLURAL, CLUSTER_OPERATION_PLURAL] as const) {
    const crd = structuredClone(loadCrd(plural));
    for (const v of crd.spec.versions) {
      const root = unbounded(v.schema!.openAPIV3Schema!);
      root.properties!['metadata'] = { type: 'object' };
      v.schema!.openAPIV3Schema = root;
    }
    await api.createCustomResourceDefinition({ body: crd as unknown as V1CustomResourceDefinition });
    await eventually(`CRD ${crd.metadata.name} established`, async () => {
      const got = await api.readCustomResourceDefinition({ name: crd.metadata.name });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
}

describe('objects stored before the CRDs declared their bounds (an apiserver with the old CRDs; local executor, sshd hosts)', () => {
  it('each hostile spec ends Failed with its problem and runs nothing; a spec.cluster changed while waiting is not run; the next valid operation runs; 31 rejections leave the history of what ran', async () => {
    const api = await startThrowawayApiServer(env, undefined, { etcdPrefix: `/${env.randomName('predating')}` });
    cleanups.push(() => api.stop());
    const kc = kubeConfigFor(env.kubeConfig, api.url);
    const kubeconfigPath = join(env.runDir, `${env.randomName('kubeconfig-predating')}`);
    await writeFile(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
    cleanups.push(() => rm(kubeconfigPath, { force: true }));
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await applyUnboundedCrds(kc);

    const ns = 'predating';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: INPUT_NAMES.hosts }, data: { 'hosts.yml': hostsYmlOf(env) } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: INPUT_NAMES.vars }, data: { 'group_vars.yml': 'kube_version: v1.34.4\n' } } });
    const secret = { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8'), known_hosts: await readFile(env.knownHostsPath, 'utf8') };
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: INPUT_NAMES.ssh }, stringData: secret } });
    const cluster = 'c1';
    const longCluster = `c-${'l'.repeat(241)}`;
    for (const name of [cluster, 'c2', longCluster]) {
      await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterObject(name, ns, { ssh: true }) });
    }
    let seq = 0;
    // Names sort in creation order (equal creation seconds are ordered by name).
    const create = async (spec: Partial<ClusterOperationSpec> & { cluster: string }, prefix: string): Promise<string> => {
      const name = `${String(seq++).padStart(2, '0')}-${prefix}`;
      await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body: operationObject(name, spec) });
      return name;
    };
    const hostile: [string, Partial<ClusterOperationSpec>, RegExp][] = [
      ['over-limits', { resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }, /error\[requests-over-limits\]: ClusterOperation [\w-]+, key spec\.resources\.requests\.memory: 2Gi exceeds the limit 1Gi/],
      ['claims', { resources: { claims: [{ name: 'gpu' }] } }, /error\[resource-claims\]: .*key spec\.resources\.claims/],
      ['hooks', { preHook: Array.from({ length: 21 }, () => ({ actionType: 'playbook' as const, action: 'ping.yml' })) }, /error\[too-many-hooks\]: .*key spec\.preHook: has 21 entries/],
    ];
    const hostileNames: [string, RegExp][] = [];
    for (const [prefix, spec, reason] of hostile) hostileNames.push([await create({ cluster, ...spec }, prefix), reason]);
    // 2^63-1 as a YAML integer (JSON from here would round it): kubectl sends it as written.
    const deadlineName = `${String(seq++).padStart(2, '0')}-deadline`;
    await execa(resolveKubeBinaries().kubectl, [`--kubeconfig=${kubeconfigPath}`, 'create', '-f', '-'], {
      input: `apiVersion: kubean.io/v1alpha1\nkind: ClusterOperation\nmetadata: {name: ${deadlineName}}\nspec: {cluster: ${cluster}, actionType: playbook, action: ping.yml, activeDeadlineSeconds: 9223372036854775807}\n`,
    });
    hostileNames.push([deadlineName, /error\[bad-deadline\]: .*key spec\.activeDeadlineSeconds: .*from 1 to 604800/]);
    hostileNames.push([await create({ cluster: longCluster }, 'long-cluster'), /error\[too-long\]: .*key spec\.cluster: is 243 characters long/]);
    const ran = await create({ cluster }, 'valid');
    const moved = await create({ cluster }, 'moved');

    // That apiserver has no admission webhook: its objects carry no stamps to verify.
    await startController('default', running, { kubeConfig: kc, admission: 'off', executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
    const getOp = async (name: string) => (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name })) as ClusterOperation;
    const finished = (name: string) =>
      eventually(`${name} finished`, async () => {
        const op = await getOp(name);
        return op.status?.status === 'Succeeded' || op.status?.status === 'Failed' ? op : undefined;
      }, 240_000);
    // The moved one waits behind the valid one (which runs ansible for a few seconds): then its spec.cluster changes.
    await eventually(`${moved} Waiting`, async () => ((await getOp(moved)).status?.status === 'Waiting' ? true : undefined), 120_000);
    await custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: moved, body: [{ op: 'replace', path: '/spec/cluster', value: 'c2' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const valid = await finished(ran);
    assert.equal(valid.status?.status, 'Succeeded', valid.status?.message);
    assert.ok((valid.status?.steps ?? []).length > 0 && valid.status!.steps!.every((step) => step.status === 'Succeeded'));
    for (const [name, reason] of hostileNames) {
      const op = await finished(name);
      assert.equal(op.status?.status, 'Failed', name);
      assert.match(op.status?.message ?? '', /^rejected before running: /, name);
      assert.match(op.status?.message ?? '', reason, name);
      assert.equal(op.status?.startTime, undefined, `${name} never started`);
      assert.equal(op.status?.steps, undefined, `${name} ran no step`);
    }
    const movedOp = await finished(moved);
    assert.equal(movedOp.status?.status, 'Failed');
    assert.match(movedOp.status?.message ?? '', /spec\.cluster changed from "c1" to "c2" while it waited/);
    assert.equal(movedOp.status?.startTime, undefined, 'never started');
    assert.deepEqual(movedOp.status?.steps, [], 'ran no step');
    const c2 = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: 'c2' })) as { status?: { conditions?: unknown[] } };
    assert.equal(c2.status?.conditions, undefined, 'nothing ran on c2');

    // 31 rejections, then one more valid operation. History (limit 30): the operations that ran
    // are all kept; of those that never ran (4 hostile ones and 31 rejections), the 30 newest.
    const rejections: string[] = [];
    for (let i = 0; i < 31; i++) rejections.push(await create({ cluster, extraArgs: '--limit=node1; reboot' }, `rejected-${i}`));
    const last = await finished(await create({ cluster }, 'last'));
    assert.equal(last.status?.status, 'Succeeded', last.status?.message);
    const rejected = await getOp(rejections.at(-1)!);
    assert.match(rejected.status?.message ?? '', /error\[shell-syntax\]/);
    const kept = await eventually('history pruned to 30 that never ran', async () => {
      const list = ((await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] }).items.filter((o) => o.spec.cluster === cluster);
      return list.filter((o) => !o.status?.startTime).length === 30 ? list : undefined;
    });
    const names = new Set(kept.map((o) => o.metadata.name));
    assert.ok(names.has(ran) && names.has(last.metadata.name), 'the operations that ran are kept');
    assert.deepEqual(rejections.filter((r) => !names.has(r)), [rejections[0]], 'the oldest rejection went, after the 4 hostile ones');
    for (const [name] of hostileNames.filter(([n]) => !n.endsWith('long-cluster'))) assert.ok(!names.has(name), `${name} pruned`);
  });
});
