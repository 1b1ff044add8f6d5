/**
 * Following a pod's log through the real apiserver, with kwok serving a file as the log
 * (test/fixtures/kwok-pod-log.ts): requests that fall idle or are refused are made again, every
 * line reaches the reader once and in order, stop() ends it at once, and a whole log read at the
 * end adds only what the stream had not passed on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { PodLogUnavailableError } from '../../src/api/pod-log-stream.js';
import { PodLogFollower } from '../../src/executors/pod-log-follower.js';
import { FAKE_NODE_LABEL, loadTestEnv } from '../env/index.js';
import { servePodLog } from '../fixtures/kwok-pod-log.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const CONTAINER = 'main';

let ns: string;
before(async () => {
  ns = await env.namespace('podlog');
});

/** A pod on a fake node, Running. */
async function runningPod(): Promise<string> {
  const name = env.randomName('p');
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value }, containers: [{ name: CONTAINER, image: 'registry.invalid/x' }] } } });
  await until(`${name} Running`, async () => (await core.readNamespacedPod({ name, namespace: ns })).status?.phase === 'Running');
  return name;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function follower(pod: string, opts: { idleMs?: number } = {}): { f: PodLogFollower; lines: string[]; retries: unknown[] } {
  const lines: string[] = [];
  const retries: unknown[] = [];
  const f = new PodLogFollower({
    kubeConfig: env.kubeConfig,
    target: { namespace: ns, pod, container: CONTAINER },
    onLine: (l) => lines.push(l),
    onRetry: (err) => retries.push(err),
    retryMs: { first: 100, max: 300 },
    ...(opts.idleMs ? { idleMs: opts.idleMs } : {}),
  });
  return { f, lines, retries };
}

describe('following a pod log', () => {
  it('passes every line once and in order, though its requests fall idle and are made again from the last line\'s second', async () => {
    const pod = await runningPod();
    const log = await servePodLog(env.kubeConfig, { namespace: ns, pod, container: CONTAINER, file: join(env.runDir, `${pod}.log`) });
    // Stamped in one go: several lines share a time, which only their count tells apart.
    await log.append('one', 'two', 'three');
    const { f, lines, retries } = follower(pod, { idleMs: 600 });
    f.start();
    try {
      await until('the first lines', () => lines.length >= 3);
      await until('two requests given up for silence', () => retries.length >= 2);
      await log.append('four', 'five');
      await until('the later lines', () => lines.length >= 5);
      await sleep(1_500);
      assert.deepEqual(lines, ['one', 'two', 'three', 'four', 'five']);
      assert.ok(retries.every((e) => e instanceof Error && /silent/.test(e.message)), String(retries[0]));
    } finally {
      f.stop();
    }
  });

  it('asks again while the log is not served, gets it once it is, and passes nothing after stop()', async () => {
    const pod = await runningPod();
    const { f, lines, retries } = follower(pod);
    f.start();
    try {
      await until('a refused request', () => retries.length >= 1);
      assert.ok(retries[0] instanceof PodLogUnavailableError, String(retries[0]));
      const log = await servePodLog(env.kubeConfig, { namespace: ns, pod, container: CONTAINER, file: join(env.runDir, `${pod}.log`) });
      await log.append('served at last');
      await until('the line', () => lines.length >= 1);
      f.stop();
      await log.append('after the stop');
      await sleep(1_500);
      assert.deepEqual(lines, ['served at last']);
    } finally {
      f.stop();
    }
  });

  it('given the whole log at the end, passes on only the lines the stream had not', async () => {
    const pod = await runningPod();
    const log = await servePodLog(env.kubeConfig, { namespace: ns, pod, container: CONTAINER, file: join(env.runDir, `${pod}.log`) });
    await log.append('a', 'b');
    const { f, lines } = follower(pod);
    f.start();
    await until('the first lines', () => lines.length >= 2);
    f.stop();
    await log.append('c', 'd');
    const whole = await core.readNamespacedPodLog({ name: pod, namespace: ns, container: CONTAINER, timestamps: true });
    assert.equal(whole.split('\n').filter(Boolean).length, 4, whole);
    f.catchUp(whole);
    assert.deepEqual(lines, ['a', 'b', 'c', 'd']);
  });
});
