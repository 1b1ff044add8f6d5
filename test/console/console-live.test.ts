/**
 * A real operation followed in the console: the controller (local executor) runs a playbook with
 * ansible against the environment's sshd hosts while the page, opened before it starts, shows
 * Running with the current task, then Succeeded with its steps, the hosts × steps grid and the
 * kept log, never reloaded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP } from '../../src/api/types.js';
import { INPUT_NAMES } from '../fixtures/kube-cluster.js';
import { clusterFixture, createOperation, env, finished, startController, testLifecycle } from '../controller/controller-harness.js';
import { sshHostsInventory, sshHostsSecret } from '../controller/ssh-hosts-fixture.js';
import { consoleSuiteSkip, consoleUnderTest, screenshot, signIn, tenant } from './console-fixture.js';

const { cleanups, running } = testLifecycle();
const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);

const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: say hello from the console test
      ansible.builtin.command: echo hello
      changed_when: false
    - name: wait so the page sees the run
      ansible.builtin.pause:
        seconds: 4
    - name: last task
      ansible.builtin.command: echo done
      changed_when: false
`;

describe('a real operation followed live in the console', { skip: consoleSuiteSkip() }, () => {
  const t = consoleUnderTest();

  it('shows Running with the current task, then Succeeded with its steps and kept log, without a reload', async () => {
    const { ns, cluster } = await clusterFixture('console-live', cleanups, { hosts: sshHostsInventory(), secret: await sshHostsSecret(), actions: { 'hello.yml': PLAYBOOK } });
    const viewer = await tenant(ns, 'viewer', [{ apiGroups: [GROUP], resources: [CLUSTER_PLURAL, CLUSTER_OPERATION_PLURAL], verbs: ['get', 'list', 'watch'] }], cleanups);
    // The kept log is ConfigMaps in the controller's namespace: the viewer may read those.
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'logs' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'logs' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'logs' }, subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: ns }] } });

    const name = env.randomName('hello');
    const { context, page } = await t.newPage();
    try {
      await signIn(page, viewer.token);
      await page.getByText(`Signed in as ${viewer.user}`).waitFor();
      await createOperation(name, { cluster, actionType: 'playbook', action: 'hello.yml', actionSource: 'configmap', actionSourceRef: { namespace: ns, name: INPUT_NAMES.actions } }, cleanups);
      await page.goto(`${t.console.url}#/operations/${name}`);
      await page.getByRole('heading', { name: `Operation ${name}` }).waitFor();
      await page.evaluate('window.marker = 7');
      await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });

      await page.locator('dd.status[data-status="Running"]').waitFor({ timeout: 90_000 });
      await page.locator('.task').filter({ hasText: 'wait so the page sees the run' }).waitFor({ timeout: 60_000 });
      await page.getByRole('progressbar', { name: 'Steps done' }).waitFor();
      await page.locator('pre.log').filter({ hasText: 'say hello from the console test' }).waitFor({ timeout: 60_000 });
      await screenshot(page, 'operation-running');

      await page.locator('dd.status[data-status="Succeeded"]').waitFor({ timeout: 90_000 });
      const op = await finished(name);
      assert.equal(op.status?.status, 'Succeeded', op.status?.message);
      const steps = await page.getByRole('table', { name: 'Steps' }).locator('tbody tr').allInnerTexts();
      assert.equal(steps.length, op.status?.steps?.length);
      assert.ok(steps.every((s) => /Succeeded|Skipped/.test(s)), steps.join('\n'));
      await page.locator('pre.log').filter({ hasText: 'TASK [last task]' }).waitFor({ timeout: 30_000 });
      const grid = page.getByRole('table', { name: 'Hosts by step' });
      const columns = await grid.locator('thead th').allInnerTexts();
      assert.deepEqual(columns.slice(1), op.status?.steps?.map((s) => s.name), 'a column per step');
      const action = op.status!.steps!.findIndex((s) => s.role === 'action');
      for (const h of env.hosts) assert.equal(await grid.locator(`tr[data-host="${h.name}"] td.cell`).nth(action).getAttribute('data-state'), 'ok', `${h.name} ran the action`);
      await screenshot(page, 'operation', page.getByRole('heading', { name: 'Hosts × steps' }));
      assert.equal(await page.evaluate<number>('window.marker'), 7, 'the page was not reloaded');

      await page.getByRole('link', { name: `← Cluster ${cluster}` }).click();
      const row = page.getByRole('table', { name: 'Operations' }).locator(`tr[data-operation="${name}"]`);
      await row.locator('[data-status="Succeeded"]').waitFor();
    } finally {
      await context.close();
    }
  });
});
