/**
 * A real `helm install` into the test cluster (kwok nodes run the pods): the Deployments
 * become available, an upgrade keeps the bundled Redis's password, and uninstalling leaves
 * the CRDs (and so users' Clusters) in place.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadTestEnv } from '../env/index.js';
import { CHART_DIR, helm, withValuesFile } from './helm.js';
import { kubectl, kubectlOk } from './kube.js';

const env = loadTestEnv();
const RELEASE_LABEL = 'slipway.test/release';

describe('helm install, upgrade and uninstall', () => {
  const release = env.randomName('rel');
  let namespace = '';
  const helmIn = (args: string[]) => helm([...args, '--namespace', namespace, `--kubeconfig=${env.kubeconfigPath}`]);
  const redisPassword = async () =>
    Buffer.from(await kubectlOk(['get', 'secret', `${release}-slipway-redis`, '-n', namespace, '-o', 'jsonpath={.data.password}']), 'base64').toString();

  after(async () => {
    if (namespace) await helmIn(['uninstall', release, '--ignore-not-found']);
  });

  it('installs and waits until the controller and Redis Deployments are available', async () => {
    namespace = await env.namespace('chart');
    const inputs = await env.namespace('inputs');
    // No volume provisioner in the test cluster. kwok's pods serve no webhook: only this test's
    // objects are sent to it, so the other tests' Clusters still reach the test environment's.
    const values = { watchNamespaces: [inputs], redis: { bundled: { persistence: { enabled: false } } }, admission: { objectSelector: { matchLabels: { [RELEASE_LABEL]: release } } } };
    const r = await withValuesFile(values, (file) => helmIn(['install', release, CHART_DIR, '--values', file, '--wait', '--timeout', '90s']));
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /kubectl apply -f examples\/install\/1\.minimal\/AllInOne\.yml/, 'NOTES.txt');
    const ready = await kubectlOk(['get', 'deploy', '-n', namespace, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.readyReplicas} {end}']);
    assert.deepEqual(ready.trim().split(' ').sort(), [`${release}-slipway-redis=1`, `${release}-slipway=2`]);
  });

  it('fails closed: a Cluster sent to a webhook nobody answers is refused', async () => {
    const name = env.randomName('closed');
    const cluster = { apiVersion: 'kubean.io/v1alpha1', kind: 'Cluster', metadata: { name, labels: { [RELEASE_LABEL]: release } }, spec: { hostsConfRef: { namespace: 'default', name: 'h' }, varsConfRef: { namespace: 'default', name: 'v' } } };
    const r = await kubectl(['create', '-f', '-'], JSON.stringify(cluster));
    assert.notEqual(r.exitCode, 0, 'created without admission');
    assert.match(r.stderr, new RegExp(`failed calling webhook "admission\\.slipway\\.io"`));
  });

  it('keeps the bundled Redis password across an upgrade', async () => {
    const before = await redisPassword();
    assert.match(before, /^[A-Za-z0-9]{32}$/);
    const r = await helmIn(['upgrade', release, CHART_DIR, '--reuse-values', '--set', 'controller.historyLimit=10', '--wait', '--timeout', '90s']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await redisPassword(), before);
    const args = await kubectlOk(['get', 'deploy', `${release}-slipway`, '-n', namespace, '-o', 'jsonpath={.spec.template.spec.containers[0].args}']);
    assert.ok((JSON.parse(args) as string[]).includes('--history-limit=10'), args);
  });

  it('uninstalls everything it created, cluster-scoped RBAC too, but not the CRDs', async () => {
    const r = await helmIn(['uninstall', release, '--wait', '--timeout', '60s']);
    assert.equal(r.exitCode, 0, r.stderr);
    const gone = await kubectl(['get', 'clusterrole', `${release}-slipway`]);
    assert.match(gone.stderr, /NotFound/);
    const left = await kubectlOk(['get', 'all,secrets,roles,rolebindings', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
    assert.equal(left.trim(), '');
    await kubectlOk(['get', 'crd', 'clusters.kubean.io', 'clusteroperations.kubean.io']);
    assert.match((await kubectl(['get', 'mutatingwebhookconfiguration', `${release}-slipway`])).stderr, /NotFound/);
  });
});
