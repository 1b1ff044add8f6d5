/**
 * The controller as real processes (`slipway controller`, each with its own Redis) under
 * failure: kill -9, a second replica, Redis and apiserver restarts, history pruning, and a
 * Job's second pod. Pods in held-* namespaces stay Running until the test releases them.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../../src/api/types.js';
import { batch, clusterFixture, core, createOperation, custom, env, eventually, finished, getOp, httpGet, jobsOf, podsOfJob, releasePod, runningPod, sample, spawnController, testLifecycle } from './controller-harness.js';
import { kubeConfigFor } from './kubeconfig-for.js';
import { startPersistentRedis, type PersistentRedis } from './persistent-redis.js';
import { startThrowawayApiServer } from './throwaway-apiserver.js';

const coordination = env.kubeConfig.makeApiClient(CoordinationV1Api);
const { cleanups, running } = testLifecycle();

async function ownRedis(): Promise<{ redis: PersistentRedis; url: string }> {
  const redis = await startPersistentRedis();
  cleanups.push(() => redis.destroy());
  return { redis, url: `redis://${redis.host}:${redis.port}` };
}

const leaseHolder = async (ns: string): Promise<string> => (await coordination.readNamespacedLease({ name: 'slipway-controller', namespace: ns })).spec?.holderIdentity ?? '';

async function assertOneJobOnePod(ns: string, op: ClusterOperation): Promise<void> {
  const jobs = await jobsOf(ns, op.metadata.uid!);
  assert.equal(jobs.length, 1, `${op.metadata.name}: one Job`);
  assert.equal((await podsOfJob(ns, jobs[0]!.metadata!.name!)).length, 1, `${op.metadata.name}: one pod`);
}

describe('slipway controller under failure (real processes)', () => {
  it('kill -9 mid-operation, then a new process: still one Job, Succeeded once the pod completes', async () => {
    const { url } = await ownRedis();
    const { ns, cluster } = await clusterFixture('held-kill', cleanups);
    const first = await spawnController({ ns, redisUrl: url, podName: 'kill-a', running });
    const op = await createOperation(env.randomName('killed'), { cluster }, cleanups);
    const { pod } = await runningPod(ns, op);
    await first.kill9();
    const second = await spawnController({ ns, redisUrl: url, podName: 'kill-b', running });
    await eventually('the new process to lead', async () => ((await leaseHolder(ns)).startsWith('kill-b-') ? true : undefined), 40_000);
    await releasePod(ns, pod);
    const done = await finished(op.metadata.name!, 120_000);
    assert.equal(done.status?.status, 'Succeeded', `${done.status?.message}\n${second.logTail()}`);
    await assertOneJobOnePod(ns, op);
  });

  it('two replicas: only the leader creates Jobs; kill -9 the leader and the standby takes over within the lease duration and finishes the work', async () => {
    const { url } = await ownRedis();
    const { ns, cluster } = await clusterFixture('held-ha', cleanups);
    const a = await spawnController({ ns, redisUrl: url, podName: 'ha-a', running });
    await eventually('ha-a to lead', async () => ((await leaseHolder(ns)).startsWith('ha-a-') ? true : undefined), 20_000);
    const b = await spawnController({ ns, redisUrl: url, podName: 'ha-b', running });
    const op1 = await createOperation(env.randomName('ha-one'), { cluster }, cleanups);
    const op2 = await createOperation(env.randomName('ha-two'), { cluster }, cleanups);
    const { pod } = await runningPod(ns, op1);
    assert.ok((await leaseHolder(ns)).startsWith('ha-a-'));
    assert.equal(sample((await httpGet(`${a.metricsUrl}/metrics`)).text, 'slipway_dispatch_latency_seconds_count'), 1, 'the leader dispatched');
    assert.equal(sample((await httpGet(`${b.metricsUrl}/metrics`)).text, 'slipway_dispatch_latency_seconds_count'), 0, 'the standby did not');
    assert.equal((await jobsOf(ns, op2.metadata.uid!)).length, 0, 'the second waits for its turn');

    await a.kill9();
    const killedAt = Date.now();
    await eventually('ha-b to lead', async () => ((await leaseHolder(ns)).startsWith('ha-b-') ? true : undefined), 30_000);
    const takeoverMs = Date.now() - killedAt;
    // Lease 15 s, counted from the standby's last sight of a renewal, plus one retry period (2 s, jittered).
    assert.ok(takeoverMs <= 15_000 + 2_400 + 1_000, `took over after ${takeoverMs} ms`);
    await releasePod(ns, pod);
    const done1 = await finished(op1.metadata.name!, 120_000);
    assert.equal(done1.status?.status, 'Succeeded', done1.status?.message);
    const second = await runningPod(ns, op2, 60_000);
    await releasePod(ns, second.pod);
    const done2 = await finished(op2.metadata.name!, 60_000);
    assert.equal(done2.status?.status, 'Succeeded', done2.status?.message);
    for (const op of [op1, op2]) await assertOneJobOnePod(ns, op);
    assert.equal(sample((await httpGet(`${b.metricsUrl}/metrics`)).text, 'slipway_dispatch_latency_seconds_count'), 1, 'the new leader dispatched the second');
  });

  it('Redis restarted mid-operation with its data kept: nothing lost, nothing run twice', async () => {
    const { redis, url } = await ownRedis();
    const { ns, cluster } = await clusterFixture('held-redis', cleanups);
    await spawnController({ ns, redisUrl: url, podName: 'redis-a', running });
    const op1 = await createOperation(env.randomName('redis-one'), { cluster }, cleanups);
    const op2 = await createOperation(env.randomName('redis-two'), { cluster }, cleanups);
    const first = await runningPod(ns, op1);
    await redis.stop();
    // The run ends while Redis is down; an operation created meanwhile is queued once it is back.
    await releasePod(ns, first.pod);
    const op3 = await createOperation(env.randomName('redis-three'), { cluster }, cleanups);
    const done1 = await finished(op1.metadata.name!);
    assert.equal(done1.status?.status, 'Succeeded', done1.status?.message);
    await new Promise((r) => setTimeout(r, 2_000));
    await redis.start();
    for (const op of [op2, op3]) {
      const { pod } = await runningPod(ns, op, 90_000);
      await releasePod(ns, pod);
      const done = await finished(op.metadata.name!);
      assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    }
    const ops = await Promise.all([op1, op2, op3].map((o) => getOp(o.metadata.name!)));
    for (let i = 1; i < ops.length; i++) assert.ok(Date.parse(ops[i]!.status!.startTime!) >= Date.parse(ops[i - 1]!.status!.endTime!), 'one at a time, in order');
    for (const op of [op1, op2, op3]) await assertOneJobOnePod(ns, op);
  });

  it('apiserver restarted mid-operation: the controller recovers and finishes it with one Job', async () => {
    const { url } = await ownRedis();
    const { ns, cluster } = await clusterFixture('held-api', cleanups);
    const api = await startThrowawayApiServer(env);
    let current = api;
    cleanups.push(() => current.stop());
    const kubeconfigPath = join(env.runDir, `kubeconfig-throwaway-${api.port}`);
    await writeFile(kubeconfigPath, kubeConfigFor(env.kubeConfig, api.url).exportConfig(), { mode: 0o600 });
    const ctl = await spawnController({ ns, redisUrl: url, podName: 'api-a', running, kubeconfigPath });
    const op = await createOperation(env.randomName('api'), { cluster }, cleanups);
    const { pod } = await runningPod(ns, op);
    await api.stop();
    // The pod completes while the controller cannot see it.
    await releasePod(ns, pod);
    await eventually('the Job to complete', async () => ((await jobsOf(ns, op.metadata.uid!))[0]?.status?.succeeded === 1 ? true : undefined));
    current = await startThrowawayApiServer(env, api.port);
    const done = await finished(op.metadata.name!, 120_000);
    assert.equal(done.status?.status, 'Succeeded', `${done.status?.message}\n${ctl.logTail()}`);
    await assertOneJobOnePod(ns, op);
    assert.equal((await httpGet(`${ctl.metricsUrl}/healthz`)).status, 200);
  });

  it('--history-limit 2 keeps the two newest of four finished operations', async () => {
    const { url } = await ownRedis();
    const { ns, cluster } = await clusterFixture('history', cleanups);
    const names = ['h1', 'h2', 'h3', 'h4'].map((p) => env.randomName(p));
    for (const n of names) await createOperation(n, { cluster }, cleanups);
    await spawnController({ ns, redisUrl: url, podName: 'history-a', running, extraArgs: ['--history-limit=2'] });
    const left = await eventually('two operations left, both finished', async () => {
      const list = (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] };
      const mine = list.items.filter((o) => o.spec.cluster === cluster);
      return mine.length === 2 && mine.every((o) => o.status?.status === 'Succeeded') ? mine : undefined;
    }, 90_000);
    assert.deepEqual(left.map((o) => o.metadata.name).sort(), names.slice(2).sort());
  });

  it('a second pod of a Job: the Job is suspended and the operation Failed', async () => {
    const { url } = await ownRedis();
    const { ns, cluster } = await clusterFixture('held-twice', cleanups);
    await spawnController({ ns, redisUrl: url, podName: 'twice-a', running });
    const op = await createOperation(env.randomName('twice'), { cluster }, cleanups);
    const { job, pod } = await runningPod(ns, op);
    // With backoffLimit 0 and restartPolicy Never the Job controller never starts a replacement
    // (a deleted or failed pod fails the Job), so the second pod is made here as it would look.
    const first = await core.readNamespacedPod({ name: pod, namespace: ns });
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: `${job}-second`, labels: first.metadata!.labels!, ownerReferences: first.metadata!.ownerReferences! },
        spec: { ...first.spec!, nodeName: first.spec!.nodeName! },
      },
    });
    const done = await finished(op.metadata.name!);
    assert.equal(done.status?.status, 'Failed');
    assert.match(done.status?.message ?? '', /second pod of Job .* started .*suspended/);
    assert.equal((await batch.readNamespacedJob({ name: job, namespace: ns })).spec?.suspend, true);
  });
});
