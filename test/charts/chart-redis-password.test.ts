/**
 * The bundled Redis's password across renders: with auth.password or auth.existingSecret the
 * chart renders the same objects every time (helm template, Argo CD, Flux), and the rendered
 * Redis command, run with the real redis-server, takes the password from its environment and
 * serves it to the URL the controller's environment composes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { ClusterQueue } from '../../src/controller/cluster-queue.js';
import { DEFAULT_QUEUE } from '../../src/controller/controller.js';
import { redisOptionsFromUrl } from '../../src/controller/redis-url.js';
import { QueueUnavailableError } from '../../src/controller/turn-store.js';
import { freePort } from '../../src/util/free-port.js';
import { find, render, template, type KubeObject } from './helm.js';

const NS = 'slipway-system';

const container = (objects: KubeObject[], name: string): V1Container => {
  const c = (find(objects, 'Deployment', name) as unknown as V1Deployment).spec?.template.spec?.containers[0];
  assert.ok(c, name);
  return c;
};
const secrets = (objects: KubeObject[]): KubeObject[] => objects.filter((o) => o.kind === 'Secret' && o.metadata.name === 'slipway-redis');

describe('the bundled Redis password across renders', () => {
  it('is the same on every render with auth.password', async () => {
    const values = { redis: { bundled: { auth: { password: 'fixed-pass.1' } } } };
    const [a, b] = [await render({ namespace: NS, values }), await render({ namespace: NS, values })];
    assert.equal(a.text, b.text);
    assert.deepEqual((secrets(a.objects)[0] as KubeObject & { stringData: object }).stringData, { password: 'fixed-pass.1' });
  });

  it('comes from auth.existingSecret, for Redis and the controller alike, and the chart makes no Secret', async () => {
    const values = { redis: { bundled: { auth: { existingSecret: 'sealed-redis', existingSecretKey: 'redis-password' } } } };
    const [a, b] = [await render({ namespace: NS, values }), await render({ namespace: NS, values })];
    assert.equal(a.text, b.text);
    assert.deepEqual(secrets(a.objects), []);
    for (const name of ['slipway', 'slipway-redis']) {
      assert.deepEqual(container(a.objects, name).env?.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef, { name: 'sealed-redis', key: 'redis-password' }, name);
    }
  });

  it('without either, differs between two renders without a cluster (what the two values are for)', async () => {
    const [a, b] = [await render({ namespace: NS }), await render({ namespace: NS })];
    assert.notDeepEqual(secrets(a.objects), secrets(b.objects));
  });

  it('refuses a password that would not fit a redis:// URL (values schema)', async () => {
    const r = await template({ namespace: NS, values: { redis: { bundled: { auth: { password: 'p@ss word' } } } } });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /password/);
  });
});

/** Runs the rendered Redis container's command here, pointed at a temp dir and a free port. */
async function runRenderedRedis(password: string): Promise<{ url: string; exited: Promise<{ code: number | null; stderr: string }>; stop(): Promise<void> }> {
  const { objects } = await render({ namespace: NS });
  const redis = container(objects, 'slipway-redis');
  const conf = (find(objects, 'ConfigMap', 'slipway-redis') as KubeObject & { data: Record<string, string> }).data['redis.conf'] ?? '';
  const dir = await mkdtemp(join(tmpdir(), 'slipway-chart-redis-'));
  const port = await freePort();
  await writeFile(join(dir, 'redis.conf'), conf.replace(/^port 6379$/m, `port ${port}\nbind 127.0.0.1`).replace(/^dir \/data$/m, `dir ${dir}`));
  const [sh, flag, script] = redis.command ?? [];
  assert.deepEqual([sh, flag], ['sh', '-c']);
  assert.ok(script?.includes('/etc/slipway-redis/redis.conf'));
  const child = spawn(sh!, [flag!, script!.replaceAll('/etc/slipway-redis/redis.conf', join(dir, 'redis.conf'))], { env: { PATH: process.env.PATH ?? '', REDIS_PASSWORD: password }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  // The controller's URL, with Kubernetes' expansion of $(REDIS_PASSWORD) done here.
  const template = container(objects, 'slipway').env?.find((e) => e.name === 'SLIPWAY_REDIS_URL')?.value ?? '';
  const url = template.replace('$(REDIS_PASSWORD)', password).replace(`slipway-redis.${NS}.svc:6379`, `127.0.0.1:${port}`);
  return {
    url,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('the rendered Redis command, run with redis-server', () => {
  it('requires the password from its environment, which the controller\'s URL carries', async () => {
    const redis = await runRenderedRedis('s3cret-Pass_1.~');
    try {
      // What the controller does first with its URL (src/cli/controller-command.ts).
      const open = async (url: string): Promise<void> => (await ClusterQueue.open({ connection: redisOptionsFromUrl(url), queueName: DEFAULT_QUEUE })).close();
      let opened: unknown;
      for (let i = 0; i < 100; i++) {
        opened = await open(redis.url).then(() => true, (err: unknown) => err);
        if (opened === true) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(opened, true, `${redis.url}: ${String(opened)}`);
      await assert.rejects(open(redis.url.replace(/:\/\/:[^@]+@/, '://')), QueueUnavailableError);
      await assert.rejects(open(redis.url.replace('s3cret', 'wrong')), QueueUnavailableError);
    } finally {
      await redis.stop();
    }
  });

  it('refuses to start with a password a URL cannot carry, saying where it came from', async () => {
    const redis = await runRenderedRedis('p@ss');
    try {
      const { code, stderr } = await redis.exited;
      assert.equal(code, 1);
      assert.match(stderr, /the Redis password \(Secret slipway-redis, key password\) must be letters, digits/);
    } finally {
      await redis.stop();
    }
  });
});
