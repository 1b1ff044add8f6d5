import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { ClusterQueue, type TurnStatus } from '../../src/controller/cluster-queue.js';
import { ClusterQueueWorker } from '../../src/controller/cluster-queue-worker.js';
import type { OperationRef } from '../../src/controller/operation-ref.js';
import { QueueUnavailableError } from '../../src/controller/turn-store.js';
import { randomName } from '../env/index.js';
import { ControlledRuns, operationRef, type Outcome } from './controlled-runs.js';
import { startPersistentRedis } from './persistent-redis.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** What a reconcile does with QueueUnavailableError: back off and try again (here every 100 ms, for 20 s at most). */
async function enqueueWhenAvailable(queue: ClusterQueue, ref: OperationRef): Promise<TurnStatus[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await queue.enqueue(ref);
    } catch (err) {
      if (!(err instanceof QueueUnavailableError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

it('loses and repeats nothing when Redis restarts in the middle of an operation', async () => {
  const redis = await startPersistentRedis();
  cleanups.push(() => redis.destroy());
  const connection = { host: redis.host, port: redis.port };
  const queueName = randomName('turns');
  const runs = new ControlledRuns();
  const queue = await ClusterQueue.open({ connection, queueName });
  cleanups.push(() => queue.close());
  const worker = await ClusterQueueWorker.start<Outcome>({ connection, queueName, handlers: runs.handlers, stalledIntervalMs: 1000, onError: () => undefined });
  cleanups.push(() => worker.close({ abandon: true }));

  const cluster = randomName('cluster');
  const during = operationRef(cluster, 'during', '2026-01-01T10:00:00Z');
  const queued = operationRef(cluster, 'queued', '2026-01-01T10:00:01Z');
  const after = operationRef(cluster, 'after', '2026-01-01T10:00:02Z');
  await queue.enqueue([during, queued]);
  await runs.waitForBegin(during);

  await redis.stop();
  await assert.rejects(queue.enqueue(after), (err: unknown) => {
    assert.ok(err instanceof QueueUnavailableError, String(err));
    assert.match(err.message, /^the operation queue \(Redis\) is unavailable, could not queue after: /);
    return true;
  });
  await assert.rejects(queue.status(during), QueueUnavailableError);
  // The operation ends while Redis is down: its worker records the outcome once Redis is back.
  runs.finish(during);
  await redis.start();

  await runs.waitForBegin(queued);
  assert.deepEqual(await enqueueWhenAvailable(queue, after), [{ state: 'waiting', blocker: { uid: queued.uid, name: 'queued' } }]);
  assert.deepEqual(await queue.status(during), { state: 'done', outcome: { status: 'Succeeded' } });
  runs.finish(queued);
  await runs.waitForBegin(after);
  runs.finish(after);

  assert.deepEqual(runs.order(), ['run during', 'run queued', 'run after']);
  assert.equal(runs.overlaps, 0);
});
