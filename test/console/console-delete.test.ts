/**
 * Deleting a cluster in the console, end to end: a viewer sees no delete control and the
 * apiserver refuses the request they post anyway; the operator types the name and ticks the
 * acknowledgement, the real controller runs reset.yml with ansible over SSH on the test hosts
 * while the list shows Deleting, and the console then removes the Cluster, its operations and
 * its inputs as the operator. The test hosts are this machine (as root), so the reset.yml the
 * controller finds is a stand-in with the real one's confirmation check that leaves a mark on
 * each host instead of removing Kubernetes from it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation } from '../../src/api/types.js';
import { DELETION_ANNOTATION } from '../../src/console/cluster-deletion-plan.js';
import { defaultBuiltinDir } from '../../src/engine/builtin-dir.js';
import { clusterFixture, core, custom, env, eventually, startController, testLifecycle } from '../controller/controller-harness.js';
import { sshHostsInventory, sshHostsSecret } from '../controller/ssh-hosts-fixture.js';
import { consoleSuiteSkip, consoleUnderTest, rbac, screenshot, signIn, tenant } from './console-fixture.js';

const { cleanups, running } = testLifecycle();
const kubean = { group: GROUP, version: VERSION };
const READ_KUBEAN = { apiGroups: [GROUP], resources: [CLUSTER_PLURAL, CLUSTER_OPERATION_PLURAL], verbs: ['get', 'list', 'watch'] };

const standInReset = (marks: string) => `---
- name: Stand-in reset (the test hosts are the test machine itself)
  hosts: k8s_cluster:etcd
  gather_facts: false
  tasks:
    - name: Require reset_confirmation=yes
      ansible.builtin.assert:
        that: reset_confirmation | default('no') | string | lower in ['yes', 'true']
    - name: Leave a mark of the reset on the host
      ansible.builtin.file:
        path: "${marks}/{{ inventory_hostname }}"
        state: touch
        mode: "0600"
    - name: Take a while, so the list shows Deleting
      ansible.builtin.pause:
        seconds: 3
`;

const operationsOf = async (cluster: string) =>
  ((await custom.listClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] }).items.filter((o) => o.spec.cluster === cluster);

const gone = async (read: () => Promise<unknown>): Promise<boolean> => {
  try {
    await read();
    return false;
  } catch (err) {
    return (err as { code?: number }).code === 404;
  }
};

describe('deleting a cluster in the console', { skip: consoleSuiteSkip() }, () => {
  const t = consoleUnderTest();
  let ns = '';
  let cluster = '';
  let builtinDir = '';
  let marks = '';
  let viewer = { token: '', user: '' };
  let operator = { token: '', user: '' };

  before(async () => {
    ({ ns, cluster } = await clusterFixture('console-del', cleanups, { hosts: sshHostsInventory(), secret: await sshHostsSecret() }));
    viewer = await tenant(ns, 'viewer', [READ_KUBEAN], cleanups);
    operator = await tenant(ns, 'operator', [{ ...READ_KUBEAN, verbs: ['get', 'list', 'watch', 'create', 'delete'] }], cleanups);
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'inputs' }, rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'delete'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'inputs' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'inputs' }, subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }] } });
    builtinDir = await mkdtemp(join(tmpdir(), 'slipway-console-builtin-'));
    marks = await mkdtemp(join(tmpdir(), 'slipway-console-reset-'));
    cleanups.push(() => rm(builtinDir, { recursive: true, force: true }), () => rm(marks, { recursive: true, force: true }));
    await cp(defaultBuiltinDir(), builtinDir, { recursive: true });
    // mkdtemp's 0700 would hide it from the sandbox's unprivileged user.
    await chmod(builtinDir, 0o755);
    await writeFile(join(builtinDir, 'reset.yml'), standInReset(marks));
  });

  it('shows a viewer no delete control, and the apiserver refuses the delete they post anyway', async () => {
    const { context, page } = await t.newPage();
    try {
      await signIn(page, viewer.token);
      await page.getByText(`Signed in as ${viewer.user}`).waitFor();
      await page.goto(`${t.console.url}#/clusters/${cluster}`);
      await page.getByRole('heading', { name: 'Operations' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Delete cluster' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Scale out' }).count(), 0, 'nor scale controls');
      const answer = await page.evaluate(async (c) => {
        const { csrf } = (await (await fetch('/api/session')).json()) as { csrf: string };
        const res = await fetch(`/api/clusters/${c}/delete`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ confirm: c, understood: true }) });
        return { status: res.status, body: (await res.json()) as { error: string } };
      }, cluster);
      assert.equal(answer.status, 403);
      assert.ok(answer.body.error.includes(viewer.user) && /forbidden/i.test(answer.body.error), answer.body.error);
      assert.deepEqual(await operationsOf(cluster), [], 'no reset was created');
    } finally {
      await context.close();
    }
  });

  it('runs reset.yml as the operator while the list shows Deleting, then removes the Cluster, its operations and inputs', async () => {
    const { context, page } = await t.newPage();
    try {
      await signIn(page, operator.token);
      await page.getByText(`Signed in as ${operator.user}`).waitFor();
      await page.goto(`${t.console.url}#/clusters/${cluster}`);
      const remove = page.getByRole('button', { name: 'Delete cluster' });
      await remove.waitFor();
      await page.getByLabel('Type the cluster name to confirm').fill(`${cluster}x`);
      await page.getByLabel('I understand this is a deep deletion and cannot be undone').check();
      assert.equal(await remove.isDisabled(), true, 'a wrong name keeps the button disabled');
      await page.getByLabel('Type the cluster name to confirm').fill(cluster);
      await page.getByLabel('I understand this is a deep deletion and cannot be undone').uncheck();
      assert.equal(await remove.isDisabled(), true, 'so does the acknowledgement left unticked');
      await page.getByLabel('I understand this is a deep deletion and cannot be undone').check();
      await screenshot(page, 'delete-cluster', page.getByRole('form', { name: 'Delete the cluster' }));
      await remove.click();

      const row = page.locator(`tr[data-cluster="${cluster}"]`);
      await row.locator('[data-phase="Deleting"]').waitFor();
      const [reset] = await operationsOf(cluster);
      assert.equal(reset?.spec.action, 'reset.yml');
      assert.equal(reset?.metadata.annotations?.[DELETION_ANNOTATION], 'true');
      await startController(ns, running, { executor: 'local', builtinDir, operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
      await row.locator('a', { hasText: reset!.metadata.name! }).waitFor();
      await row.locator('[data-status="Running"]').waitFor({ timeout: 90_000 });
      assert.equal(await row.locator('[data-phase="Deleting"]').count(), 1, 'Deleting while the reset runs');
      await screenshot(page, 'cluster-deleting');
      await row.waitFor({ state: 'detached', timeout: 90_000 });

      for (const h of env.hosts) assert.ok(existsSync(join(marks, h.name)), `reset.yml ran on ${h.name}`);
      await eventually('the Cluster gone', async () => ((await gone(() => custom.getClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name: cluster }))) ? true : undefined));
      assert.deepEqual(await operationsOf(cluster), []);
      assert.ok(await gone(() => core.readNamespacedConfigMap({ namespace: ns, name: 'hosts' })), 'hosts ConfigMap removed');
      assert.ok(await gone(() => core.readNamespacedConfigMap({ namespace: ns, name: 'vars' })), 'vars ConfigMap removed');
      assert.ok(await gone(() => core.readNamespacedSecret({ namespace: ns, name: 'ssh' })), 'SSH Secret removed');
    } finally {
      await context.close();
    }
  });
});
