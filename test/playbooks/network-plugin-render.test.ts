/**
 * The manifests the network_plugin role renders, with real ansible and checked by the real
 * apiserver. calico (kubean's default, so its examples run unchanged) cannot run anywhere here
 * — no calico image can be built offline — so this is its proof: calico.yml.j2 rendered with
 * the vars of kubean's examples (the user's group_vars.yml as extra vars, as kubean and Slipway
 * pass it) parses, names the images of the repository the vars give, carries the pod network,
 * and passes `kubectl apply --dry-run=server` against the test kube-apiserver (schema, field
 * and admission checks, nothing stored). flannel.yml.j2, what the lab and the end-to-end suite
 * run, gets the same checks. Nothing here needs root: the play runs on localhost, connection
 * local, and writes into a temporary directory.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { REPO } from '../cli/cli-fixture.js';
import { kubectl } from '../charts/kube.js';
import { loadTestEnv } from '../env/index.js';

const PLAYBOOKS = join(REPO, 'playbooks');
const ROLES = join(PLAYBOOKS, 'roles');
const ROLE = join(ROLES, 'network_plugin');
const ANSIBLE_ENV = { ANSIBLE_CONFIG: join(PLAYBOOKS, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' };

/** Slipway's defaults, read independently of ansible: what the rendered manifests must carry. */
const DEFAULTS = parse(readFileSync(join(ROLES, 'slipway_defaults', 'defaults', 'main.yml'), 'utf8')) as Record<string, unknown>;
const CALICO_VERSION = String(DEFAULTS.calico_version);
const FLANNEL_VERSION = String(DEFAULTS.flannel_version);
const FLANNEL_INIT_TAG = String(DEFAULTS.flannel_init_image_tag);
const PODS_SUBNET = String(DEFAULTS.kube_pods_subnet);

/** What a user fills in before applying kubean's examples (an offline registry at 10.0.0.1:5000). */
const PLACEHOLDERS: Record<string, string> = {
  '<REGISTRY_HOST>': '10.0.0.1', '<REGISTRY_PORT>': '5000', '<MINIO_API_HOST>': '10.0.0.1', '<MINIO_API_PORT>': '9000',
};

/** The group_vars.yml of a kubean example's vars ConfigMap, placeholders filled. */
function exampleGroupVars(file: string, configMap: string): string {
  const text = readFileSync(join(REPO, 'examples', file), 'utf8').replace(/<[A-Z0-9_]+>/g, (m) => PLACEHOLDERS[m] ?? m);
  for (const d of parseAllDocuments(text)) {
    const o = d.toJS() as { kind?: string; metadata?: { name?: string }; data?: Record<string, string> } | null;
    if (o?.kind === 'ConfigMap' && o.metadata?.name === configMap && o.data?.['group_vars.yml']) return o.data['group_vars.yml'];
  }
  throw new Error(`examples/${file}: no ConfigMap ${configMap} with a group_vars.yml`);
}

/** The play: slipway_defaults and the role's defaults, then the role's template, as cluster.yml does. */
const RENDER_PLAY = `---
- name: Render a network plugin manifest as the network_plugin role does
  hosts: localhost
  connection: local
  gather_facts: false
  vars_files:
    - ${join(ROLE, 'defaults', 'main.yml')}
  roles:
    - slipway_defaults
  tasks:
    - name: Render the role's template
      ansible.builtin.template:
        src: "${join(ROLE, 'templates')}/{{ render_template }}"
        dest: "{{ render_dest }}"
        mode: "0600"
`;

let renders = 0;

/** Renders one of the role's templates with real ansible-playbook; the user's vars, then `extra`, as extra vars. */
async function render(dir: string, template: 'calico.yml.j2' | 'flannel.yml.j2', groupVars: string, extra: Record<string, string> = {}): Promise<string> {
  const n = ++renders;
  const play = join(dir, 'render.yml');
  await writeFile(play, RENDER_PLAY);
  const varsFile = join(dir, `group_vars-${n}.yml`);
  await writeFile(varsFile, groupVars);
  const dest = join(dir, `${n}-${template.replace(/\.j2$/, '')}`);
  const r = await execa('ansible-playbook', [
    '-i', 'localhost,', '-e', `@${varsFile}`,
    ...Object.entries(extra).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    '-e', `render_template=${template}`, '-e', `render_dest=${dest}`, '-e', 'ansible_python_interpreter=/usr/bin/python3',
    play,
  ], { cwd: dir, env: ANSIBLE_ENV, reject: false });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  return readFile(dest, 'utf8');
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  subjects?: { kind: string; name: string; namespace?: string }[];
  spec?: { template?: { spec: PodSpec } };
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  env?: { name: string; value?: string }[];
}
interface PodSpec { containers: Container[]; initContainers?: Container[] }

/** Every document parses (duplicate keys are errors too) and is an object of a built-in API group. */
function parseManifest(text: string): K8sObject[] {
  const unrendered = text.split('\n').filter((l) => /\{\{|\{%/.test(l));
  assert.deepEqual(unrendered, [], 'nothing left unrendered');
  const docs = parseAllDocuments(text);
  const objects: K8sObject[] = [];
  for (const d of docs) {
    assert.deepEqual(d.errors.map((e) => e.message), [], 'the document parses');
    const o = d.toJS() as K8sObject | null;
    if (o === null) continue;
    assert.ok(['v1', 'apps/v1', 'rbac.authorization.k8s.io/v1'].includes(o.apiVersion), `${o.kind} ${o.metadata?.name}: built-in kind (${o.apiVersion})`);
    objects.push(o);
  }
  return objects;
}

const kindsOf = (objects: K8sObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} is in the manifest`);
  return o;
}

const containersOf = (objects: K8sObject[]): Container[] => objects.flatMap((o) => {
  const pod = o.spec?.template?.spec;
  return pod ? [...(pod.initContainers ?? []), ...pod.containers] : [];
});

/** A ConfigMap's key, which must be there. */
function dataOf(o: K8sObject, key: string): string {
  const v = o.data?.[key];
  assert.ok(v !== undefined, `${o.kind} ${o.metadata.name} has ${key}`);
  return v;
}

function envOf(c: Container): Record<string, string | undefined> {
  return Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
}

interface CalicoExpect {
  quayRepo: string;
  version: string;
  podsSubnet: string;
  cniName: string;
  /** FELIX_* variables the vars turn on, with their values. */
  felix?: Record<string, string>;
}

/** What calico's manifest must hold for the vars given; throws an AssertionError otherwise. */
function assertCalico(text: string, want: CalicoExpect): void {
  const objects = parseManifest(text);
  assert.deepEqual(kindsOf(objects), [
    'ClusterRole/calico-cni-plugin', 'ClusterRole/calico-kube-controllers', 'ClusterRole/calico-node',
    'ClusterRoleBinding/calico-cni-plugin', 'ClusterRoleBinding/calico-kube-controllers', 'ClusterRoleBinding/calico-node',
    'ConfigMap/calico-config', 'DaemonSet/calico-node', 'Deployment/calico-kube-controllers',
    'ServiceAccount/calico-cni-plugin', 'ServiceAccount/calico-kube-controllers', 'ServiceAccount/calico-node',
  ]);
  for (const o of objects) if (o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding') assert.equal(o.metadata.namespace, 'kube-system', `${o.kind} ${o.metadata.name}`);
  for (const b of objects.filter((o) => o.kind === 'ClusterRoleBinding')) {
    assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: b.metadata.name, namespace: 'kube-system' }]);
  }

  // Images: every one from quay_image_repo, at v<calico_version>.
  const images = containersOf(objects).map((c) => `${c.name}=${c.image}`).sort();
  assert.deepEqual(images, [
    `calico-kube-controllers=${want.quayRepo}/calico/kube-controllers:v${want.version}`,
    `calico-node=${want.quayRepo}/calico/node:v${want.version}`,
    `install-cni=${want.quayRepo}/calico/cni:v${want.version}`,
  ]);
  for (const c of containersOf(objects)) {
    assert.ok(c.image.startsWith(`${want.quayRepo}/`), `${c.name}: ${c.image} comes from ${want.quayRepo}`);
    assert.ok(c.image.endsWith(`:v${want.version}`), `${c.name}: ${c.image} is v${want.version}`);
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
  }

  // The pod network and the pool.
  const node = find(objects, 'DaemonSet', 'calico-node').spec!.template!.spec.containers.find((c) => c.name === 'calico-node')!;
  const env = envOf(node);
  assert.equal(env.CALICO_IPV4POOL_CIDR, want.podsSubnet);
  assert.equal(env.CALICO_IPV4POOL_BLOCK_SIZE, '26');
  assert.equal(env.CALICO_IPV4POOL_VXLAN, 'Always');
  assert.equal(env.CALICO_IPV4POOL_IPIP, 'Never');
  assert.equal(env.DATASTORE_TYPE, 'kubernetes');
  const felix = Object.fromEntries(Object.entries(env).filter(([k]) => k === 'FELIX_PROMETHEUSMETRICSENABLED' || k === 'FELIX_FEATUREDETECTOVERRIDE'));
  assert.deepEqual(felix, want.felix ?? {});

  // The CNI configuration: JSON once install-cni has put in what it substitutes.
  const config = find(objects, 'ConfigMap', 'calico-config');
  assert.equal(dataOf(config, 'calico_backend'), 'vxlan');
  const cni = JSON.parse(dataOf(config, 'cni_network_config')
    .replace('__KUBERNETES_NODE_NAME__', 'node1')
    .replace('__CNI_MTU__', '1450')
    .replace('__KUBECONFIG_FILEPATH__', '/etc/cni/net.d/calico-kubeconfig')) as {
    name: string; cniVersion: string; plugins: { type: string; mtu?: number; ipam?: { type: string }; datastore_type?: string }[];
  };
  assert.equal(cni.name, want.cniName);
  assert.deepEqual(cni.plugins.map((p) => p.type), ['calico', 'portmap', 'bandwidth']);
  const [calico] = cni.plugins;
  assert.equal(calico?.mtu, 1450);
  assert.deepEqual(calico?.ipam, { type: 'calico-ipam' });
  assert.equal(calico?.datastore_type, 'kubernetes');
}

/** `kubectl apply --dry-run=server` of a manifest against the test apiserver. */
async function dryRun(text: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return kubectl(['apply', '--dry-run=server', '-f', '-'], text);
}

const AIRGAP = exampleGroupVars('install/3.airgap/VarsConfCM.yml', 'airgap-vars-conf');
const MIRROR = exampleGroupVars('install/2.mirror/VarsConfCM.yml', 'online-vars-conf');
const MINIMAL = exampleGroupVars('install/1.minimal/AllInOne.yml', 'mini-vars-conf');

describe('calico\'s manifest (network_plugin, calico.yml.j2) with kubean\'s example vars', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-network-plugin-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the examples choose calico, the airgap one an offline registry', () => {
    for (const vars of [AIRGAP, MIRROR, MINIMAL]) assert.match(vars, /^kube_network_plugin: calico$/m);
    assert.match(AIRGAP, /^registry_host: "10\.0\.0\.1:5000"$/m);
  });

  const cases: { name: string; vars: string; want: CalicoExpect }[] = [
    {
      name: 'install/3.airgap (quay_image_repo: 10.0.0.1:5000/quay.io)', vars: AIRGAP,
      want: { quayRepo: '10.0.0.1:5000/quay.io', version: CALICO_VERSION, podsSubnet: PODS_SUBNET, cniName: 'calico', felix: { FELIX_PROMETHEUSMETRICSENABLED: 'true' } },
    },
    {
      name: 'install/2.mirror (quay_image_repo: quay.m.daocloud.io)', vars: MIRROR,
      want: {
        quayRepo: 'quay.m.daocloud.io', version: CALICO_VERSION, podsSubnet: PODS_SUBNET, cniName: 'calico',
        felix: { FELIX_PROMETHEUSMETRICSENABLED: 'true', FELIX_FEATUREDETECTOVERRIDE: 'ChecksumOffloadBroken=true' },
      },
    },
    {
      name: 'install/1.minimal (Slipway\'s defaults: quay.io)', vars: MINIMAL,
      want: { quayRepo: 'quay.io', version: CALICO_VERSION, podsSubnet: PODS_SUBNET, cniName: 'k8s-pod-network' },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: parses, names the vars' images and pod network, passes the apiserver's dry run`, async () => {
      const text = await render(dir, 'calico.yml.j2', c.vars);
      assertCalico(text, c.want);
      const r = await dryRun(text);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /daemonset\.apps\/calico-node (created|configured) \(server dry run\)/);
      assert.match(r.stdout, /deployment\.apps\/calico-kube-controllers (created|configured) \(server dry run\)/);
      assert.equal(r.stdout.trim().split('\n').length, 12, r.stdout);
    });
  }

  it('follows kube_pods_subnet, calico_version and quay_image_repo given as extra vars (the checks catch a stale value)', async () => {
    const text = await render(dir, 'calico.yml.j2', AIRGAP, {
      kube_pods_subnet: '10.244.0.0/16', calico_version: '3.28.2', quay_image_repo: 'registry.example:5000/mirror/quay.io',
    });
    const want: CalicoExpect = {
      quayRepo: 'registry.example:5000/mirror/quay.io', version: '3.28.2', podsSubnet: '10.244.0.0/16', cniName: 'calico',
      felix: { FELIX_PROMETHEUSMETRICSENABLED: 'true' },
    };
    assertCalico(text, want);
    // The same checks refuse it against what the example alone gives.
    assert.throws(() => assertCalico(text, { ...want, podsSubnet: PODS_SUBNET }), /10\.244\.0\.0\/16/);
    assert.throws(() => assertCalico(text, { ...want, version: CALICO_VERSION }), /v3\.28\.2/);
    assert.throws(() => assertCalico(text, { ...want, quayRepo: '10.0.0.1:5000/quay.io' }), /registry\.example/);
  });

  it('a value the apiserver refuses (k8s_image_pull_policy: Sometimes) fails the dry run', async () => {
    const text = await render(dir, 'calico.yml.j2', AIRGAP, { k8s_image_pull_policy: 'Sometimes' });
    parseManifest(text);
    const r = await dryRun(text);
    assert.notEqual(r.exitCode, 0, r.stdout);
    assert.match(r.stderr, /imagePullPolicy: Unsupported value: "Sometimes"/);
  });
});

describe('flannel\'s manifest (network_plugin, flannel.yml.j2), the lab\'s shape', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-network-plugin-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses, takes images from docker_image_repo and the pod network, passes the apiserver\'s dry run', async () => {
    // The airgap example's registry with flannel, as `slipway lab up` writes its vars.
    const text = await render(dir, 'flannel.yml.j2', AIRGAP, { kube_network_plugin: 'flannel' });
    const objects = parseManifest(text);
    assert.deepEqual(kindsOf(objects), [
      'ClusterRole/flannel', 'ClusterRoleBinding/flannel', 'ConfigMap/kube-flannel-cfg', 'DaemonSet/kube-flannel-ds',
      'Namespace/kube-flannel', 'ServiceAccount/flannel',
    ]);
    const images = containersOf(objects).map((c) => `${c.name}=${c.image}`).sort();
    assert.deepEqual(images, [
      `install-cni-plugin=10.0.0.1:5000/docker.io/flannel/flannel-cni-plugin:${FLANNEL_INIT_TAG}`,
      `install-cni=10.0.0.1:5000/docker.io/flannel/flannel:v${FLANNEL_VERSION}`,
      `kube-flannel=10.0.0.1:5000/docker.io/flannel/flannel:v${FLANNEL_VERSION}`,
    ]);
    const cfg = find(objects, 'ConfigMap', 'kube-flannel-cfg');
    const net = JSON.parse(dataOf(cfg, 'net-conf.json')) as { Network: string; Backend: { Type: string } };
    assert.equal(net.Network, PODS_SUBNET);
    assert.equal(net.Backend.Type, 'vxlan');
    const cni = JSON.parse(dataOf(cfg, 'cni-conf.json')) as { plugins: { type: string }[] };
    assert.deepEqual(cni.plugins.map((p) => p.type), ['flannel', 'portmap']);

    // kube-flannel's objects go into a fresh namespace: a dry run does not create kube-flannel.
    const ns = await loadTestEnv().namespace('flannel-dry-run');
    const moved = objects.map((o) => {
      const c = structuredClone(o);
      if (c.metadata.namespace === 'kube-flannel') c.metadata.namespace = ns;
      for (const s of c.subjects ?? []) if (s.namespace === 'kube-flannel') s.namespace = ns;
      return stringify(c);
    }).join('---\n');
    const r = await dryRun(moved);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /namespace\/kube-flannel created \(server dry run\)/);
    assert.match(r.stdout, /daemonset\.apps\/kube-flannel-ds created \(server dry run\)/);
    assert.equal(r.stdout.trim().split('\n').length, 6, r.stdout);
  });

  it('follows kube_pods_subnet and docker_image_repo given as extra vars', async () => {
    const text = await render(dir, 'flannel.yml.j2', MINIMAL, { kube_pods_subnet: '10.244.0.0/16', docker_image_repo: '10.0.0.1:5000/docker.io' });
    const objects = parseManifest(text);
    for (const c of containersOf(objects)) assert.ok(c.image.startsWith('10.0.0.1:5000/docker.io/flannel/'), `${c.name}: ${c.image}`);
    const net = JSON.parse(dataOf(find(objects, 'ConfigMap', 'kube-flannel-cfg'), 'net-conf.json')) as { Network: string };
    assert.equal(net.Network, '10.244.0.0/16');
  });
});
