import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
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
