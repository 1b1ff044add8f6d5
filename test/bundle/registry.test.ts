import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execa } from 'execa';
import { binCacheDir } from '../env/kube-binaries.js';
import { bundleSkipReason, serveBundle, type ServedBundle } from './served-bundle.js';
import { EXPECTED_IMAGES, repositoryOf } from './expected-images.js';

const skip = bundleSkipReason();

interface ImageConfig {
  config: { Entrypoint?: string[] | null; Cmd?: string[] | null; User?: string; Env?: string[] };
  rootfs: { diff_ids: string[] };
  os: string;
  architecture: string;
}

async function inspect(registryHost: string, ref: string, config: boolean): Promise<unknown> {
  const args = ['inspect', '--tls-verify=false', ...(config ? ['--config'] : []), `docker://${registryHost}/${ref}`];
  return JSON.parse((await execa('skopeo', args, { timeout: 60_000 })).stdout);
}

/** The releases the registry holds, from its kube-apiserver tags. */
function releases(served: ServedBundle): string[] {
  return served.index.images.flatMap((i) => /^registry\.k8s\.io\/kube-apiserver:(v.+)$/.exec(i.ref)?.[1] ?? []).sort();
}

describe('the bundle registry (registry_host)', { skip }, () => {
  let served: ServedBundle;
  before(async () => {
    served = await serveBundle();
  });
  after(async () => served?.stop());

  test('every image is in the registry under kubespray’s layout, with a valid manifest and config', async () => {
    for (const { ref } of served.index.images) {
      const manifest = (await inspect(served.registryHost, ref, false)) as { Name: string; Layers: string[] };
      assert.equal(manifest.Name, `${served.registryHost}/${repositoryOf(ref)}`);
      const config = (await inspect(served.registryHost, ref, true)) as ImageConfig;
      assert.equal(config.os, 'linux', ref);
      assert.equal(config.architecture, 'amd64', ref);
      assert.equal(config.rootfs.diff_ids.length, manifest.Layers.length, ref);
      assert.ok(manifest.Layers.length > 0, ref);
    }
  });

  test('each image starts what the manifests running it expect', async () => {
    const seen = new Set<string>();
    for (const { ref } of served.index.images) {
      const expected = EXPECTED_IMAGES[repositoryOf(ref)];
      if (!expected) continue;
      seen.add(repositoryOf(ref));
      const { config } = (await inspect(served.registryHost, ref, true)) as ImageConfig;
      if (expected.entrypoint) assert.deepEqual(config.Entrypoint, expected.entrypoint, `${ref} entrypoint`);
      if (expected.cmd) assert.deepEqual(config.Cmd, expected.cmd, `${ref} cmd`);
      if (expected.user) assert.equal(config.User, expected.user, `${ref} user`);
      if (expected.onPath) {
        const path = (config.Env ?? []).find((e) => e.startsWith('PATH='))?.slice(5).split(':') ?? [];
        assert.ok(path.includes('/usr/local/bin'), `${ref}: ${expected.onPath} (in /usr/local/bin) is on PATH ${path.join(':')}`);
      }
    }
    const missing = Object.keys(EXPECTED_IMAGES).filter((r) => !seen.has(r));
    assert.deepEqual(missing, [], 'images the bundle must hold');
  });

  test('kubeadm config images list, pointed at the registry, names only images it has', async () => {
    const vs = releases(served);
    assert.equal(vs.length, 2, vs.join(', '));
    for (const v of vs) {
      const kubeadm = join(binCacheDir(), `kubernetes-${v}`, 'kubeadm');
      const repo = `${served.registryHost}/registry.k8s.io`;
      const listed = (await execa(kubeadm, ['config', 'images', 'list', '--kubernetes-version', v, '--image-repository', repo])).stdout
        .split('\n')
        .filter(Boolean);
      assert.ok(listed.length >= 7, listed.join('\n'));
      for (const image of listed) {
        assert.ok(image.startsWith(`${repo}/`), image);
        await inspect(served.registryHost, image.slice(served.registryHost.length + 1), false).catch((err: Error) =>
          assert.fail(`kubeadm ${v} wants ${image}, which the registry lacks: ${err.message}`),
        );
      }
    }
  });

  test('the served registry is read-only', async () => {
    const res = await fetch(`http://${served.registryHost}/v2/slipway/probe/blobs/uploads/`, { method: 'POST' });
    assert.notEqual(res.status, 202, 'an upload was accepted');
  });
});
