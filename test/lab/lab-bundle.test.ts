import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultBundleRoot } from '../../src/bundle/bundle-layout.js';
import { probeTcp } from '../../src/hosts/tcp-probe.js';
import { BUNDLE_FILES_PORT, BUNDLE_REGISTRY_PORT } from '../../src/lab/bundle-address.js';
import { LAB_TESTS_SKIP, LabSsh, REPO, parseUp, randomLabName, slipway, type UpOutput } from './lab-harness.js';

/**
 * The offline bundle's contract, as `slipway bundle` documents it: `bundle serve --extra-address
 * <ip>` serves files_repo on 8080 and registry_host on 5000; the built bundle lists its files
 * (files_repo paths, each with a .sha256) in files.txt and its images ("<archive> <ref>") in
 * images.txt, under SLIPWAY_BUNDLE_CACHE or ~/.cache/slipway/bundle.
 */
const bundleRoot = defaultBundleRoot();

function bundleSkip(): string | false {
  if (LAB_TESTS_SKIP) return LAB_TESTS_SKIP;
  const built = existsSync(join(bundleRoot, 'files.txt')) && existsSync(join(bundleRoot, 'images.txt'));
  const cli = existsSync(join(REPO, 'dist', 'src', 'bundle', 'bundle-command.js'));
  if (built && cli) return false;
  const why = !cli ? 'this checkout has no `slipway bundle`' : `no bundle built in ${bundleRoot} (slipway bundle build)`;
  if (process.env.SLIPWAY_REQUIRE_BUNDLE) throw new Error(`SLIPWAY_REQUIRE_BUNDLE is set but ${why}`);
  return `${why}; SLIPWAY_REQUIRE_BUNDLE=1 makes this a failure`;
}

const lines = async (file: string): Promise<string[]> => (await readFile(join(bundleRoot, file), 'utf8')).split('\n').filter(Boolean);
const imageRef = (refs: string[], repository: string): string => {
  const ref = refs.find((r) => r.startsWith(`${repository}:`));
  assert.ok(ref, `the bundle has no ${repository} image: ${refs.join(' ')}`);
  return ref;
};

describe('a lab machine with the offline bundle', { skip: bundleSkip(), concurrency: false }, () => {
  const lab = randomLabName();
  let stateRoot = '';
  let serveState = '';
  let up: UpOutput;

  before(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'slipway-lab-state-'));
    serveState = await mkdtemp(join(tmpdir(), 'slipway-lab-serve-'));
    const r = await slipway(['lab', 'up', '--name', lab, '--machines', '1'], stateRoot);
    assert.equal(r.exitCode, 0, r.stderr);
    up = parseUp(r.stdout);
    const serve = await slipway(['bundle', 'serve', '--extra-address', up.hostAddress, '--state-dir', serveState], stateRoot);
    assert.equal(serve.exitCode, 0, serve.stderr);
  });

  after(async () => {
    await slipway(['bundle', 'serve', '--stop', '--state-dir', serveState], stateRoot);
    await slipway(['lab', 'down', '--name', lab], stateRoot);
    await rm(stateRoot, { recursive: true, force: true });
    await rm(serveState, { recursive: true, force: true });
  });

  it('containerd and runc from the file repository start under systemd, pull pause and kube-apiserver through the registry and run a container', async (t) => {
    for (const port of [BUNDLE_FILES_PORT, BUNDLE_REGISTRY_PORT]) {
      assert.ok(await probeTcp({ host: up.hostAddress, port, send: 'GET / HTTP/1.0\r\n\r\n', expect: 'HTTP/1.' }), `bundle serve answers on ${up.hostAddress}:${port}`);
    }
    const files = await lines('files.txt');
    const containerd = files.find((f) => /\/containerd-[\d.]+-linux-amd64\.tar\.gz$/.test(f));
    const runc = files.find((f) => /\/runc\.amd64$/.test(f));
    assert.ok(containerd && runc, `containerd and runc in files.txt: ${files.join(' ')}`);
    const refs = (await lines('images.txt')).map((l) => l.split(' ')[1] ?? '');
    const pause = imageRef(refs, 'registry.k8s.io/pause');
    const apiserver = imageRef(refs, 'registry.k8s.io/kube-apiserver');

    const ssh = await LabSsh.fromInputs(up.inputsDir);
    const script = await readFile(join(REPO, 'test', 'lab', 'fixtures', 'containerd-from-bundle.sh'), 'utf8');
    const args = [`http://${up.hostAddress}:${BUNDLE_FILES_PORT}`, `${up.hostAddress}:${BUNDLE_REGISTRY_PORT}`, containerd, runc, pause, apiserver];
    const r = await ssh.run(up.machines[0]!.address, `bash -s -- ${args.map((a) => `'${a}'`).join(' ')}`, script);
    t.diagnostic(r.stdout);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^active$/m, 'containerd runs as a systemd unit');
    assert.ok(r.stdout.includes(`${up.hostAddress}:${BUNDLE_REGISTRY_PORT}/${pause}`), 'pause was pulled through the bundle registry');
    assert.match(r.stdout, /^Kubernetes v1\.\d+\.\d+/m, 'kube-apiserver ran in a container');
  });
});
