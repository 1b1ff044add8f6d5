/**
 * The Add-cluster form's node check, end to end: the operator's check creates the kubean objects
 * and a ping.yml operation that the real controller runs with ansible over SSH against the test
 * hosts; a row where no sshd listens shows as unreachable with ansible's message and keeps Create
 * disabled; a passing check of the rows as they are now enables it, and Create adds cluster.yml
 * to the same objects (the server refuses a form that differs from what was checked); leaving
 * the form removes what the check made (tested first: the controller then runs the install).
 * The test hosts are this machine, so the cluster.yml the controller finds is a harmless stand-in.
 */
import assert from 'node:assert/strict';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../../src/api/types.js';
import { NODE_CHECK_ANNOTATION } from '../../src/console/node-check.js';
import { defaultBuiltinDir } from '../../src/engine/builtin-dir.js';
import { core, custom, env, eventually, getOp, startController, testLifecycle } from '../controller/controller-harness.js';
import { consoleSuiteSkip, consoleUnderTest, rbac, screenshot, signIn, tenant } from './console-fixture.js';

const { cleanups, running } = testLifecycle();
const kubean = { group: GROUP, version: VERSION };
/** An address on loopback where nothing listens on port 1: ssh is refused at once. */
const NO_SSHD = { ip: '127.0.0.250', port: '1' };

const STAND_IN_INSTALL = `---
- name: Stand-in install (the test hosts are the test machine itself)
  hosts: all
  gather_facts: false
  tasks:
    - name: Say the install ran
      ansible.builtin.debug:
        msg: installed
`;

const operationsOf = async (cluster: string) =>
  ((await custom.listClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] }).items.filter((o) => o.spec.cluster === cluster);

const exists = async (read: () => Promise<unknown>): Promise<boolean> => {
  try {
    await read();
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
};

describe('the node check before Create in the console', { skip: consoleSuiteSkip() }, () => {
  const t = consoleUnderTest();
  let ns = '';
  let operator = { token: '', user: '' };
  let key = '';
  let knownHosts = '';
  let builtinDir = '';

  const removeCluster = (name: string) => async () => {
    for (const op of await operationsOf(name)) await custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name: op.metadata.name! }).catch(() => undefined);
    await custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name }).catch(() => undefined);
  };

  before(async () => {
    ns = await env.namespace('console-check');
    operator = await tenant(ns, 'operator', [{ apiGroups: [GROUP], resources: [CLUSTER_PLURAL, CLUSTER_OPERATION_PLURAL], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] }], cleanups);
    // Its inputs, and the kept logs (the controller's namespace is this one), are ConfigMaps here.
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'inputs' }, rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'inputs' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'inputs' }, subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }] } });
    key = await readFile(env.sshPrivateKeyPath, 'utf8');
    knownHosts = await readFile(env.knownHostsPath, 'utf8');
    builtinDir = await mkdtemp(join(tmpdir(), 'slipway-console-check-'));
    cleanups.push(() => rm(builtinDir, { recursive: true, force: true }));
    await cp(defaultBuiltinDir(), builtinDir, { recursive: true });
    // mkdtemp's 0700 would hide it from the sandbox's unprivileged user.
    await chmod(builtinDir, 0o755);
    await writeFile(join(builtinDir, 'cluster.yml'), STAND_IN_INSTALL);
  });

  // A controller per test: `running` stops it after each.
  const controller = () => startController(ns, running, { executor: 'local', builtinDir, operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });

  /** Signed in as the operator, the Add-cluster form open with the cluster's name and namespace filled in. */
  const openForm = async (page: import('playwright-core').Page, name: string) => {
    await signIn(page, operator.token);
    await page.getByRole('link', { name: 'Add cluster' }).click();
    await page.getByLabel('Cluster name').fill(name);
    await page.getByLabel('Namespace for its inputs').fill(ns);
  };
  const fillRow = async (page: import('playwright-core').Page, label: string, row: { name: string; ip: string; port: string }) => {
    await page.getByLabel(`${label} name`).fill(row.name);
    await page.getByLabel(`${label} IP`).fill(row.ip);
    await page.getByLabel(`${label} SSH port`).fill(row.port);
    await page.getByLabel(`${label} SSH user`).fill(env.sshUser);
  };
  const hostRow = (i: number) => ({ name: env.hosts[i]!.name, ip: env.hosts[i]!.address, port: String(env.hosts[i]!.port) });

  it('removes what the check made when the form is left without creating', async () => {
    const name = env.randomName('left');
    cleanups.push(removeCluster(name));
    await controller();
    const { context, page } = await t.newPage();
    try {
      await openForm(page, name);
      await fillRow(page, 'Control-plane node 1', { name: 'nosshd', ...NO_SSHD });
      await page.getByLabel('SSH private key (stored in a Secret)').fill(key);
      await page.getByLabel('Kubernetes version').fill('v1.33.2');
      await page.getByRole('button', { name: 'Check nodes' }).click();
      await page.getByText(/The check did not pass/).waitFor({ timeout: 120_000 });
      assert.equal(await page.getByRole('button', { name: 'Create' }).isDisabled(), true);
      await page.getByText('leaving this form without creating removes them').waitFor();
      assert.equal(await exists(() => custom.getClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name })), true);

      await page.getByRole('link', { name: '← Clusters' }).click();
      await page.getByRole('heading', { name: 'Clusters' }).waitFor();
      await eventually('the check objects removed', async () => {
        const left = [
          await exists(() => custom.getClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name })),
          (await operationsOf(name)).length > 0,
          await exists(() => core.readNamespacedConfigMap({ namespace: ns, name: `${name}-hosts` })),
          await exists(() => core.readNamespacedConfigMap({ namespace: ns, name: `${name}-vars` })),
          await exists(() => core.readNamespacedSecret({ namespace: ns, name: `${name}-ssh` })),
        ];
        return left.some(Boolean) ? undefined : true;
      });
    } finally {
      await context.close();
    }
  });

  it('fails a host where no sshd listens and keeps Create disabled; a passing check of the rows as they are enables Create, which adds cluster.yml to the same objects', async () => {
    const name = env.randomName('checked');
    cleanups.push(removeCluster(name));
    await controller();
    const { context, page } = await t.newPage();
    try {
      await openForm(page, name);
      await fillRow(page, 'Control-plane node 1', hostRow(0));
      await page.getByRole('button', { name: 'Add worker node' }).click();
      await fillRow(page, 'Worker node 1', hostRow(1));
      await page.getByRole('button', { name: 'Add worker node' }).click();
      await fillRow(page, 'Worker node 2', { name: 'nosshd', ...NO_SSHD });
      await page.getByLabel('SSH private key (stored in a Secret)').fill(key);
      await page.getByLabel('Known hosts (optional)').fill(knownHosts);
      await page.getByLabel('Kubernetes version').fill('v1.33.2');
      const create = page.getByRole('button', { name: 'Create' });
      assert.equal(await create.isDisabled(), true, 'no Create before a node check');

      await page.getByRole('button', { name: 'Check nodes' }).click();
      const check = page.getByRole('table', { name: 'Node check' });
      await page.getByText(/The check did not pass \(Failed\)/).waitFor({ timeout: 120_000 });
      const bad = check.locator('tr[data-host="nosshd"]');
      assert.equal(await bad.locator('td.status').getAttribute('data-state'), 'unreachable');
      assert.match(await bad.innerText(), /Unreachable\s+.*(Failed to connect to the host|Data could not be sent to remote host).*127\.0\.0\.250/);
      for (const h of [env.hosts[0]!, env.hosts[1]!]) assert.equal(await check.locator(`tr[data-host="${h.name}"] td.status`).getAttribute('data-state'), 'reachable', `${h.name} answered`);
      assert.equal(await create.isDisabled(), true, 'a failed check keeps Create disabled');
      const cluster = (await custom.getClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name })) as Cluster;
      assert.equal(cluster.metadata.annotations?.[NODE_CHECK_ANNOTATION], 'true', 'the Cluster is marked as only checked');
      const [failedCheck] = await operationsOf(name);
      assert.equal(failedCheck?.spec.action, 'ping.yml', 'the check is a ping.yml operation');
      assert.deepEqual(failedCheck?.status?.failedHosts, ['nosshd']);
      await screenshot(page, 'add-cluster-check-failed', check);

      await page.getByRole('button', { name: 'Remove worker node 2' }).click();
      await page.getByText('The nodes or credentials changed since this check').waitFor();
      await page.getByRole('button', { name: 'Check nodes' }).click();
      await page.getByText('Every node answered.').waitFor({ timeout: 120_000 });
      for (const h of [env.hosts[0]!, env.hosts[1]!]) {
        const row = check.locator(`tr[data-host="${h.name}"]`);
        assert.equal(await row.locator('td.status').getAttribute('data-state'), 'reachable');
        assert.match(await row.innerText(), /kernel /, 'the system cluster-info.yml reported');
      }
      assert.equal(await check.locator('tr[data-host="nosshd"]').count(), 0);
      assert.equal(await create.isEnabled(), true, 'Create once the check passed');
      await page.getByLabel('Worker node 1 SSH user').fill('someone-else');
      assert.equal(await create.isDisabled(), true, 'editing a row invalidates the check');
      await page.getByLabel('Worker node 1 SSH user').fill(env.sshUser);
      assert.equal(await create.isEnabled(), true, 'the rows as checked again');
      // Vars are not what the check checked: they may change after it.
      await page.getByText('Advanced').click();
      await page.getByLabel('CNI').selectOption('cilium');
      await screenshot(page, 'add-cluster', check);

      const passed = (await operationsOf(name)).find((o) => o.status?.status === 'Succeeded' && o.spec.action === 'ping.yml');
      assert.ok(passed, 'a passed check');
      assert.deepEqual(passed.spec.postHook?.map((h) => h.action), ['cluster-info.yml']);
      const other = await page.evaluate(
        async ([n, namespace, k, check, row]) => {
          const { csrf } = (await (await fetch('/api/session')).json()) as { csrf: string };
          const body = { name: n, namespace, controlPlanes: [row], workers: [], privateKey: k, version: 'v1.33.2', check };
          const res = await fetch('/api/clusters', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) });
          return { status: res.status, error: ((await res.json()) as { error?: string }).error ?? '' };
        },
        [name, ns, key, passed.metadata.name!, { name: env.hosts[0]!.name, ip: env.hosts[0]!.address, port: env.hosts[0]!.port, user: env.sshUser }] as const,
      );
      assert.equal(other.status, 409, 'the server refuses nodes other than the checked ones');
      assert.match(other.error, /changed since the node check/);

      await create.click();
      const listed = page.locator(`tr[data-cluster="${name}"]`);
      await listed.getByRole('link', { name: `${name}-install` }).waitFor();
      const install = await getOp(`${name}-install`);
      assert.equal(install.spec.action, 'cluster.yml');
      const c = (await custom.getClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name })) as Cluster;
      assert.equal(c.metadata.annotations?.[NODE_CHECK_ANNOTATION], undefined, 'the Cluster is no longer only checked');
      assert.deepEqual(c.spec.sshAuthRef, { namespace: ns, name: `${name}-ssh` });
      const hosts = (await core.readNamespacedConfigMap({ namespace: ns, name: `${name}-hosts` })).data?.['hosts.yml'] ?? '';
      const vars = (await core.readNamespacedConfigMap({ namespace: ns, name: `${name}-vars` })).data?.['group_vars.yml'] ?? '';
      assert.ok(hosts.includes(`ansible_port: ${env.hosts[1]!.port}`) && !hosts.includes('nosshd'), hosts);
      assert.match(vars, /kube_network_plugin: cilium/);
      for (const text of [hosts, vars]) assert.ok(!text.includes('PRIVATE KEY'), 'no credential in a ConfigMap');
      const secret = await core.readNamespacedSecret({ namespace: ns, name: `${name}-ssh` });
      assert.equal(Buffer.from(secret.data?.['ssh-privatekey'] ?? '', 'base64').toString(), `${key.trim()}\n`);
    } finally {
      await context.close();
    }
  });
});
