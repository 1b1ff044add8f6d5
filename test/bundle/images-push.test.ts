/**
 * `slipway images push`: the skopeo argv and Helm values as pure tables; then real pushes with
 * skopeo into Debian's docker-registry — of small archives in a bundle made here (every run),
 * and of the built bundle's own images (slow suite) — and the values rendered by helm.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parse } from 'yaml';
import { bundleLayout, readBundleIndex } from '../../src/bundle/bundle-layout.js';
import { helmValuesFor, ImagesPushError, normaliseRegistry, skopeoCopyArgv, slipwayImagesOf, type ImageSource } from '../../src/bundle/images-push.js';
import { imagesCommand } from '../../src/cli/images-command.js';
import { find, render } from '../charts/helm.js';
import { bundleSkipReason, cli } from './served-bundle.js';
import { startTestRegistry, type TestRegistry } from './test-registry.js';
import { writeTinyOciArchive } from './tiny-oci.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const source: ImageSource = { name: 'job', repository: 'slipway/job', tag: '0.1.0', archive: '/b/slipway-job.oci.tar' };

describe('images push, pure', () => {
  it('takes host[:port][/path] registries and refuses schemes and malformed ones', () => {
    assert.equal(normaliseRegistry('registry.example.com:5000/team/slipway/'), 'registry.example.com:5000/team/slipway');
    assert.equal(normaliseRegistry('127.0.0.1:5000'), '127.0.0.1:5000');
    assert.equal(normaliseRegistry('[::1]:5000'), '[::1]:5000');
    for (const bad of ['http://127.0.0.1:5000', 'https://reg', 'reg/Upper', 'reg:5000/a b', '', '-reg', 'reg//x']) {
      assert.throws(() => normaliseRegistry(bad), (e: unknown) => e instanceof ImagesPushError && e.code === 'registry-invalid', bad);
    }
  });

  it('builds skopeo copy from the archive to registry/repository:tag, with TLS and credentials as asked', () => {
    assert.deepEqual(skopeoCopyArgv(source, { registry: 'reg:5000/p', insecure: false }, '/t/d'), [
      'copy', '--quiet', '--retry-times=3', '--digestfile', '/t/d', 'oci-archive:/b/slipway-job.oci.tar', 'docker://reg:5000/p/slipway/job:0.1.0',
    ]);
    assert.deepEqual(skopeoCopyArgv(source, { registry: 'reg', insecure: true, authFile: '/home/u/auth.json' }, '/t/d').slice(2, 6), [
      '--retry-times=3', '--dest-tls-verify=false', '--dest-authfile', '/home/u/auth.json',
    ]);
  });

  it('finds the controller, job and Redis images in the bundle index, or names those missing', () => {
    const images = [
      { archive: '/i/c.tar', ref: 'slipway/controller:0.2.0' },
      { archive: '/i/pause.tar', ref: 'registry.k8s.io/pause:3.10.1' },
      { archive: '/i/j.tar', ref: 'slipway/job:0.2.0' },
      { archive: '/i/r.tar', ref: 'slipway/redis:0.2.0' },
    ];
    assert.deepEqual(slipwayImagesOf({ images, files: [] }).map((s) => [s.name, s.repository, s.tag, s.archive]), [
      ['controller', 'slipway/controller', '0.2.0', '/i/c.tar'],
      ['job', 'slipway/job', '0.2.0', '/i/j.tar'],
      ['redis', 'slipway/redis', '0.2.0', '/i/r.tar'],
    ]);
    assert.throws(() => slipwayImagesOf({ images: images.slice(1, 3), files: [] }), /no slipway\/controller, slipway\/redis/);
    assert.throws(() => slipwayImagesOf({ images: [{ archive: '/i/a:b.tar', ref: 'slipway/controller:1' }, ...images.slice(2)], files: [] }), /colon/);
  });

  it('makes Helm values of the registry and each tag pinned to its digest', () => {
    const pushed = (['controller', 'job', 'redis'] as const).map((name) => ({ name, ref: `reg:5000/slipway/${name}:0.1.0`, digest: DIGEST }));
    assert.deepEqual(helmValuesFor('reg:5000', pushed), {
      imageRegistry: 'reg:5000',
      controller: { image: { tag: `0.1.0@${DIGEST}` } },
      job: { image: { tag: `0.1.0@${DIGEST}` } },
      redis: { bundled: { image: { tag: `0.1.0@${DIGEST}` } } },
    });
  });
});

interface Values {
  imageRegistry: string;
  controller: { image: { tag: string } };
  job: { image: { tag: string } };
  redis: { bundled: { image: { tag: string } } };
}

async function registryDigest(host: string, ref: string): Promise<string> {
  const r = await execa('skopeo', ['inspect', '--tls-verify=false', `docker://${host}/${ref}`]);
  return (JSON.parse(r.stdout) as { Digest: string }).Digest;
}

/** The images the chart renders with these values: controller, its --job-image, bundled Redis. */
async function renderedImages(valuesFile: string): Promise<string[]> {
  const values = parse(await readFile(valuesFile, 'utf8')) as object;
  const { objects } = await render({ values });
  const containers = (kind: string, name: string) => (find(objects, kind, name) as unknown as { spec: { template: { spec: { containers: { image: string; args?: string[] }[] } } } }).spec.template.spec.containers;
  const controller = containers('Deployment', 'slipway')[0]!;
  const jobImage = controller.args?.find((a) => a.startsWith('--job-image='))?.slice('--job-image='.length) ?? '';
  return [controller.image, jobImage, containers('Deployment', 'slipway-redis')[0]!.image];
}

describe('slipway images push, into docker-registry, from a bundle made here', () => {
  let registry: TestRegistry;
  let dir: string;
  before(async () => {
    registry = await startTestRegistry();
    dir = await mkdtemp(join(tmpdir(), 'slipway-images-push-'));
    const lines: string[] = [];
    for (const name of ['controller', 'job', 'redis']) {
      const archive = join(dir, `${name}.oci.tar`);
      await writeTinyOciArchive(archive, `${name}\n`);
      lines.push(`${archive} slipway/${name}:9.9.9`);
    }
    await writeFile(join(dir, 'images.txt'), lines.join('\n') + '\n');
    await writeFile(join(dir, 'files.txt'), '');
  });
  after(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('pushes the three images, prints Helm values pinned to the digests the registry holds, and writes them with --values-out', async () => {
    const valuesFile = join(dir, 'values.yaml');
    const reg = `${registry.host}/team`;
    const r = await cli(['images', 'push', '--registry', reg, '--insecure', '--cache', dir, '--values-out', valuesFile]);
    assert.equal(r.exitCode, 0);
    assert.equal((await readFile(valuesFile, 'utf8')).trimEnd(), r.stdout);
    assert.match(r.stderr, new RegExp(`pushing ${reg}/slipway/controller:9\\.9\\.9`));
    const values = parse(r.stdout) as Values;
    assert.equal(values.imageRegistry, reg);
    const tags = [values.controller.image.tag, values.job.image.tag, values.redis.bundled.image.tag];
    const digests = await Promise.all(['controller', 'job', 'redis'].map((n) => registryDigest(registry.host, `team/slipway/${n}:9.9.9`)));
    assert.deepEqual(tags, digests.map((d) => `9.9.9@${d}`));
    assert.equal(new Set(digests).size, 3, 'three different images');
    for (const [i, name] of ['controller', 'job', 'redis'].entries()) {
      assert.ok(r.stdout.includes(`#   ${name.padEnd(10)}  ${reg}/slipway/${name}:9.9.9@${digests[i]}`), r.stdout);
    }
    assert.deepEqual(await renderedImages(valuesFile), ['controller', 'job', 'redis'].map((n, i) => `${reg}/slipway/${n}:9.9.9@${digests[i]}`));
  });

  it('without --insecure, refuses a registry that speaks plain HTTP (exit 1, skopeo says why)', async () => {
    const r = await cli(['images', 'push', '--registry', registry.host, '--cache', dir], { reject: false });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /pushing 127\.0\.0\.1:\d+\/slipway\/controller:9\.9\.9: .*HTTP/);
  });

  it('says what is wrong: a missing creds file, no bundle (1), a malformed registry or no --registry (2)', async () => {
    const run = async (...argv: string[]): Promise<[number, string]> => {
      let err = '';
      const code = await imagesCommand(argv, { out: () => {}, err: (t) => (err += t) });
      return [code, err];
    };
    const [noCreds, noCredsErr] = await run('push', '--registry', registry.host, '--insecure', '--cache', dir, '--creds-file', join(dir, 'absent.json'));
    assert.deepEqual([noCreds, /--creds-file .*absent\.json/.test(noCredsErr)], [1, true], noCredsErr);
    const [noBundle, noBundleErr] = await run('push', '--registry', registry.host, '--cache', join(dir, 'nothing'));
    assert.deepEqual([noBundle, /no bundle in/.test(noBundleErr)], [1, true], noBundleErr);
    const [scheme, schemeErr] = await run('push', '--registry', `http://${registry.host}`, '--cache', dir);
    assert.deepEqual([scheme, /without a scheme/.test(schemeErr)], [2, true], schemeErr);
    const [none, noneErr] = await run('push', '--cache', dir);
    assert.deepEqual([none, /--registry is required/.test(noneErr)], [2, true], noneErr);
    const [typo, typoErr] = await run('psuh', '--registry', registry.host);
    assert.deepEqual([typo, /did you mean `slipway images push`/.test(typoErr)], [2, true], typoErr);
  });
});

describe('slipway images push, the built bundle’s images', { skip: bundleSkipReason() }, () => {
  let registry: TestRegistry;
  let dir: string;
  before(async () => {
    registry = await startTestRegistry();
    dir = await mkdtemp(join(tmpdir(), 'slipway-images-push-'));
  });
  after(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('pushes the controller, job and Redis images the bundle holds; the chart renders what was pushed', async () => {
    const valuesFile = join(dir, 'values.yaml');
    const r = await cli(['images', 'push', '--registry', registry.host, '--insecure', '--values-out', valuesFile]);
    assert.equal(r.exitCode, 0, r.stderr);
    const bundled = slipwayImagesOf(readBundleIndex(bundleLayout()));
    const expected: string[] = [];
    for (const image of bundled) {
      const digest = await registryDigest(registry.host, `${image.repository}:${image.tag}`);
      const config = JSON.parse((await execa('skopeo', ['inspect', '--tls-verify=false', '--config', `docker://${registry.host}/${image.repository}:${image.tag}`])).stdout) as { os: string };
      assert.equal(config.os, 'linux', image.repository);
      expected.push(`${registry.host}/${image.repository}:${image.tag}@${digest}`);
    }
    assert.deepEqual(await renderedImages(valuesFile), expected);
  });
});
