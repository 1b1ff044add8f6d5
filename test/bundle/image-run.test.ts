import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../env/repo-root.js';
import { bundleSkipReason, serveBundle, type ServedBundle } from './served-bundle.js';

const skip = bundleSkipReason();

/** podman with Slipway's private store (scripts/podman.sh), pulling from the served registry. */
function podman(args: string[], opts: { reject?: boolean; timeout?: number } = {}) {
  return execa('bash', [join(repoRoot(), 'scripts', 'podman.sh'), ...args], { reject: opts.reject ?? true, timeout: opts.timeout ?? 300_000 });
}

describe('bundle images run', { skip }, () => {
  let served: ServedBundle;
  const refOf = (re: RegExp): string => served.index.images.find((i) => re.test(i.ref))?.ref ?? assert.fail(`no image matching ${re}`);
  const pullRun = async (ref: string, args: string[]): Promise<string> => {
    const r = await podman(['run', '--quiet', '--rm', '--network=none', '--tls-verify=false', `${served.registryHost}/${ref}`, ...args]);
    return `${r.stdout}\n${r.stderr}`.trim();
  };
  before(async () => {
    served = await serveBundle();
  });
  after(async () => served?.stop());

  test('kube-apiserver, kube-controller-manager, kube-scheduler and kube-proxy of each release report their version', async () => {
    const releases = served.index.images.flatMap((i) => /^registry\.k8s\.io\/kube-apiserver:(v.+)$/.exec(i.ref)?.[1] ?? []);
    assert.equal(releases.length, 2);
    for (const v of releases) {
      for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']) {
        assert.equal(await pullRun(`registry.k8s.io/${c}:${v}`, ['--version']), `Kubernetes ${v}`, `${c}:${v}`);
      }
    }
  });

  test('kube-proxy’s image has iptables and conntrack', async () => {
    const ref = refOf(/^registry\.k8s\.io\/kube-proxy:/);
    const out = (await podman(['run', '--quiet', '--rm', '--network=none', '--tls-verify=false', '--entrypoint', 'sh', `${served.registryHost}/${ref}`, '-c', 'iptables --version && conntrack --version'])).stdout;
    assert.match(out, /^iptables v[\d.]+ \(nf_tables\)/m);
    assert.match(out, /^conntrack v[\d.]+/m);
  });

  test('etcd, CoreDNS and flannel start their binary', async () => {
    assert.match(await pullRun(refOf(/^registry\.k8s\.io\/etcd:/), ['etcd', '--version']), /^etcd Version: 3\./m);
    assert.match(await pullRun(refOf(/^registry\.k8s\.io\/coredns\/coredns:/), ['-version']), /^CoreDNS-\d+\.\d+\.\d+/m);
    assert.match(await pullRun(refOf(/^docker\.io\/flannel\/flannel:/), ['--version']), /^v\d+\.\d+\.\d+/m);
  });

  test('the flannel CNI plugin image holds /flannel and cp, as kube-flannel.yml’s init container uses them', async () => {
    const ref = `${served.registryHost}/${refOf(/^docker\.io\/flannel\/flannel-cni-plugin:/)}`;
    const out = (await podman(['run', '--quiet', '--rm', '--network=none', '--tls-verify=false', '-e', 'CNI_COMMAND=VERSION', ref, 'sh', '-c', 'cp -f /flannel /tmp/flannel && /tmp/flannel'])).stdout;
    const version = JSON.parse(out) as { supportedVersions: string[] };
    assert.ok(version.supportedVersions.includes('0.3.1'), out);
  });

  test('the pause image runs until SIGTERM and then exits 0', async () => {
    const ref = `${served.registryHost}/${refOf(/^registry\.k8s\.io\/pause:/)}`;
    const id = (await podman(['run', '--quiet', '-d', '--network=none', '--tls-verify=false', ref])).stdout.trim();
    try {
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await podman(['inspect', '--format', '{{.State.Running}}', id])).stdout.trim(), 'true', 'still running after 1 s');
      const t0 = Date.now();
      // SIGKILL would only come after 20 s; a pause that ignored SIGTERM would exit 137.
      await podman(['stop', '--time', '20', id]);
      assert.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms`);
      assert.equal((await podman(['inspect', '--format', '{{.State.ExitCode}}', id])).stdout.trim(), '0');
    } finally {
      await podman(['rm', '-f', id], { reject: false });
    }
  });

  test('the Redis image runs redis-server as uid 999', async () => {
    const ref = `${served.registryHost}/${refOf(/^slipway\/redis:/)}`;
    const out = (await podman(['run', '--quiet', '--rm', '--network=none', '--tls-verify=false', ref, 'sh', '-c', 'id -u && id -g && redis-server --version'])).stdout;
    assert.match(out, /^999\n999\nRedis server v=\d/);
  });

  test('the nginx image runs kubespray’s nginx-proxy configuration with its own command', async () => {
    const ref = `${served.registryHost}/${refOf(/^docker\.io\/library\/nginx:/)}`;
    const tag = ref.split(':').pop()!;
    assert.ok((await podman(['run', '--quiet', '--rm', '--network=none', '--tls-verify=false', ref, 'nginx', '-v'])).stderr.includes(`nginx/${tag}`), `nginx ${tag}`);
    const etc = await mkdtemp(join(tmpdir(), 'slipway-nginx-proxy-'));
    try {
      await copyFile(join(repoRoot(), 'test', 'bundle', 'fixtures', 'nginx-proxy.conf'), join(etc, 'nginx.conf'));
      await chmod(etc, 0o755);
      const id = (await podman(['run', '--quiet', '-d', '--network=none', '--tls-verify=false', '-v', `${etc}:/etc/nginx:ro`, ref])).stdout.trim();
      try {
        await new Promise((r) => setTimeout(r, 1500));
        const logs = await podman(['logs', id]);
        assert.equal((await podman(['inspect', '--format', '{{.State.Running}}', id])).stdout.trim(), 'true', logs.stdout + logs.stderr);
        assert.doesNotMatch(logs.stderr, /\[emerg\]/);
      } finally {
        await podman(['rm', '-f', id], { reject: false });
      }
    } finally {
      await rm(etc, { recursive: true, force: true });
    }
  });
});
