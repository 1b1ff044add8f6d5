import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { loadTestEnv } from '../env/index.js';

test('redis answers PING', async () => {
  const env = loadTestEnv();
  const redis = new Redis(env.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    assert.equal(await redis.ping(), 'PONG');
  } finally {
    redis.disconnect();
  }
});

test('a BullMQ job round-trips through the test redis', async () => {
  const env = loadTestEnv();
  const connection = { host: env.redis.host, port: env.redis.port };
  const name = env.randomName('smoke');
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const worker = new Worker<{ n: number }, { doubled: number; by: string }>(
    name,
    async (job) => ({ doubled: job.data.n * 2, by: `worker of ${job.queueName}` }),
    { connection },
  );
  try {
    await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
    const job = await queue.add('double', { n: 21 });
    const result = await job.waitUntilFinished(events, 10_000);
    assert.deepEqual(result, { doubled: 42, by: `worker of ${name}` });
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});
