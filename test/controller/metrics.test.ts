import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterFixture, createOperation, env, eventually, finished, httpGet, sample, spawnController, testLifecycle } from './controller-harness.js';
import { startPersistentRedis } from './persistent-redis.js';

const { cleanups, running } = testLifecycle();

describe('slipway controller --metrics-addr', () => {
  it('serves /healthz, /readyz (the standby too) and /metrics; a dispatch and a final status are each observed once', async () => {
    const redis = await startPersistentRedis();
    cleanups.push(() => redis.destroy());
    const { ns, cluster } = await clusterFixture('metrics', cleanups);
    const redisUrl = `redis://${redis.host}:${redis.port}`;
    const leader = await spawnController({ ns, redisUrl, podName: 'metrics-a', running });
    assert.equal((await httpGet(`${leader.metricsUrl}/healthz`)).status, 200);
    const standby = await spawnController({ ns, redisUrl, podName: 'metrics-b', running });
    assert.equal((await httpGet(`${standby.metricsUrl}/readyz`)).status, 200, 'a healthy standby is ready');
    assert.equal((await httpGet(`${leader.metricsUrl}/nope`)).status, 404);

    const before = (await httpGet(`${leader.metricsUrl}/metrics`)).text;
    assert.equal(sample(before, 'slipway_dispatch_latency_seconds_count'), 0);
    const name = env.randomName('scraped');
    await createOperation(name, { cluster }, cleanups);
    const done = await finished(name);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);

    const text = await eventually('the final status observed', async () => {
      const t = (await httpGet(`${leader.metricsUrl}/metrics`)).text;
      return sample(t, 'slipway_status_update_latency_seconds_count') === 1 ? t : undefined;
    }, 10_000);
    assert.equal(sample(text, 'slipway_dispatch_latency_seconds_count'), 1);
    assert.ok((sample(text, 'slipway_dispatch_latency_seconds_sum') ?? -1) >= 0);
    assert.ok((sample(text, 'slipway_cluster_operations{status="Succeeded"}') ?? 0) >= 1);
    assert.match(text, /^process_cpu_user_seconds_total /m, 'process metrics too');
    assert.equal(sample(text, 'slipway_operations_total{action="other",result="Succeeded"}'), 1);
    assert.equal(sample(text, 'slipway_operation_duration_seconds_count{action="other",result="Succeeded"}'), 1);
    assert.equal(sample(text, 'slipway_leader'), 1);
    assert.match(text, /^slipway_build_info\{version="[^"]+"\} 1$/m);
    assert.notEqual(sample(text, 'slipway_clusters{phase="Healthy"}'), undefined, 'one series per phase');
    assert.notEqual(sample(text, 'slipway_queue_depth{state="waiting"}'), undefined);
    const standbyText = (await httpGet(`${standby.metricsUrl}/metrics`)).text;
    assert.equal(sample(standbyText, 'slipway_dispatch_latency_seconds_count'), 0, 'the standby dispatched nothing');
    assert.doesNotMatch(standbyText, /^slipway_cluster_operations\{/m, 'a standby has no store to count');
    assert.equal(sample(standbyText, 'slipway_leader'), 0);
    assert.doesNotMatch(standbyText, /^slipway_clusters\{/m, 'nor a phase to count');
  });
});
