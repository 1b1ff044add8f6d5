import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { execa } from 'execa';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../../src/api/types.js';
import { createLogger } from '../../src/cli/logger.js';
import { CLI } from '../cli/cli-fixture.js';
import { loadTestEnv } from '../env/index.js';
import { fakeInstall } from '../fixtures/fake-install.js';
import { startController } from './controller-harness.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the admin kubeconfig of an install, through the controller (--executor local, real SSH hosts)', () => {
  it('is stored in <cluster>-kubeconfig (key value) owned by the Cluster, named in status.kubeconfigSecretRef, printed by slipway kubeconfig, and nowhere in status, Events or logs', async () => {
    const ns = await env.namespace('kcfg');
    const cluster = env.randomName('kcfg');
    const configDir = join(env.runDir, env.randomName('kcfg-dir'));
    const { clientKey: CLIENT_KEY, kubeconfig: FAKE_KUBECONFIG, playbook: INSTALL, vars } = fakeInstall(env.randomName('k'), configDir);
    const [cp, ...workers] = env.hosts;
    const hosts = `all:\n  hosts:\n${env.hosts
      .map((h) => `    ${h.name}:\n      ip: ${h.address}\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      ansible_user: ${env.sshUser}`)
      .join('\n')}\n  children:\n    kube_control_plane: {hosts: {${cp!.name}: }}\n    kube_node: {hosts: {${workers.map((h) => `${h.name}: `).join(', ')}}}\n    etcd: {hosts: {${cp!.name}: }}\n    k8s_cluster: {children: {kube_control_plane: , kube_node: }}\n`;
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'hosts' }, data: { 'hosts.yml': hosts } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'vars' }, data: { 'group_vars.yml': Object.entries(vars).map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`).join('') } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'actions' }, data: { 'cluster.yml': INSTALL } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'ssh' }, stringData: { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8'), known_hosts: await readFile(env.knownHostsPath, 'utf8') } } });
    const clusterBody: Cluster = {
      apiVersion: 'kubean.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: cluster },
      spec: { hostsConfRef: { namespace: ns, name: 'hosts' }, varsConfRef: { namespace: ns, name: 'vars' }, sshAuthRef: { namespace: ns, name: 'ssh' } },
    };
    const created = (await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterBody })) as Cluster;
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster }));

    const logFile = join(env.runDir, env.randomName('kcfg-controller') + '.log');
    const controller = await startController(ns, cleanups, {
      executor: 'local',
      operator: { allowLoopbackHosts: true },
      local: { sandbox: { allowLoopbackHosts: true } },
      logger: createLogger({ level: 'debug', destination: logFile }),
    });

    const name = env.randomName('install');
    await custom.createClusterCustomObject({
      group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL,
      body: { apiVersion: 'kubean.io/v1alpha1', kind: 'ClusterOperation', metadata: { name }, spec: { cluster, actionType: 'playbook', action: 'cluster.yml', actionSource: 'configmap', actionSourceRef: { namespace: ns, name: 'actions' }, postHook: [{ actionType: 'playbook', action: 'kubeconfig.yml' }] } },
    });
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name }));
    const op = await eventually('the install to finish', async () => {
      const o = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name })) as ClusterOperation;
      return o.status?.status === 'Succeeded' || o.status?.status === 'Failed' ? o : undefined;
    });
    assert.equal(op.status?.status, 'Succeeded', op.status?.message);
    assert.deepEqual(op.status?.steps?.map((s) => [s.role, s.status, s.name.replace(/ \(.*/, '')]), [
      ['action', 'Succeeded', 'action: cluster.yml'],
      ['postHook', 'Succeeded', 'postHook 1: kubeconfig.yml'],
      ['postHook', 'Succeeded', 'postHook 2: restart-nginx-proxy.yml'],
    ]);

    const c = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster })) as Cluster;
    const secretName = `${cluster}-kubeconfig`;
    assert.deepEqual(c.status?.kubeconfigSecretRef, { namespace: ns, name: secretName });
    assert.match(c.status?.controlPlaneDigest ?? '', /^sha256:/);
    const secret = await core.readNamespacedSecret({ name: secretName, namespace: ns });
    assert.deepEqual(secret.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['Cluster', cluster, created.metadata.uid]]);
    const stored = Buffer.from(secret.data?.value ?? '', 'base64').toString('utf8');
    assert.equal(stored, FAKE_KUBECONFIG);

    const printed = await execa('node', [CLI, 'kubeconfig', cluster, '--kubeconfig', env.kubeconfigPath], { reject: false });
    assert.equal(printed.exitCode, 0, printed.stderr);
    assert.equal(printed.stdout, stored.trimEnd());
    const byNamespace = await execa('node', [CLI, 'kubeconfig', cluster, '--namespace', ns, '--kubeconfig', env.kubeconfigPath], { reject: false });
    assert.equal(byNamespace.stdout, stored.trimEnd());
    const missing = await execa('node', [CLI, 'kubeconfig', `${cluster}-none`, '--kubeconfig', env.kubeconfigPath], { reject: false });
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /not found/);

    // Nowhere else: statuses, Events, the controller's log.
    const events = await core.listNamespacedEvent({ namespace: 'default' });
    const mine = events.items.filter((e) => e.involvedObject.name === name || e.involvedObject.name === cluster);
    assert.ok(mine.length > 0, 'Events were recorded');
    await controller.stop();
    const log = await readFile(logFile, 'utf8');
    assert.ok(log.includes(name), 'the log is about this operation');
    for (const [where, text] of [['operation status', JSON.stringify(op.status)], ['cluster status', JSON.stringify(c.status)], ['Events', JSON.stringify(mine)], ['log', log]] as const) {
      assert.ok(!text.includes(CLIENT_KEY), `the client key is not in the ${where}`);
      assert.ok(!text.includes('kubernetes-admin@cluster.local'), `the kubeconfig is not in the ${where}`);
    }
  });
});
