import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CLUSTER_PLURAL, GROUP, VERSION, type Cluster } from '../../src/api/types.js';
import { StatusWriter } from '../../src/controller/status-writer.js';
import { clusterObject } from '../fixtures/kube-cluster.js';
import { createOperation, custom, env, getOp } from './controller-harness.js';

const writer = new StatusWriter(env.kubeConfig);
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

async function cluster(): Promise<Cluster> {
  const name = env.randomName('writer');
  const body = clusterObject(name, 'no-such-namespace');
  cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name }));
  return (await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body })) as Cluster;
}

const read = async (name: string) => (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name })) as Cluster;

describe('StatusWriter.pair', () => {
  it('computes a Cluster\'s status again from the Cluster as it is when the copy it had was behind, then writes the operation\'s', async () => {
    const c = await cluster();
    const name = c.metadata.name!;
    const op = await createOperation(env.randomName('pair'), { cluster: name }, cleanups);
    // Someone else's condition arrives after `c` was read.
    assert.equal(await writer.cluster(name, c.metadata.uid, { conditions: [{ clusterOps: 'earlier', status: 'Succeeded' }] }), 'written');
    const seen: (string | undefined)[] = [];
    const written = await writer.pair(op, { status: 'Running', action: 'ping.yml' }, c, (previous) => {
      seen.push(previous?.conditions?.map((x) => x.clusterOps).join(','));
      return { ...previous, conditions: [...(previous?.conditions ?? []), { clusterOps: op.metadata.name!, status: 'Running' }] };
    });
    assert.deepEqual(seen, [undefined, 'earlier'], 'computed from the stale copy, refused, computed again');
    assert.deepEqual(written?.conditions?.map((x) => x.clusterOps), ['earlier', op.metadata.name]);
    assert.deepEqual((await read(name)).status?.conditions?.map((x) => x.clusterOps), ['earlier', op.metadata.name]);
    assert.equal((await getOp(op.metadata.name!)).status?.status, 'Running');
  });

  it('writes the operation\'s status when its Cluster is gone', async () => {
    const c = await cluster();
    const op = await createOperation(env.randomName('pair'), { cluster: c.metadata.name! }, cleanups);
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: c.metadata.name! });
    assert.equal(await writer.pair(op, { status: 'Running', action: 'ping.yml' }, c, () => ({ phase: 'Healthy' })), undefined);
    assert.equal((await getOp(op.metadata.name!)).status?.status, 'Running');
  });
});

describe('StatusWriter.cluster', () => {
  it('writes a status computed from the version it names, and refuses once the Cluster changed since', async () => {
    const c = await cluster();
    const name = c.metadata.name!;
    assert.equal(await writer.cluster(name, c.metadata.uid, { phase: 'Installing' }, c.metadata.resourceVersion), 'written');
    assert.equal(await writer.cluster(name, c.metadata.uid, { phase: 'Healthy' }, c.metadata.resourceVersion), 'changed', 'computed from a stale copy');
    assert.equal((await read(name)).status?.phase, 'Installing');
    const now = await read(name);
    assert.equal(await writer.cluster(name, now.metadata.uid, { phase: 'Healthy' }, now.metadata.resourceVersion), 'written');
    assert.equal(await writer.cluster(name, now.metadata.uid, { phase: 'Abnormal' }), 'written', 'without a version: as a whole');
  });

  it('never writes another Cluster of the same name, nor a deleted one', async () => {
    const c = await cluster();
    const name = c.metadata.name!;
    assert.equal(await writer.cluster(name, 'another-uid', { phase: 'Healthy' }), 'gone');
    assert.equal(await writer.cluster(name, 'another-uid', { phase: 'Healthy' }, c.metadata.resourceVersion), 'changed', 'the caller reads it again to tell');
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name });
    assert.equal(await writer.cluster(name, c.metadata.uid, { phase: 'Healthy' }, c.metadata.resourceVersion), 'gone');
  });
});
