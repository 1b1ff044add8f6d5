/**
 * The console in a real Chromium against the real apiserver: sign-in with ServiceAccount
 * tokens, the live cluster list, refusals, CSRF and logout, the details page, the kubeconfig
 * download for whom RBAC allows it, Cancel and Retry made as the user, and the Add-cluster form's
 * refusals (the node check and Create with it: console-node-check.test.ts).
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { describe, it, before } from 'node:test';
import { setHeaderOptions } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterStatus } from '../../src/api/types.js';
import { CANCEL_ANNOTATION } from '../../src/controller/operation-cancel.js';
import { RETRY_OF_ANNOTATION } from '../../src/operations/retry-operation.js';
import { clusterFixture, core, createOperation, custom, env, eventually, getOp, testLifecycle } from '../controller/controller-harness.js';
import { consoleSuiteSkip, consoleUnderTest, rbac, screenshot, signIn, tenant } from './console-fixture.js';

const { cleanups } = testLifecycle();
const MERGE = setHeaderOptions('Content-Type', 'application/merge-patch+json');
const kubean = { group: GROUP, version: VERSION };
const READ_KUBEAN = { apiGroups: [GROUP], resources: [CLUSTER_PLURAL, CLUSTER_OPERATION_PLURAL], verbs: ['get', 'list', 'watch'] };

const setClusterStatus = (name: string, status: ClusterStatus) => custom.patchClusterCustomObjectStatus({ ...kubean, plural: CLUSTER_PLURAL, name, body: { status } }, MERGE);

/** GET `path` on the console with only `cookie` (what a stolen or replayed cookie would get). */
function getWithCookie(base: string, path: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { rejectUnauthorized: false, headers: { cookie } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('slipway console in Chromium', { skip: consoleSuiteSkip() }, () => {
  // As the bundle would serve them: from v1.33.2, v1.33.7 and v1.34.1 are upgrades, v1.35.0 skips a minor.
  const t = consoleUnderTest({ kubeVersions: ['v1.32.9', 'v1.33.2', 'v1.33.7', 'v1.34.1', 'v1.35.0'] });
  let ns = '';
  let cluster = '';
  let viewer = { token: '', user: '' };
  let operator = { token: '', user: '' };
  let nobody = { token: '', user: '' };

  before(async () => {
    ({ ns, cluster } = await clusterFixture('console', cleanups));
    viewer = await tenant(ns, 'viewer', [READ_KUBEAN], cleanups);
    nobody = await tenant(ns, 'nobody', [], cleanups);
    operator = await tenant(ns, 'operator', [{ ...READ_KUBEAN, verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] }], cleanups);
    // The operator may also read the cluster's inputs and its kubeconfig Secret; the viewer may not.
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'operator' }, rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'operator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'operator' }, subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }] } });
  });

  it('refuses a token Kubernetes does not accept, and signs in with a ServiceAccount token that then appears nowhere', async () => {
    const { context, page } = await t.newPage();
    try {
      await screenshot(page, 'sign-in');
      await signIn(page, 'not-a-real-token');
      await page.getByRole('alert').filter({ hasText: 'Kubernetes did not accept this token' }).waitFor();
      await signIn(page, viewer.token);
      await page.getByText(`Signed in as ${viewer.user}`).waitFor();
      assert.equal(await page.getByLabel('Bearer token').count(), 0, 'the sign-in form is gone');
      const [cookie] = await context.cookies();
      assert.ok(cookie, 'a session cookie');
      assert.equal(cookie.name, '__Host-slipway-session');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.secure, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.ok(!cookie.value.includes(viewer.token) && cookie.value.length >= 40);
      const html = await page.content();
      assert.ok(!html.includes(viewer.token), 'the token is not in the page');
      assert.ok(!page.url().includes(viewer.token));
      const storage = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })');
      assert.ok(!storage.includes(viewer.token));
    } finally {
      await context.close();
    }
  });

  it('lists the clusters live: a phase change made through the API appears without a reload', async () => {
    await setClusterStatus(cluster, { phase: 'Installing', nodeCount: 3, readyNodeCount: 1, observedVersion: 'v1.33.2' });
    const { context, page } = await t.newPage();
    try {
      await signIn(page, viewer.token);
      const row = page.locator(`tr[data-cluster="${cluster}"]`);
      await row.getByText('Installing').waitFor();
      assert.match(await row.innerText(), /1\/3[\s\S]*v1\.33\.2/);
      await page.evaluate('window.marker = 42');
      const op = env.randomName('install');
      await createOperation(op, { cluster, action: 'cluster.yml' }, cleanups);
      await setClusterStatus(cluster, { phase: 'Healthy', readyNodeCount: 3 });
      await row.locator('[data-phase="Healthy"]').waitFor();
      await row.getByText('3/3').waitFor();
      await row.getByRole('link', { name: op }).waitFor();
      assert.equal(await page.evaluate<number>('window.marker'), 42, 'the page was not reloaded');
      await screenshot(page, 'clusters');
    } finally {
      await context.close();
    }
  });

  it('tells a user without rights that Kubernetes refused, naming them', async () => {
    const { context, page } = await t.newPage();
    try {
      await signIn(page, nobody.token);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = await alert.innerText();
      assert.match(text, /Kubernetes refused to list clusters for you \(HTTP 403\)/);
      assert.ok(text.includes(nobody.user), text);
      assert.equal(await page.locator(`tr[data-cluster="${cluster}"]`).count(), 0);
    } finally {
      await context.close();
    }
  });

  it('refuses writes without the CSRF token, and logout ends the session on the server', async () => {
    const { context, page } = await t.newPage();
    try {
      await signIn(page, viewer.token);
      await page.getByText(`Signed in as ${viewer.user}`).waitFor();
      const status = await page.evaluate(async () => (await fetch('/api/logout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
      assert.equal(status, 403);
      const [cookie] = await context.cookies();
      const header = `${cookie!.name}=${cookie!.value}`;
      assert.equal(await getWithCookie(t.console.url, '/api/session', header), 200);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('You are signed out.').waitFor();
      await page.getByLabel('Bearer token').waitFor();
      assert.equal(await getWithCookie(t.console.url, '/api/session', header), 401, 'the old cookie opens nothing');
      assert.equal(await getWithCookie(t.console.url, '/api/events/clusters', header), 401);
    } finally {
      await context.close();
    }
  });

  it('shows details with control planes first, and the kubeconfig download only to whom may read its Secret', async () => {
    const secret = env.randomName('kubeconfig');
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters: []\n# ${secret}\n`;
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: secret }, stringData: { value: kubeconfig } } });
    await setClusterStatus(cluster, {
      nodes: [
        { name: 'worker-a', roles: [], version: 'v1.33.2', ready: true, address: '10.9.0.12' },
        { name: 'cp-1', roles: ['control-plane'], version: 'v1.33.2', ready: false, address: '10.9.0.11' },
      ],
      clusterConditions: [{ type: 'ControlPlaneAvailable', status: 'False', reason: 'NodeNotReady', message: 'cp-1 is not Ready' }],
      kubeconfigSecretRef: { namespace: ns, name: secret },
    });
    for (const who of [viewer, operator]) {
      const { context, page } = await t.newPage();
      try {
        await signIn(page, who.token);
        await page.getByRole('link', { name: cluster, exact: true }).click();
        const nodes = page.getByRole('table', { name: 'Nodes' });
        await nodes.waitFor();
        const rows = await nodes.locator('tbody tr').allInnerTexts();
        assert.match(rows[0]!, /cp-1\s+control plane\s+10\.9\.0\.11\s+v1\.33\.2\s+Not ready/);
        assert.match(rows[1]!, /worker-a\s+worker\s+10\.9\.0\.12/);
        await page.getByRole('table', { name: 'Conditions' }).getByText('cp-1 is not Ready').waitFor();
        if (who === operator) await screenshot(page, 'cluster-details');
        const download = page.getByRole('link', { name: 'Download kubeconfig' });
        if (who === viewer) {
          await page.getByRole('table', { name: 'Operations' }).waitFor();
          assert.equal(await download.count(), 0, 'no download for the viewer');
          const status = await page.evaluate(async (c) => (await fetch(`/api/clusters/${c}/kubeconfig`)).status, cluster);
          assert.equal(status, 403, 'and the apiserver refuses it');
        } else {
          const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
          const stream = await file.createReadStream();
          let text = '';
          for await (const chunk of stream) text += String(chunk);
          assert.equal(text, kubeconfig);
        }
      } finally {
        await context.close();
      }
    }
  });

  it('cancels and retries as the user: the annotation and the retry are theirs, the viewer is refused', async () => {
    const pending = env.randomName('pending');
    await createOperation(pending, { cluster, action: 'cluster.yml' }, cleanups);
    const failed = env.randomName('failed');
    await createOperation(failed, { cluster, action: 'scale.yml' }, cleanups);
    await custom.patchClusterCustomObjectStatus({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name: failed, body: { status: { status: 'Failed', failedHosts: ['node1'], message: 'node1 failed' } } }, MERGE);

    const viewerPage = await t.newPage();
    try {
      await signIn(viewerPage.page, viewer.token);
      await viewerPage.page.getByText(`Signed in as ${viewer.user}`).waitFor();
      await viewerPage.page.goto(`${t.console.url}#/operations/${pending}`);
      await viewerPage.page.getByRole('button', { name: 'Cancel' }).click();
      const alert = await viewerPage.page.getByRole('alert').innerText();
      assert.ok(alert.includes(viewer.user) && /forbidden/i.test(alert), alert);
      assert.equal((await getOp(pending)).metadata.annotations?.[CANCEL_ANNOTATION], undefined);
    } finally {
      await viewerPage.context.close();
    }

    const { context, page } = await t.newPage();
    try {
      await signIn(page, operator.token);
      await page.getByText(`Signed in as ${operator.user}`).waitFor();
      await page.goto(`${t.console.url}#/operations/${pending}`);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByText('(cancel requested)').waitFor();
      assert.ok((await getOp(pending)).metadata.annotations?.[CANCEL_ANNOTATION]);

      await page.goto(`${t.console.url}#/operations/${failed}`);
      await page.getByText('node1 failed').waitFor();
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.waitForURL(/#\/operations\/.*-retry-1$/);
      const retry = `${failed}-retry-1`;
      cleanups.push(() => custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name: retry }));
      await page.getByRole('link', { name: failed }).waitFor();
      const created = await eventually('the retry', async () => getOp(retry).catch(() => undefined));
      assert.equal(created.metadata.annotations?.[RETRY_OF_ANNOTATION], failed);
      assert.equal(created.spec.action, 'scale.yml');
    } finally {
      await context.close();
    }
  });

  it('refuses a form that the checks or RBAC refuse, and leaves nothing behind', async () => {
    const name = env.randomName('badform');
    const { context, page } = await t.newPage();
    try {
      await signIn(page, viewer.token);
      await page.getByRole('link', { name: 'Add cluster' }).click();
      await page.getByLabel('Cluster name').fill(name);
      await page.getByLabel('Namespace for its inputs').fill(ns);
      await page.getByLabel('Control-plane node 1 name').fill('cp1');
      await page.getByLabel('Control-plane node 1 IP').fill('10.20.0.300');
      await page.getByLabel('SSH private key (stored in a Secret)').fill('-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----');
      await page.getByLabel('Kubernetes version').fill('v1.33.2');
      assert.equal(await page.getByRole('button', { name: 'Create' }).isDisabled(), true, 'no Create before a node check');
      await page.getByRole('button', { name: 'Check nodes' }).click();
      assert.match(await page.getByRole('alert').innerText(), /Control plane cp1: "10\.20\.0\.300" is not an IP address/);
      await page.getByLabel('Control-plane node 1 IP').fill('10.20.0.30');
      await page.getByRole('button', { name: 'Check nodes' }).click();
      await page.getByRole('alert').filter({ hasText: /forbidden/i }).waitFor();
      assert.ok((await page.getByRole('alert').innerText()).includes(viewer.user));
      const left = await core.listNamespacedConfigMap({ namespace: ns });
      assert.ok(!left.items.some((cm) => cm.metadata?.name?.startsWith(name)), 'no ConfigMap left');
    } finally {
      await context.close();
    }
  });

  it('scales and upgrades as the user: the last control plane and a skipped minor are refused before anything runs', async () => {
    const before = (await custom.listClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL }) as { items: unknown[] }).items.length;
    const { context, page } = await t.newPage();
    try {
      await signIn(page, operator.token);
      await page.getByRole('link', { name: cluster, exact: true }).click();
      await page.getByLabel('Node to remove').fill('node1');
      await page.getByRole('button', { name: 'Remove node' }).click();
      await page.getByRole('alert').filter({ hasText: 'node1 is the last control plane' }).waitFor();
      const offered = await page.getByLabel('Upgrade to version').locator('option').allInnerTexts();
      assert.deepEqual(offered, ['v1.33.7', 'v1.34.1'], 'higher and one minor up at most, from the versions the bundle serves');
      const post = (version: string, typed = cluster) =>
        page.evaluate(async ([c, v, typed]) => {
          const { csrf } = (await (await fetch('/api/session')).json()) as { csrf: string };
          const res = await fetch(`/api/clusters/${c}/upgrade`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ version: v, confirm: typed }) });
          return { status: res.status, error: ((await res.json()) as { error?: string }).error ?? '' };
        }, [cluster, version, typed] as const);
      const unconfirmed = await post('v1.34.1', `${cluster}x`);
      assert.equal(unconfirmed.status, 422, 'the server wants the name typed too');
      assert.match(unconfirmed.error, /type the cluster's name .* to confirm the upgrade/);
      assert.match((await post('v1.35.0')).error, /skips a minor version/);
      const unserved = await post('v1.34.9');
      assert.equal(unserved.status, 422);
      assert.match(unserved.error, /the bundle does not serve v1\.34\.9/);
      const after = (await custom.listClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL }) as { items: unknown[] }).items.length;
      assert.equal(after, before, 'no operation was created');

      await page.getByLabel('New worker name').fill('node9');
      await page.getByLabel('New worker IP').fill('10.6.0.19');
      await page.getByRole('button', { name: 'Scale out' }).click();
      await page.waitForURL(/#\/operations\/.*-scale-out-/);
      const scaleOp = decodeURIComponent(page.url().split('#/operations/')[1]!);
      cleanups.push(() => custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name: scaleOp }));
      assert.equal((await getOp(scaleOp)).spec.extraArgs, '--limit=node9');
      const hosts = (await core.readNamespacedConfigMap({ namespace: ns, name: 'hosts' })).data?.['hosts.yml'] ?? '';
      assert.match(hosts, /node9:\n\s+ip: 10\.6\.0\.19/);

      await page.goto(`${t.console.url}#/clusters/${cluster}`);
      await page.getByLabel('Upgrade to version').selectOption('v1.34.1');
      const upgradeButton = page.getByRole('button', { name: 'Upgrade', exact: true });
      assert.equal(await upgradeButton.isDisabled(), true, 'no name typed: Upgrade is disabled');
      await page.getByLabel('Type the cluster name to confirm the upgrade').fill(`${cluster}x`);
      assert.equal(await upgradeButton.isDisabled(), true, 'a wrong name keeps it disabled');
      await page.getByLabel('Type the cluster name to confirm the upgrade').fill(cluster);
      await screenshot(page, 'upgrade', page.getByRole('form', { name: 'Upgrade' }));
      await upgradeButton.click();
      await page.waitForURL(/#\/operations\/.*-upgrade-/);
      const upgradeOp = decodeURIComponent(page.url().split('#/operations/')[1]!);
      cleanups.push(() => custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name: upgradeOp }));
      assert.equal((await getOp(upgradeOp)).spec.action, 'upgrade-cluster.yml');
      assert.match((await core.readNamespacedConfigMap({ namespace: ns, name: 'vars' })).data?.['group_vars.yml'] ?? '', /kube_version: v1\.34\.1/);
    } finally {
      await context.close();
    }
  });
});
