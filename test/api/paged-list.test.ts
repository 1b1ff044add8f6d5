import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubernetesListObject, type V1ConfigMap } from '@kubernetes/client-node';
import { CLUSTER_PLURAL, GROUP, VERSION, type Cluster } from '../../src/api/types.js';
import { clusterObject } from '../fixtures/kube-cluster.js';
import { withoutBookkeeping } from '../../src/api/informer.js';
import { listInPages } from '../../src/api/paged-list.js';
import { loadTestEnv } from '../env/index.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);

describe('listInPages', () => {
  it('reads every object a page at a time, slims each page, and reports one snapshot', async () => {
    const namespace = await env.namespace('paged-list');
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { value: name } } });
    const limits: number[] = [];
    const tokens: (string | undefined)[] = [];
    const list = await listInPages<V1ConfigMap>(
      (page) => {
        limits.push(page.limit);
        tokens.push(page.continue);
        return core.listNamespacedConfigMap({ namespace, limit: page.limit, _continue: page.continue });
      },
      withoutBookkeeping,
      2,
    );
    // Five ConfigMaps (plus the namespace's kube-root-ca.crt, when its controller made it) in pages of two.
    const listed = list.items.map((cm) => cm.metadata!.name!).filter((name) => name !== 'kube-root-ca.crt');
    assert.deepEqual(listed, names);
    assert.ok(limits.length >= 3 && limits.every((limit) => limit === 2), `pages: ${limits.join(',')}`);
    assert.equal(tokens[0], undefined);
    assert.ok(tokens.slice(1).every((token) => typeof token === 'string' && token.length > 0));
    assert.ok(list.items.every((cm) => cm.metadata?.managedFields === undefined), 'managedFields dropped page by page');
    assert.equal(list.metadata?._continue, undefined);
    // The snapshot's version, from which a watch resumes: an object changed after it is newer.
    const snapshot = BigInt(list.metadata!.resourceVersion!);
    const changed = await core.patchNamespacedConfigMap({ namespace, name: 'a', body: [{ op: 'replace', path: '/data/value', value: 'A' }] });
    assert.ok(BigInt(changed.metadata!.resourceVersion!) > snapshot);
  });

  it('follows the continue token of custom objects, whose lists come undeserialized', async () => {
    const namespace = await env.namespace('paged-list-custom');
    const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
    const names = [1, 2, 3].map(() => env.randomName('paged'));
    for (const name of names) await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterObject(name, namespace) });
    let requests = 0;
    const list = await listInPages<Cluster>(
      (page) => {
        requests++;
        return custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, limit: page.limit, _continue: page.continue }) as Promise<KubernetesListObject<Cluster>>;
      },
      undefined,
      1,
    );
    const listed = new Set(list.items.map((c) => c.metadata.name));
    assert.ok(names.every((name) => listed.has(name)), `listed ${[...listed].join(', ')}`);
    assert.ok(requests >= list.items.length && list.items.length >= 3, `${requests} requests for ${list.items.length} objects, one a page`);
  });

  it('reads a collection that fits one page in one request', async () => {
    const namespace = await env.namespace('paged-list-one');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'only' } } });
    let requests = 0;
    const list = await listInPages<V1ConfigMap>((page) => {
      requests++;
      return core.listNamespacedConfigMap({ namespace, limit: page.limit, _continue: page.continue });
    });
    assert.equal(requests, 1);
    assert.ok(list.items.some((cm) => cm.metadata?.name === 'only'));
  });
});
