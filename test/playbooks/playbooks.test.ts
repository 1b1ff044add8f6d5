/**
 * Static proof of the builtin playbooks (playbooks/): every one passes ansible-playbook's
 * syntax check against an inventory of kubespray's groups and ansible-lint's production
 * profile; the kubeadm configuration the roles render for 3 control planes + 2 workers passes
 * the real `kubeadm config validate`; and every kubean example under examples/ plans with
 * `slipway plan`, none refused as "not a builtin playbook". Nothing here reaches a host: the
 * templates are rendered with `ansible -c local -m template` into a temporary directory.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { CLI, REPO } from '../cli/cli-fixture.js';
import { binCacheDir, resolveKubeBinaries } from '../env/kube-binaries.js';

const PLAYBOOKS = join(REPO, 'playbooks');
const ROLES = join(PLAYBOOKS, 'roles');
const INVENTORY = join(REPO, 'test', 'playbooks', 'fixtures', 'hosts.yml');
const ANSIBLE_ENV = { ANSIBLE_CONFIG: join(PLAYBOOKS, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' };
const HOSTS = ['node1', 'node2', 'node3', 'node4', 'node5'];

const playbooks = readdirSync(PLAYBOOKS).filter((f) => /\.ya?ml$/.test(f)).sort();

describe('builtin playbooks, statically', () => {
  it('include kubespray\'s playbooks and kubean\'s extras', () => {
    for (const p of [
      'cluster.yml', 'scale.yml', 'remove-node.yml', 'upgrade-cluster.yml', 'reset.yml', 'precheck.yml', 'enable-repo.yml',
      'remove-pkgs.yml', 'kubeconfig.yml', 'renew-certs.yml', 'backup-etcd.yml', 'health-check.yml', 'drain-node.yml',
      'ping.yml', 'cluster-info.yml', 'disable-firewalld.yml', 'run-script.yml', 'restore-etcd.yml',
    ]) assert.ok(playbooks.includes(p), `playbooks/${p} is missing`);
  });

  it('pass ansible-playbook --syntax-check with kubespray\'s inventory groups', async () => {
    const failed: string[] = [];
    // One at a time: each check starts Python and loads every role (2 shared cores).
    for (const p of playbooks) {
      const r = await execa('ansible-playbook', ['--syntax-check', '-i', INVENTORY, '-e', 'node=node2', join(PLAYBOOKS, p)], {
        cwd: PLAYBOOKS, env: ANSIBLE_ENV, reject: false,
      });
      if (r.exitCode !== 0) failed.push(`${p}: ${r.stderr || r.stdout}`);
    }
    assert.deepEqual(failed, []);
  });

  it('pass ansible-lint\'s production profile', async () => {
    const r = await execa('ansible-lint', ['--offline', '--nocolor', '--profile', 'production', 'playbooks/'], { cwd: REPO, reject: false });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  });

  it('never run anything on Slipway\'s side (a fetch into the operation\'s artifacts directory is the one controller-side write)', async () => {
    const offenders: string[] = [];
    const files = (await readdir(PLAYBOOKS, { recursive: true, encoding: 'utf8' })).filter((f) => /\.(ya?ml|j2)$/.test(f));
    for (const f of files) {
      const text = await readFile(join(PLAYBOOKS, f), 'utf8');
      const lines = text.split('\n').filter((l) => !l.trim().startsWith('#'));
      lines.forEach((l, i) => {
        if (/delegate_to:\s*["']?(localhost|127\.0\.0\.1)|local_action|hosts:\s*["']?localhost|connection:\s*local|lookup\(|query\(|\bq\(/.test(l)) offenders.push(`${f}: ${l.trim()}`);
        if (/ansible\.builtin\.fetch:/.test(l)) {
          const dest = lines.slice(i + 1, i + 8).find((d) => /^\s+dest:/.test(d));
          if (!dest || !/^\s+dest:\s*"\{\{ slipway_artifacts_dir \}\}\/[\w./-]+"\s*$/.test(dest)) offenders.push(`${f}: ${l.trim()} ${dest?.trim() ?? '(no dest)'}`);
        }
      });
    }
    assert.deepEqual(offenders, []);
  });
});

/** Renders a role template for every test host with ansible's template module, locally. */
async function render(dir: string, template: string, out: string, extra: Record<string, unknown>): Promise<void> {
  const vars = ['slipway_defaults/defaults/main.yml', 'kubeadm_config/defaults/main.yml', 'kubeadm_config/vars/main.yml'].flatMap((f) => ['-e', `@${join(ROLES, f)}`]);
  const extraArgs = ['-e', JSON.stringify(extra)];
  await execa('ansible', [
    'all', '-i', INVENTORY, '-c', 'local', '-m', 'ansible.builtin.template',
    '-a', `src=${join(ROLES, 'kubeadm_config', 'templates', template)} dest=${dir}/{{ inventory_hostname }}-${out}`,
    ...vars, ...extraArgs, '-e', 'ansible_python_interpreter=/usr/bin/python3',
  ], { env: { ...ANSIBLE_ENV, ANSIBLE_LOCALHOST_WARNING: 'false' } });
}

/** kubeadm of each version to validate against: v1.34.4 from the test binaries, v1.35.4 when cached. */
function kubeadms(): { version: string; kubeadm: string }[] {
  const list = [{ version: '1.34.4', kubeadm: resolveKubeBinaries().kubeadm }];
  const k135 = join(binCacheDir(), 'kubernetes-v1.35.4', 'kubeadm');
  if (existsSync(k135)) list.push({ version: '1.35.4', kubeadm: k135 });
  return list;
}

describe('the kubeadm configuration the roles render (3 control planes + 2 workers)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-kubeadm-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const { version, kubeadm } of kubeadms()) {
    it(`passes kubeadm v${version} config validate, init and join, on every host`, async () => {
      const vdir = join(dir, version);
      await execa('mkdir', ['-p', vdir]);
      await render(vdir, 'kubeadm-config.yaml.j2', 'config.yaml', { kube_version: version });
      await render(vdir, 'kubeadm-join.yaml.j2', 'join.yaml', {
        kube_version: version,
        kubeadm_join_token: 'abcdef.0123456789abcdef',
        kubeadm_join_ca_cert_hash: `sha256:${'a'.repeat(64)}`,
        kubeadm_join_certificate_key: 'b'.repeat(64),
      });
      for (const host of HOSTS) {
        for (const kind of ['config', 'join']) {
          const file = join(vdir, `${host}-${kind}.yaml`);
          const r = await execa(kubeadm, ['config', 'validate', '--config', file], { reject: false });
          assert.equal(r.exitCode, 0, `${host} ${kind} (v${version}): ${r.stderr}\n${await readFile(file, 'utf8')}`);
        }
      }
      const init = await readFile(join(vdir, 'node1-config.yaml'), 'utf8');
      assert.match(init, /controlPlaneEndpoint: "192\.0\.2\.11:6443"/);
      assert.match(init, /podSubnet: "10\.233\.64\.0\/18"/);
      assert.match(init, /serviceSubnet: "10\.233\.0\.0\/18"/);
      assert.match(init, /imageRepository: "registry\.k8s\.io"/);
      assert.match(init, /cgroupDriver: systemd/);
      assert.match(init, /maxPerCore: 0/);
      // At every version, so the kubelet-config ConfigMap carries it into an upgrade to 1.35.
      assert.match(init, /^failCgroupV1: false$/m, 'failCgroupV1: false at every version');
      assert.match(await readFile(join(vdir, 'node2-join.yaml'), 'utf8'), /certificateKey: "b{64}"/);
      assert.doesNotMatch(await readFile(join(vdir, 'node4-join.yaml'), 'utf8'), /controlPlane:/);
    });
  }

  // The node settings src/policy/kubean-variables.ts marks implemented by kubeadm_config.
  it('carries kubelet_max_pods, kube_proxy_mode, kube_proxy_strict_arp and kube_proxy_nodeport_addresses, and kubeadm accepts them', async () => {
    const [{ version, kubeadm }] = kubeadms() as [{ version: string; kubeadm: string }];
    const vdir = join(dir, 'node-settings');
    await execa('mkdir', ['-p', vdir]);
    await render(vdir, 'kubeadm-config.yaml.j2', 'config.yaml', {
      kube_version: version, kubelet_max_pods: 64, kube_proxy_mode: 'ipvs', kube_proxy_strict_arp: true, kube_proxy_nodeport_addresses: ['192.0.2.0/24'],
    });
    const file = join(vdir, 'node1-config.yaml');
    const r = await execa(kubeadm, ['config', 'validate', '--config', file], { reject: false });
    assert.equal(r.exitCode, 0, r.stderr);
    const docs = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
    const kubelet = docs.find((d) => d.kind === 'KubeletConfiguration')!;
    const proxy = docs.find((d) => d.kind === 'KubeProxyConfiguration')!;
    assert.equal(kubelet.maxPods, 64);
    assert.equal(proxy.mode, 'ipvs');
    assert.deepEqual(proxy.ipvs, { strictARP: true });
    assert.deepEqual(proxy.nodePortAddresses, ['192.0.2.0/24']);
    // Unset, they are absent or kubeadm's defaults.
    const plain = parseAllDocuments(await readFile(join(dir, version, 'node1-config.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
    assert.equal(plain.find((d) => d.kind === 'KubeletConfiguration')!.maxPods, undefined);
    assert.deepEqual(plain.find((d) => d.kind === 'KubeProxyConfiguration')!.ipvs, { strictARP: false });
  });
});

// ---- kubean's examples ----

/** What a user fills in before applying kubean's examples (documentation addresses). */
const PLACEHOLDERS: Record<string, string> = {
  '<IP1>': '192.0.2.11', '<IP2>': '192.0.2.12', '<IP3>': '192.0.2.13',
  '<USERNAME>': 'root', '<PASSWORD>': 'example-password', '<TAG>': 'v0.37.0',
  '<REGISTRY_HOST>': '192.0.2.50', '<REGISTRY_PORT>': '5000', '<MINIO_API_HOST>': '192.0.2.51', '<MINIO_API_PORT>': '9000',
};
const fill = (text: string): string => text.replace(/<[A-Z0-9_]+>/g, (m) => PLACEHOLDERS[m] ?? m);

/**
 * The examples of one directory, completed as a user would apply them: the scale, upgrade and
 * uninstall examples name cluster-mini, which install/1.minimal/AllInOne.yml defines; objects
 * of the directory replace the base's of the same kind and name (a new hosts.yml, new vars).
 */
async function exampleManifests(dir: string): Promise<string> {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const docs = new Map<string, string>();
  const add = (text: string) => {
    for (const d of parseAllDocuments(fill(text))) {
      const o = d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
      if (!o?.kind) continue;
      docs.set(`${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, d.toString());
    }
  };
  const own = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  if (!own.some((t) => /^kind: Cluster$/m.test(t))) add(await readFile(join(REPO, 'examples/install/1.minimal/AllInOne.yml'), 'utf8'));
  for (const t of own) add(t);
  return [...docs.values()].join('---\n');
}

function exampleDirs(): string[] {
  const root = join(REPO, 'examples');
  return readdirSync(root, { recursive: true, encoding: 'utf8', withFileTypes: false })
    .map((d) => join(root, d))
    // examples/local is Slipway's own demo (loopback hosts and a generated key): local-demo.test.
    .filter((d) => relative(root, d) !== 'local')
    .filter((d) => statSync(d).isDirectory() && readdirSync(d, { withFileTypes: true }).some((e) => e.isFile() && /\.ya?ml$/.test(e.name)))
    .sort();
}

describe('kubean\'s examples', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-examples-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const exampleDir of exampleDirs()) {
    const name = relative(join(REPO, 'examples'), exampleDir);
    it(`${name} plans, every action a builtin or the user's own`, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '_')}.yml`);
      await writeFile(file, await exampleManifests(exampleDir));
      const r = await execa('node', [CLI, 'plan', '-f', file], { cwd: REPO, reject: false });
      assert.doesNotMatch(r.stdout + r.stderr, /not a builtin playbook/);
      if (name === join('install', '3.airgap')) {
        // kubean's airgap example asks for docker, which Slipway does not install: refused
        // before anything runs, naming the variable and its line in group_vars.yml.
        assert.equal(r.exitCode, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /error\[var-refused\]: ConfigMap kubean-system\/airgap-vars-conf, key group_vars\.yml, line 12, container_manager: "docker" is refused/);
        assert.equal((r.stderr.match(/error\[/g) ?? []).length, 1, r.stderr);
      } else {
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      }
    });
  }
});
