import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../../src/util/free-port.js';
import { isRunning, type ServeState } from '../../src/bundle/serve-state.js';
import { cli } from './served-bundle.js';

/** A bundle directory with one file and an empty registry: serving needs no build. */
async function fakeBundle(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-fake-bundle-'));
  await mkdir(join(root, 'files', 'dl.k8s.io'), { recursive: true });
  await mkdir(join(root, 'registry'), { recursive: true });
  await writeFile(join(root, 'files', 'dl.k8s.io', 'hello.txt'), 'hello from the bundle\n');
  await writeFile(join(root, 'files.txt'), 'dl.k8s.io/hello.txt\n');
  await writeFile(join(root, 'images.txt'), '');
  return root;
}

async function answers(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return undefined;
  }
}

describe('slipway bundle serve', { skip: process.env.SLIPWAY_SLOW_SUITE ? false : 'slow suite only: npm run test:lab' }, () => {
  let root: string;
  before(async () => {
    root = await fakeBundle();
  });
  after(async () => {
    await cli(['bundle', 'serve', '--stop', '--cache', root], { reject: false });
    await rm(root, { recursive: true, force: true });
  });

  test('serves files and the registry on the loopback and an extra address, refuses a second start, stops', async () => {
    const [filesPort, registryPort] = [await freePort(), await freePort()];
    const serve = await cli(['bundle', 'serve', '--cache', root, '--extra-address', '127.0.0.2', '--files-port', `${filesPort}`, '--registry-port', `${registryPort}`]);
    const printed = serve.stdout.split(/^# hosts that reach .*$/m).filter((s) => s.trim() !== '').map((s) => parse(s) as Record<string, string>);
    assert.deepEqual(
      printed.map((v) => [v.files_repo, v.registry_host]),
      ['127.0.0.1', '127.0.0.2'].map((a) => [`http://${a}:${filesPort}`, `${a}:${registryPort}`]),
    );
    assert.match(serve.stderr, /insecure mirror/);
    for (const address of ['127.0.0.1', '127.0.0.2']) {
      const res = await fetch(`http://${address}:${filesPort}/dl.k8s.io/hello.txt`);
      assert.equal(await res.text(), 'hello from the bundle\n', address);
      assert.equal(await answers(`http://${address}:${registryPort}/v2/`), 200, `registry on ${address}`);
    }
    const state = JSON.parse(await readFile(join(root, 'serve', 'serve.json'), 'utf8')) as ServeState;
    assert.equal(state.processes.length, 3, 'nginx and one registry per address');
    assert.equal(state.processes.filter(isRunning).length, 3);

    const again = await cli(['bundle', 'serve', '--cache', root, '--files-port', `${await freePort()}`, '--registry-port', `${await freePort()}`], { reject: false });
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /already serving/);

    const stop = await cli(['bundle', 'serve', '--stop', '--cache', root]);
    assert.match(stop.stderr, /stopped files, registry 127\.0\.0\.1:\d+, registry 127\.0\.0\.2:\d+/);
    assert.deepEqual(state.processes.filter(isRunning), [], 'every process is gone');
    assert.equal(await answers(`http://127.0.0.1:${filesPort}/`), undefined);
    assert.equal(await answers(`http://127.0.0.2:${registryPort}/v2/`), undefined);
    assert.match((await cli(['bundle', 'serve', '--stop', '--cache', root])).stderr, /nothing was serving/);
  });

  test('a port in use fails the start and leaves nothing running', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const serve = await cli(['bundle', 'serve', '--cache', root, '--files-port', `${await freePort()}`, '--registry-port', `${port}`], { reject: false });
      assert.equal(serve.exitCode, 1, serve.stderr);
      assert.match(serve.stderr, /docker-registry 127\.0\.0\.1:\d+: exited/);
      assert.match(serve.stderr, /address already in use/);
      assert.match((await cli(['bundle', 'serve', '--stop', '--cache', root])).stderr, /nothing was serving/);
    } finally {
      blocker.close();
    }
  });

  test('without a built bundle, serve says how to build one', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'slipway-no-bundle-'));
    try {
      const serve = await cli(['bundle', 'serve', '--cache', empty], { reject: false });
      assert.equal(serve.exitCode, 1);
      assert.match(serve.stderr, /no bundle in .*slipway bundle build/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
