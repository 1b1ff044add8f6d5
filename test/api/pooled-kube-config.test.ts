import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { after, describe, it } from 'node:test';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../src/api/pooled-kube-config.js';
import { loadTestEnv } from '../env/index.js';

const env = loadTestEnv();

/** Counts the TLS connections https agents open while `work` runs. */
async function connectionsDuring(work: () => Promise<unknown>): Promise<number> {
  const proto = Agent.prototype as unknown as { createConnection: (...args: unknown[]) => unknown };
  const original = proto.createConnection;
  let count = 0;
  proto.createConnection = function (this: Agent, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    proto.createConnection = original;
  }
  return count;
}

const fiveReads = (kc: KubeConfig) => async () => {
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < 5; i++) await core.readNamespace({ name: 'default' });
};

describe('PooledKubeConfig', () => {
  const pooled = PooledKubeConfig.from(env.kubeConfig);
  after(() => pooled.destroy());

  it('makes API calls over one kept-alive connection, where client-node opens one per call', async () => {
    assert.equal(await connectionsDuring(fiveReads(env.kubeConfig)), 5, 'client-node as it comes');
    assert.equal(await connectionsDuring(fiveReads(pooled)), 1);
  });

  it('answers a burst of more calls than it has connections, over at most 64', async () => {
    const core = pooled.makeApiClient(CoreV1Api);
    // Large enough that the apiserver sends it chunked, as node-fetch's check needs.
    const ns = await env.namespace('pooled');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'big' }, data: { value: 'x'.repeat(64 * 1024) } } });
    const opened = await connectionsDuring(async () => {
      const sizes = await Promise.all(Array.from({ length: 400 }, () => core.readNamespacedConfigMap({ name: 'big', namespace: ns }).then((cm) => cm.data?.value?.length)));
      assert.deepEqual(new Set(sizes), new Set([64 * 1024]));
    });
    assert.ok(opened <= 64, `${opened} connections`);
  });

  it('reports the apiserver\'s errors as client-node does', async () => {
    const core = pooled.makeApiClient(CoreV1Api);
    await assert.rejects(core.readNamespace({ name: env.randomName('missing') }), (err: unknown) => err instanceof ApiException && err.code === 404);
  });

  it('keeps the cluster, user and context of the KubeConfig it copies', () => {
    assert.equal(pooled.getCurrentCluster()?.server, env.kubeConfig.getCurrentCluster()?.server);
    assert.equal(pooled.getCurrentUser()?.name, env.kubeConfig.getCurrentUser()?.name);
    assert.equal(pooled.currentContext, env.kubeConfig.currentContext);
    assert.equal(PooledKubeConfig.from(pooled), pooled);
  });

  it('opens a connection of its own for other TLS settings (another user)', async () => {
    const audited = new KubeConfig();
    audited.loadFromFile(env.auditedKubeconfigPath);
    const other = PooledKubeConfig.from(audited);
    try {
      assert.equal(await connectionsDuring(fiveReads(other)), 1, 'the audited user\'s own');
      assert.equal(await connectionsDuring(fiveReads(pooled)), 0, 'the admin\'s, kept from before');
    } finally {
      other.destroy();
    }
  });
});
