import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { bundleSkipReason, serveBundle, type ServedBundle } from './served-bundle.js';

const skip = bundleSkipReason();

async function get(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The releases the bundle serves, from its dl.k8s.io paths. */
function releases(files: string[]): string[] {
  return [...new Set(files.flatMap((f) => /^dl\.k8s\.io\/release\/(v[^/]+)\/bin\/linux\/amd64\/kubeadm$/.exec(f)?.[1] ?? []))].sort();
}

async function tarEntries(data: Buffer): Promise<string[]> {
  const r = await execa('tar', ['-tzf', '-'], { input: data });
  return r.stdout.split('\n');
}

describe('the bundle file repository (files_repo)', { skip }, () => {
  let served: ServedBundle;
  let dir: string;
  before(async () => {
    served = await serveBundle();
    dir = await mkdtemp(join(tmpdir(), 'slipway-bundle-files-'));
  });
  after(async () => {
    await served?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('serves every binary and archive with a .sha256 that matches it', async () => {
    assert.ok(served.index.files.length >= 10, served.index.files.join('\n'));
    for (const path of served.index.files) {
      const body = await get(`${served.filesUrl}/${path}`);
      const [hash, name] = (await get(`${served.filesUrl}/${path}.sha256`)).toString('utf8').trim().split(/\s+/);
      assert.equal(createHash('sha256').update(body).digest('hex'), hash, path);
      assert.equal(name, path.split('/').pop(), `${path}.sha256 names the file`);
    }
  });

  test('holds two consecutive Kubernetes minor releases, and the paths kubespray downloads', () => {
    const vs = releases(served.index.files);
    assert.equal(vs.length, 2, `releases: ${vs.join(', ')}`);
    const minors = vs.map((v) => Number(v.split('.')[1]));
    assert.equal(Math.abs(minors[1]! - minors[0]!), 1);
    for (const v of vs) {
      for (const b of ['kubeadm', 'kubelet', 'kubectl']) assert.ok(served.index.files.includes(`dl.k8s.io/release/${v}/bin/linux/amd64/${b}`), `${b} ${v}`);
    }
    const github = served.index.files.filter((f) => f.startsWith('github.com/'));
    const has = (re: RegExp): void => assert.ok(github.some((f) => re.test(f)), `${re} in\n${github.join('\n')}`);
    has(/^github\.com\/containerd\/containerd\/releases\/download\/v([\d.]+)\/containerd-\1-linux-amd64\.tar\.gz$/);
    has(/^github\.com\/opencontainers\/runc\/releases\/download\/v[\d.]+\/runc\.amd64$/);
    has(/^github\.com\/containernetworking\/plugins\/releases\/download\/(v[\d.]+)\/cni-plugins-linux-amd64-\1\.tgz$/);
    has(/^github\.com\/etcd-io\/etcd\/releases\/download\/(v[\d.]+)\/etcd-\1-linux-amd64\.tar\.gz$/);
  });

  test('kubeadm and kubelet report the release they are served as', async () => {
    for (const v of releases(served.index.files)) {
      for (const b of ['kubeadm', 'kubelet']) {
        const file = join(dir, `${b}-${v}`);
        await writeFile(file, await get(`${served.filesUrl}/dl.k8s.io/release/${v}/bin/linux/amd64/${b}`));
        await chmod(file, 0o755);
      }
      assert.equal((await execa(join(dir, `kubeadm-${v}`), ['version', '-o', 'short'])).stdout.trim(), v);
      assert.equal((await execa(join(dir, `kubelet-${v}`), ['--version'])).stdout.trim(), `Kubernetes ${v}`);
    }
  });

  test('archives are shaped like upstream releases', async () => {
    const find = (re: RegExp): string => served.index.files.find((f) => re.test(f)) ?? assert.fail(`no ${re}`);
    const containerd = await tarEntries(await get(`${served.filesUrl}/${find(/containerd-[\d.]+-linux-amd64\.tar\.gz$/)}`));
    for (const b of ['bin/containerd', 'bin/containerd-shim-runc-v2', 'bin/ctr']) assert.ok(containerd.includes(b), `${b} in ${containerd.join(' ')}`);
    const etcdPath = find(/etcd-v[\d.]+-linux-amd64\.tar\.gz$/);
    const top = etcdPath.split('/').pop()!.replace(/\.tar\.gz$/, '');
    const etcd = await tarEntries(await get(`${served.filesUrl}/${etcdPath}`));
    for (const b of ['etcd', 'etcdctl', 'etcdutl']) assert.ok(etcd.includes(`${top}/${b}`), `${top}/${b} in ${etcd.join(' ')}`);
    const cni = await tarEntries(await get(`${served.filesUrl}/${find(/cni-plugins-linux-amd64-v[\d.]+\.tgz$/)}`));
    for (const b of ['./bridge', './host-local', './loopback', './portmap']) assert.ok(cni.includes(b), `${b} in ${cni.join(' ')}`);
  });

  test('runc and containerd run', async () => {
    const runc = join(dir, 'runc');
    await writeFile(runc, await get(`${served.filesUrl}/${served.index.files.find((f) => f.endsWith('/runc.amd64'))}`));
    await chmod(runc, 0o755);
    const out = (await execa(runc, ['--version'])).stdout;
    assert.match(out, /^runc version \d+\.\d+\.\d+/m);
    assert.match(out, /^libseccomp: \d/m, 'built with libseccomp');
    const tarball = served.index.files.find((f) => /containerd-[\d.]+-linux-amd64\.tar\.gz$/.test(f))!;
    const version = /\/download\/(v[\d.]+)\//.exec(tarball)![1]!;
    await execa('tar', ['-xzf', '-', '-C', dir, 'bin/containerd'], { input: await get(`${served.filesUrl}/${tarball}`) });
    assert.match((await execa(join(dir, 'bin', 'containerd'), ['--version'])).stdout.trim(), new RegExp(` ${version.replace(/\./g, '\\.')}$`));
  });

  test('kubespray-vars.yml carries the served checksums', async () => {
    const vars = (await get(`${served.filesUrl}/kubespray-vars.yml`)).toString('utf8');
    for (const v of releases(served.index.files)) {
      const hash = (await get(`${served.filesUrl}/dl.k8s.io/release/${v}/bin/linux/amd64/kubeadm.sha256`)).toString('utf8').split(/\s+/)[0];
      assert.ok(vars.includes(`'${v.slice(1)}': ${hash}`), `kubeadm ${v} checksum in\n${vars}`);
    }
  });

  test('the file server is read-only', async () => {
    const res = await fetch(`${served.filesUrl}/dl.k8s.io/new-file`, { method: 'PUT', body: 'x' });
    assert.ok(res.status === 403 || res.status === 405, `PUT answered ${res.status}`);
  });
});
