import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { ResilientInformer, withoutBookkeeping, type WatchError } from '../../src/api/informer.js';
import { loadTestEnv } from '../env/index.js';
import { eventually } from '../controller/controller-harness.js';
import { EventRecorder } from '../controller/event-recorder.js';
import { kubeConfigFor } from '../controller/kubeconfig-for.js';
import { startTcpProxy } from '../controller/tcp-proxy.js';
import { startThrowawayApiServer } from '../controller/throwaway-apiserver.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const FAST_BACKOFF = { initialMs: 100, maxMs: 1000 };
const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

interface Seen {
  type: 'add' | 'update' | 'delete';
  name: string;
  value?: string;
}

/** An informer on the ConfigMaps of `namespace` carrying `label`, recording what it sees and every WatchError. */
function configMapInformer(kubeConfig: KubeConfig, namespace: string, label: string) {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const labelSelector = `slipway.test/informer=${label}`;
  let lists = 0;
  const informer = new ResilientInformer<V1ConfigMap>({
    kubeConfig,
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    list: () => {
      lists++;
      return api.listNamespacedConfigMap({ namespace, labelSelector });
    },
    labelSelector,
    backoff: FAST_BACKOFF,
  });
  const seen = new EventRecorder<Seen>();
  const errors = new EventRecorder<WatchError>();
  const record = (type: Seen['type']) => (cm: V1ConfigMap) => seen.push({ type, name: cm.metadata!.name!, value: cm.data?.value });
  informer.onAdd(record('add')).onUpdate(record('update')).onDelete(record('delete')).onError(errors.push);
  stops.push(() => informer.stop());
  return { informer, seen, errors, lists: () => lists };
}

async function createConfigMap(namespace: string, name: string, label: string, value: string): Promise<void> {
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: { 'slipway.test/informer': label } }, data: { value } } });
}

async function setValue(namespace: string, name: string, value: string): Promise<void> {
  await core.patchNamespacedConfigMap({ namespace, name, body: [{ op: 'replace', path: '/data/value', value }] });
}

const has = (type: Seen['type'], name: string, value?: string) => (events: readonly Seen[]) =>
  events.some((e) => e.type === type && e.name === name && (value === undefined || e.value === value));

describe('resilient informer', () => {
  it('delivers adds, updates and deletes, and the ones it missed while its connection was cut', async () => {
    const namespace = await env.namespace('informer');
    const label = env.randomName('l');
    const apiUrl = new URL(env.apiServerUrl);
    const proxy = await startTcpProxy({ host: apiUrl.hostname, port: Number(apiUrl.port) });
    stops.push(() => proxy.close());
    const { informer, seen, errors } = configMapInformer(kubeConfigFor(env.kubeConfig, `https://127.0.0.1:${proxy.port}`), namespace, label);

    await createConfigMap(namespace, 'kept', label, 'v1');
    await createConfigMap(namespace, 'doomed', label, 'v1');
    await informer.start();
    assert.deepEqual(informer.list().map((cm) => cm.metadata!.name).sort(), ['doomed', 'kept']);
    await setValue(namespace, 'kept', 'v2');
    await seen.waitFor('the update to v2', has('update', 'kept', 'v2'));

    await proxy.cut();
    await errors.waitFor('the watch to fail', (e) => e.length > 0);
    await setValue(namespace, 'kept', 'v3');
    await core.deleteNamespacedConfigMap({ namespace, name: 'doomed' });
    await createConfigMap(namespace, 'born', label, 'v1');
    // Several failed reconnects while the proxy refuses connections: the informer keeps retrying.
    await errors.waitFor('retries', (e) => e.length >= 3);
    await proxy.restore();

    await seen.waitFor('the missed changes', (e) => has('update', 'kept', 'v3')(e) && has('delete', 'doomed')(e) && has('add', 'born', 'v1')(e));
    assert.deepEqual(informer.list().map((cm) => `${cm.metadata!.name}=${cm.data!.value}`).sort(), ['born=v1', 'kept=v3']);
    assert.equal(informer.getByKey(`${namespace}/kept`)?.data?.value, 'v3');
    assert.ok(errors.events.every((e) => e.retryInMs <= FAST_BACKOFF.maxMs));
  });

  it('recovers when its apiserver is stopped and started again, relisting what changed meanwhile', async () => {
    const namespace = await env.namespace('informer');
    const label = env.randomName('l');
    let apiserver = await startThrowawayApiServer(env);
    stops.push(() => apiserver.stop());
    const { informer, seen, errors, lists } = configMapInformer(kubeConfigFor(env.kubeConfig, apiserver.url), namespace, label);
    await createConfigMap(namespace, 'kept', label, 'v1');
    await createConfigMap(namespace, 'doomed', label, 'v1');
    await informer.start();
    await seen.waitFor('both objects', (e) => has('add', 'kept')(e) && has('add', 'doomed')(e));

    await apiserver.stop();
    // Changes made through the environment's own apiserver, on the same etcd.
    await setValue(namespace, 'kept', 'v2');
    await core.deleteNamespacedConfigMap({ namespace, name: 'doomed' });
    await createConfigMap(namespace, 'born', label, 'v1');
    await errors.waitFor('the watch to fail', (e) => e.length > 0);
    apiserver = await startThrowawayApiServer(env, apiserver.port);

    await seen.waitFor('the missed changes', (e) => has('update', 'kept', 'v2')(e) && has('delete', 'doomed')(e) && has('add', 'born', 'v1')(e), 60_000);
    assert.deepEqual(informer.list().map((cm) => `${cm.metadata!.name}=${cm.data!.value}`).sort(), ['born=v1', 'kept=v2']);
    // The restarted apiserver's watch cache begins after the informer's resourceVersion (the
    // control plane writes Leases every few seconds), so resuming the watch gets 410 Gone.
    assert.equal(lists(), 2, 'one relist after the 410');
  });

  it('keeps only what `slim` leaves of each object, listed or watched, and hands that to its handlers', async () => {
    const namespace = await env.namespace('informer');
    const labelSelector = 'slipway.test/informer=slim';
    const seen: V1ConfigMap[] = [];
    const informer = new ResilientInformer<V1ConfigMap>({
      kubeConfig: env.kubeConfig,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      list: () => core.listNamespacedConfigMap({ namespace, labelSelector }),
      labelSelector,
      slim: (cm) => ({ metadata: { name: cm.metadata?.name, namespace: cm.metadata?.namespace, resourceVersion: cm.metadata?.resourceVersion }, data: { value: cm.data?.value ?? '' } }),
    });
    stops.push(() => informer.stop());
    informer.onAdd((cm) => seen.push(cm)).onUpdate((cm) => seen.push(cm));
    const body = (name: string) => ({ metadata: { name, labels: { 'slipway.test/informer': 'slim' } }, data: { value: 'v1', bulk: 'x'.repeat(10_000) } });
    await core.createNamespacedConfigMap({ namespace, body: body('listed') });
    await informer.start();
    await core.createNamespacedConfigMap({ namespace, body: body('watched') });
    await setValue(namespace, 'listed', 'v2');
    await eventually('the add and the update', async () => (seen.length >= 3 ? true : undefined));
    for (const name of ['listed', 'watched']) {
      const cached = informer.get(name, namespace)!;
      assert.deepEqual(Object.keys(cached).sort(), ['data', 'metadata']);
      assert.deepEqual(Object.keys(cached.data!), ['value']);
      assert.equal(cached.metadata?.managedFields, undefined);
    }
    assert.equal(informer.get('listed', namespace)?.data?.value, 'v2');
    assert.ok(seen.every((cm) => cm.data?.bulk === undefined), 'handlers see the slim object');
  });

  it('withoutBookkeeping drops managedFields and kubectl\'s last-applied-configuration, nothing else', () => {
    const op = {
      metadata: { name: 'x', resourceVersion: '7', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' }, managedFields: [{ manager: 'kubectl' }] },
      spec: { a: 1 },
    };
    assert.deepEqual(withoutBookkeeping(op), { metadata: { name: 'x', resourceVersion: '7', annotations: { keep: 'me' } }, spec: { a: 1 } });
    assert.deepEqual(withoutBookkeeping({ metadata: { name: 'y', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } }), { metadata: { name: 'y' } });
  });

  it('rejects synced when stopped before the first list', async () => {
    const { informer } = configMapInformer(kubeConfigFor(env.kubeConfig, 'https://127.0.0.1:1'), 'default', 'none');
    const synced = informer.start();
    await informer.stop();
    await assert.rejects(synced, { name: 'InformerStoppedError' });
  });
});
