import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../../src/api/types.js';
import { ownerReferenceTo } from '../../src/executors/job-builder.js';
import { CHUNK_BYTES, LOG_OPERATION_UID_LABEL, MAX_CHUNKS, MAX_LINE_BYTES } from '../../src/oplog/log-chunks.js';
import { OperationLogWriter } from '../../src/oplog/operation-log-writer.js';
import { readOperationLog } from '../../src/oplog/read-operation-log.js';
import { loadTestEnv } from '../env/index.js';
import { operationObject } from '../fixtures/kube-cluster.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** A ClusterOperation to own the chunks (its cluster does not exist: nothing runs it). */
async function owner(): Promise<ClusterOperation> {
  const name = env.randomName('oplog');
  const op = (await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body: operationObject(name, { cluster: env.randomName('none') }) })) as ClusterOperation;
  cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name }));
  return op;
}

describe('operation logs kept in the API', () => {
  it('is readable while it is written and whole once closed', async () => {
    const ns = await env.namespace('oplog');
    const op = await owner();
    const errors: unknown[] = [];
    const writer = new OperationLogWriter({ core, namespace: ns, owner: ownerReferenceTo(op) }, (e) => errors.push(e), 50);
    writer.append('first line');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await readOperationLog(core, ns, op.metadata.uid!)).text, 'first line\n', 'flushed within the interval, before close');
    writer.append('x'.repeat(MAX_LINE_BYTES * 2));
    writer.append('last line');
    await writer.close();
    const kept = await readOperationLog(core, ns, op.metadata.uid!);
    const lines = kept.text.split('\n');
    assert.equal(lines[0], 'first line');
    assert.match(lines[1]!, /\[line cut at 16384 bytes\]$/);
    assert.equal(lines[2], 'last line');
    assert.deepEqual(errors, []);
  });

  it('keeps the head and the newest chunks of a log larger than its bound, and says what it dropped', async () => {
    const ns = await env.namespace('oplog');
    const op = await owner();
    const writer = new OperationLogWriter({ core, namespace: ns, owner: ownerReferenceTo(op) }, (e) => assert.fail(String(e)), 10);
    const line = 'y'.repeat(1000);
    const total = Math.ceil((CHUNK_BYTES * (MAX_CHUNKS + 10)) / (line.length + 1));
    writer.append('HEAD');
    for (let i = 0; i < total; i++) writer.append(line);
    writer.append('TAIL');
    await writer.close();
    const cms = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: `${LOG_OPERATION_UID_LABEL}=${op.metadata.uid}` });
    assert.equal(cms.items.length, MAX_CHUNKS, 'never more chunks than the bound');
    for (const cm of cms.items) assert.equal(cm.metadata?.ownerReferences?.[0]?.uid, op.metadata.uid);
    const kept = await readOperationLog(core, ns, op.metadata.uid!);
    assert.ok(kept.text.startsWith('HEAD\n'));
    assert.ok(kept.text.endsWith('TAIL\n'));
    assert.match(kept.text, /chunk\(s\) of this log were dropped/);
    assert.ok(kept.text.length <= MAX_CHUNKS * CHUNK_BYTES + 200);
  });
});
