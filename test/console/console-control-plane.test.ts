/**
 * Growing and shrinking the control plane in the console, with kubean's shapes built by the
 * declarative planner's builders: an even etcd or no control plane left is refused before
 * anything runs; shrink runs remove-node.yml (the real controller, ansible over SSH on the test
 * hosts) and, once it has succeeded, takes the hosts out of hosts.yml and runs cluster.yml as
 * the user; grow adds rows and runs cluster.yml --limit=etcd,kube_control_plane with the
 * upgrade-cluster.yml postHook. The test hosts are this machine (as root): the controller's
 * remove-node.yml and cluster.yml are stand-ins that leave a mark on each host they run on.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation } from '../../src/api/types.js';
import { defaultBuiltinDir } from '../../src/engine/builtin-dir.js';
import { clusterFixture, core, custom, env, eventually, finished, getOp, startController, testLifecycle } from '../controller/controller-harness.js';
import { sshHostsSecret } from '../controller/ssh-hosts-fixture.js';
import { consoleSuiteSkip, consoleUnderTest, rbac, screenshot, signIn, tenant } from './console-fixture.js';

const { cleanups, running } = testLifecycle();
const kubean = { group: GROUP, version: VERSION };

/** Every test host a control plane with its etcd member (Slipway's stacked etcd). */
function allControlPlanes(): string {
  const hosts = env.hosts.map((h) => `    ${h.name}:\n      ip: ${h.address}\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      ansible_user: ${env.sshUser}`).join('\n');
  const members = `{${env.hosts.map((h) => `${h.name}: `).join(', ')}}`;
  return `all:\n  hosts:\n${hosts}\n  children:\n    kube_control_plane: {hosts: ${members}}\n    kube_node: {hosts: ${members}}\n    etcd: {hosts: ${members}}\n    k8s_cluster: {children: {kube_control_plane: , kube_node: }}\n`;
}

const standIn = (marks: string, playbook: string, hosts: string) => `---
- name: Stand-in ${playbook} (the test hosts are the test machine itself)
  hosts: "${hosts}"
  gather_facts: false
  tasks:
    - name: Leave a mark of the run on the host
      ansible.builtin.file:
        path: "${marks}/${playbook}-{{ inventory_hostname }}"
        state: touch
        mode: "0600"
`;

/** The operation the page went to after a change, or the alert it showed instead. */
async function landedOn(page: import('playwright-core').Page, kind: string): Promise<string> {
  const alert = page.getByRole('alert').waitFor().then(async () => `refused: ${await page.getByRole('alert').innerText()}`);
  const url = page.waitForURL(new RegExp(`#/operations/.*-${kind}-`)).then(() => decodeURIComponent(page.url().split('#/operations/')[1]!));
  const where = await Promise.race([alert, url]);
  assert.doesNotMatch(where, /^refused: /);
  return where;
}

const operationsOf = async (cluster: string) =>
  ((await custom.listClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] }).items.filter((o) => o.spec.cluster === cluster);
const hostsText = async (ns: string) => (await core.readNamespacedConfigMap({ namespace: ns, name: 'hosts' })).data?.['hosts.yml'] ?? '';

describe('growing and shrinking the control plane in the console', { skip: consoleSuiteSkip() }, () => {
  const t = consoleUnderTest();
  let ns = '';
  let cluster = '';
  let builtinDir = '';
  let marks = '';
  let operator = { token: '', user: '' };
  const [first, second, third] = env.hosts;

  before(async () => {
    assert.ok(third, 'three test hosts');
    ({ ns, cluster } = await clusterFixture('console-cp', cleanups, { hosts: allControlPlanes(), secret: await sshHostsSecret() }));
    operator = await tenant(ns, 'operator', [{ apiGroups: [GROUP], resources: [CLUSTER_PLURAL, CLUSTER_OPERATION_PLURAL], verbs: ['get', 'list', 'watch', 'create'] }], cleanups);
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'inputs' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'] }, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'inputs' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'inputs' }, subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }] } });
    builtinDir = await mkdtemp(join(tmpdir(), 'slipway-console-builtin-'));
    marks = await mkdtemp(join(tmpdir(), 'slipway-console-cp-'));
    cleanups.push(() => rm(builtinDir, { recursive: true, force: true }), () => rm(marks, { recursive: true, force: true }));
    await cp(defaultBuiltinDir(), builtinDir, { recursive: true });
    await chmod(builtinDir, 0o755);
    await writeFile(join(builtinDir, 'remove-node.yml'), standIn(marks, 'remove-node', '{{ node }}'));
    await writeFile(join(builtinDir, 'cluster.yml'), standIn(marks, 'cluster', 'k8s_cluster:etcd'));
  });

  it('refuses an even etcd or no control plane left before anything runs', async () => {
    const { context, page } = await t.newPage();
    try {
      await signIn(page, operator.token);
      await page.goto(`${t.console.url}#/clusters/${cluster}`);
      const remove = async (nodes: string, refusal: string) => {
        await page.getByLabel('Control planes to remove (comma-separated)').fill(nodes);
        await page.getByRole('button', { name: 'Remove control planes' }).click();
        await page.getByRole('alert').filter({ hasText: refusal }).waitFor();
      };
      await remove(first!.name, `would leave 2 etcd members: etcd needs an odd number`);
      await remove(env.hosts.map((h) => h.name).join(','), 'are all the control planes');
      await page.getByLabel('Node to remove').fill(first!.name);
      await page.getByRole('button', { name: 'Remove node' }).click();
      await page.getByRole('alert').filter({ hasText: 'would leave 2 etcd members' }).waitFor();
      await page.getByLabel(/^New control planes/).fill('cp4 10.9.9.4');
      await page.getByRole('button', { name: 'Add control planes' }).click();
      await page.getByRole('alert').filter({ hasText: 'would make 4 etcd members' }).waitFor();
      assert.deepEqual(await operationsOf(cluster), [], 'nothing was created');
    } finally {
      await context.close();
    }
  });

  it('shrinks: remove-node.yml runs, then hosts.yml loses the hosts and cluster.yml runs as the user', async () => {
    const { context, page } = await t.newPage();
    try {
      await signIn(page, operator.token);
      await page.goto(`${t.console.url}#/clusters/${cluster}`);
      await page.getByLabel('Control planes to remove (comma-separated)').fill(`${second!.name}, ${third!.name}`);
      await screenshot(page, 'control-plane');
      await page.getByRole('button', { name: 'Remove control planes' }).click();
      const removeOp = await landedOn(page, 'remove-control-plane');
      const removal = await getOp(removeOp);
      assert.equal(removal.spec.action, 'remove-node.yml');
      assert.equal(removal.spec.extraArgs, `-e node=${second!.name},${third!.name}`);
      assert.match(await hostsText(ns), new RegExp(`${third!.name}:`), 'hosts.yml keeps them until they are removed');

      await startController(ns, running, { executor: 'local', builtinDir, operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
      await page.locator('dd.status[data-status="Succeeded"]').waitFor({ timeout: 90_000 });
      const reconfigure = await eventually('the cluster.yml after it', async () => (await operationsOf(cluster)).find((o) => o.spec.action === 'cluster.yml'), 30_000);
      assert.equal(reconfigure.spec.extraArgs, undefined, 'the whole cluster learns the new set');
      const hosts = await hostsText(ns);
      assert.ok(!hosts.includes(`${second!.name}:`) && !hosts.includes(`${third!.name}:`), hosts);
      assert.ok(hosts.includes(`${first!.name}:`));
      const done = await finished(reconfigure.metadata.name!);
      assert.equal(done.status?.status, 'Succeeded', done.status?.message);
      for (const h of [second!, third!]) assert.ok(existsSync(join(marks, `remove-node-${h.name}`)), `remove-node.yml ran on ${h.name}`);
      assert.ok(existsSync(join(marks, `cluster-${first!.name}`)), 'cluster.yml ran on the remaining control plane');
      assert.ok(!existsSync(join(marks, `cluster-${second!.name}`)), 'and not on a removed one');
      for (const o of await operationsOf(cluster)) await custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name: o.metadata.name! });
    } finally {
      await context.close();
    }
  });

  it('grows with kubean\'s addControlPlane: the rows join kube_control_plane and etcd, cluster.yml limited with the upgrade-cluster.yml postHook', async () => {
    const { context, page } = await t.newPage();
    try {
      await signIn(page, operator.token);
      await page.goto(`${t.console.url}#/clusters/${cluster}`);
      await page.getByLabel(/^New control planes/).fill('cp4 10.9.9.4\ncp5 10.9.9.5 ubuntu');
      await page.getByRole('button', { name: 'Add control planes' }).click();
      const op = await getOp(await landedOn(page, 'add-control-plane'));
      cleanups.push(() => custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name: op.metadata.name! }));
      assert.equal(op.spec.action, 'cluster.yml');
      assert.equal(op.spec.extraArgs, '--limit=etcd,kube_control_plane -e ignore_assert_errors=true');
      assert.deepEqual(op.spec.postHook, [{ actionType: 'playbook', action: 'upgrade-cluster.yml', actionSource: 'builtin', extraArgs: '--limit=etcd,kube_control_plane -e ignore_assert_errors=true' }]);
      const hosts = await hostsText(ns);
      assert.match(hosts, /kube_control_plane:\n\s+hosts:[\s\S]*cp4:[\s\S]*cp5:[\s\S]*etcd:/);
      assert.match(hosts, /etcd:\n\s+hosts:[\s\S]*cp4:[\s\S]*cp5:/);
      assert.match(hosts, /cp5:\n\s+ip: 10\.9\.9\.5[\s\S]*ansible_user: ubuntu/);
    } finally {
      await context.close();
    }
  });
});
