import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { ClusterQueue } from '../../src/controller/cluster-queue.js';
import { ClusterQueueWorker } from '../../src/controller/cluster-queue-worker.js';
import { loadTestEnv } from '../env/index.js';
import { ControlledRuns, operationRef, type Outcome } from './controlled-runs.js';
import { eventually } from './controller-harness.js';
import { EventRecorder } from './event-recorder.js';

const env = loadTestEnv();
const connection = { host: env.redis.host, port: env.redis.port };
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A fresh queue name, with a producer and (unless `worker` is false) an in-process worker. */
async function setUp(opts: { worker?: boolean; stalledIntervalMs?: number } = {}) {
  const queueName = env.randomName('turns');
  const runs = new ControlledRuns();
  const queue = await ClusterQueue.open({ connection, queueName });
  cleanups.push(() => queue.close());
  cleanups.push(async () => {
    const jobs = new Queue(queueName, { connection });
    await jobs.obliterate({ force: true });
    await jobs.close();
  });
  const startWorker = async () => {
    const worker = await ClusterQueueWorker.start<Outcome>({
      connection,
      queueName,
      handlers: runs.handlers,
      stalledIntervalMs: opts.stalledIntervalMs ?? 15_000,
      onError: (err) => assert.fail(err),
    });
    cleanups.push(() => worker.close({ abandon: true }));
    return worker;
  };
  if (opts.worker !== false) await startWorker();
  return { queueName, queue, runs, startWorker };
}

describe('per-cluster turns over BullMQ', () => {
  it('runs the operations of one cluster one at a time, in creation order, the waiting ones naming the blocker', async () => {
    const { queue, runs } = await setUp();
    const cluster = env.randomName('cluster');
    const first = operationRef(cluster, 'zeta', '2026-01-01T10:00:00Z');
    // Created in the same second: the name decides.
    const third = operationRef(cluster, 'beta', '2026-01-01T10:00:01Z');
    const second = operationRef(cluster, 'alpha', '2026-01-01T10:00:01Z');

    const statuses = await queue.enqueue([third, second, first]);
    const blockedByFirst = { state: 'waiting', blocker: { uid: first.uid, name: 'zeta' } };
    assert.deepEqual(statuses.slice(0, 2), [blockedByFirst, blockedByFirst]);
    assert.ok(['granted', 'running'].includes(statuses[2]!.state));

    await runs.waitForBegin(first);
    assert.deepEqual(await queue.status(first), { state: 'running' });
    assert.deepEqual(await queue.status(third), blockedByFirst);
    runs.finish(first, { status: 'Failed' });
    await runs.waitForBegin(second);
    assert.deepEqual(await queue.status(first), { state: 'done', outcome: { status: 'Failed' } });
    assert.deepEqual(await queue.status(third), { state: 'waiting', blocker: { uid: second.uid, name: 'alpha' } });
    runs.finish(second);
    await runs.waitForBegin(third);
    runs.finish(third);

    assert.deepEqual(runs.order(), ['run zeta', 'run alpha', 'run beta']);
    assert.equal(runs.overlaps, 0);
  });

  it('queues an operation created later behind the one running', async () => {
    const { queue, runs } = await setUp();
    const cluster = env.randomName('cluster');
    const running = operationRef(cluster, 'running', '2026-01-01T10:00:00Z');
    const later = operationRef(cluster, 'later', '2026-01-01T10:00:05Z');
    await queue.enqueue(running);
    await runs.waitForBegin(running);
    assert.deepEqual(await queue.enqueue(later), [{ state: 'waiting', blocker: { uid: running.uid, name: 'running' } }]);
    runs.finish(running);
    await runs.waitForBegin(later);
    runs.finish(later);
    assert.equal(runs.overlaps, 0);
  });

  it('runs operations of different clusters in parallel', async () => {
    const { queue, runs } = await setUp();
    const onOne = operationRef(env.randomName('cluster'), 'one', '2026-01-01T10:00:00Z');
    const onTwo = operationRef(env.randomName('cluster'), 'two', '2026-01-01T10:00:00Z');
    await queue.enqueue([onOne, onTwo]);
    await Promise.all([runs.waitForBegin(onOne), runs.waitForBegin(onTwo)]);
    runs.finish(onOne);
    runs.finish(onTwo);
  });

  it('runs an operation queued several times once', async () => {
    const { queue, runs } = await setUp();
    const cluster = env.randomName('cluster');
    const op = operationRef(cluster, 'once', '2026-01-01T10:00:00Z');
    const next = operationRef(cluster, 'next', '2026-01-01T10:00:01Z');
    await queue.enqueue([op, op]);
    await queue.enqueue(op);
    await runs.waitForBegin(op);
    assert.deepEqual(await queue.enqueue(op), [{ state: 'running' }]);
    await queue.enqueue(next);
    runs.finish(op);
    await runs.waitForBegin(next);
    assert.deepEqual(await queue.enqueue(op), [{ state: 'done', outcome: { status: 'Succeeded' } }]);
    runs.finish(next);
    assert.deepEqual(runs.order(), ['run once', 'run next']);
  });

  it('resumes, never re-runs, an operation whose worker process was killed', async () => {
    const { queueName, queue, runs, startWorker } = await setUp({ worker: false, stalledIntervalMs: 500 });
    const cluster = env.randomName('cluster');
    const orphan = operationRef(cluster, 'orphan', '2026-01-01T10:00:00Z');
    const next = operationRef(cluster, 'next', '2026-01-01T10:00:01Z');

    const script = fileURLToPath(new URL('./fixtures/turn-worker-process.js', import.meta.url));
    const child = spawn(process.execPath, [script, env.redis.host, String(env.redis.port), queueName, '1500'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const lines = new EventRecorder<string>();
    createInterface(child.stdout).on('line', lines.push);
    await lines.waitFor('the worker process to be ready', (l) => l.includes('ready'));

    await queue.enqueue([orphan, next]);
    await lines.waitFor('the worker process to run the operation', (l) => l.includes(`run ${orphan.uid}`));
    child.kill('SIGKILL');
    await exited;

    await startWorker();
    await runs.waitForBegin(orphan, 'resume');
    assert.deepEqual(await queue.status(next), { state: 'waiting', blocker: { uid: orphan.uid, name: 'orphan' } });
    runs.finish(orphan);
    await runs.waitForBegin(next);
    runs.finish(next);
    assert.deepEqual(runs.order(), ['resume orphan', 'run next']);
    assert.deepEqual(lines.events, ['ready', `run ${orphan.uid}`]);
  });

  it('forgets an operation that has not started, and passes the turn on', async () => {
    const { queue, runs } = await setUp();
    const cluster = env.randomName('cluster');
    const running = operationRef(cluster, 'running', '2026-01-01T10:00:00Z');
    const deleted = operationRef(cluster, 'deleted', '2026-01-01T10:00:01Z');
    const last = operationRef(cluster, 'last', '2026-01-01T10:00:02Z');
    await queue.enqueue([running, deleted, last]);
    await runs.waitForBegin(running);
    await assert.rejects(queue.forget(running), { name: 'OperationStartedError' });
    await queue.forget(deleted);
    assert.deepEqual(await queue.status(deleted), { state: 'unknown' });
    runs.finish(running);
    await runs.waitForBegin(last);
    runs.finish(last);
    assert.deepEqual(runs.order(), ['run running', 'run last']);
  });

  it('keeps one bounded stack trace and failure reason per turn in Redis, however often and however hugely its handler throws', async () => {
    const queueName = env.randomName('turns');
    const queue = await ClusterQueue.open({ connection, queueName });
    const jobs = new Queue(queueName, { connection });
    cleanups.push(() => queue.close());
    cleanups.push(async () => {
      await jobs.obliterate({ force: true });
      await jobs.close();
    });
    const op = operationRef(env.randomName('cluster'), 'throws', '2026-01-01T10:00:00Z');
    let attempts = 0;
    let release: (outcome: Outcome) => void = () => undefined;
    const fifth = new Promise<void>((reached) => {
      const attempt = (): Promise<Outcome> => {
        attempts++;
        if (attempts < 5) return Promise.reject(new Error(`huge ${'x'.repeat(1 << 20)}`));
        reached();
        return new Promise<Outcome>((resolve) => (release = resolve));
      };
      void ClusterQueueWorker.start<Outcome>({
        connection,
        queueName,
        handlers: { run: attempt, onResume: attempt },
        retryBackoff: { initialMs: 10, maxMs: 20 },
        onError: (err) => assert.fail(err),
      }).then((worker) => cleanups.push(() => worker.close({ abandon: true })));
    });
    await queue.enqueue(op);
    await fifth;
    const job = await jobs.getJob(op.uid);
    assert.ok(job, 'the turn\'s job');
    const stacks = job.stacktrace ?? [];
    assert.equal(stacks.length, 1, 'one stack trace kept, not one per attempt');
    assert.ok(stacks[0]!.length <= 4096, `stack of ${stacks[0]!.length} characters`);
    assert.ok((job.failedReason ?? '').length <= 2048, `failedReason of ${job.failedReason?.length} characters`);
    release({ status: 'Succeeded' });
    await eventually('the turn to finish', async () => ((await queue.status(op)).state === 'done' ? true : undefined));
  });
});
