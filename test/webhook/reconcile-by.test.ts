/**
 * Who `slipway.io/reconcile=Auto` acts for (real apiserver, webhook and controller): the webhook
 * records the user who set it, signed, refuses anyone writing that record, and refuses Auto to a
 * user who may not create operations; the operations Auto generates are admitted as that user,
 * so a tenant cannot borrow the controller's rights to read another tenant's Secret.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CustomObjectsApi, RbacAuthorizationV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { GENERATED_ANNOTATION, GENERATED_BY_LABEL, RECONCILE_BY_ANNOTATION, signGenerated, verifyReconcileBy } from '../../src/api/reconcile-authority.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation } from '../../src/api/types.js';
import { admissionKey, clusterFixture, core, custom, env, eventually, getCluster, startController, testLifecycle } from '../controller/controller-harness.js';
import { SKIP_ADMISSION_LABEL } from '../env/index.js';
import { clientAs, refused } from './tenant-client.js';
import { clusterObject, createClusterInputs, operationObject } from '../fixtures/kube-cluster.js';

const { cleanups, running } = testLifecycle();
const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
const MERGE = setHeaderOptions('Content-Type', 'application/merge-patch+json');
const kubean = { group: GROUP, version: VERSION };

const annotate = (client: CustomObjectsApi, name: string, annotations: Record<string, string | null>) =>
  client.patchClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name, body: { metadata: { annotations } } }, MERGE);

/** A user with the given verbs on Clusters and ClusterOperations (cluster-wide), nothing else. */
async function userWith(prefix: string, verbs: { clusters: string[]; operations: string[] }): Promise<{ name: string; client: CustomObjectsApi }> {
  const name = env.randomName(prefix);
  await rbac.createClusterRole({
    body: {
      metadata: { name },
      rules: [
        { apiGroups: [GROUP], resources: [CLUSTER_PLURAL], verbs: verbs.clusters },
        ...(verbs.operations.length > 0 ? [{ apiGroups: [GROUP], resources: [CLUSTER_OPERATION_PLURAL], verbs: verbs.operations }] : []),
      ],
    },
  });
  await rbac.createClusterRoleBinding({ body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }] } });
  cleanups.push(() => rbac.deleteClusterRole({ name }), () => rbac.deleteClusterRoleBinding({ name }));
  return { name, client: clientAs(name) };
}

describe('admission webhook: slipway.io/reconcile-by', () => {
  let operator: { name: string; client: CustomObjectsApi };
  let viewer: { name: string; client: CustomObjectsApi };
  let key: Buffer;
  before(async () => {
    key = await admissionKey();
    // May edit Clusters and create operations, but reads no ConfigMap or Secret.
    operator = await userWith('operator', { clusters: ['get', 'list', 'patch', 'update'], operations: ['create', 'get', 'list'] });
    viewer = await userWith('viewer', { clusters: ['get', 'list', 'patch', 'update'], operations: [] });
  });

  it('records, signed, who set Auto; refuses anyone writing the record, and removes it with Auto', async () => {
    const { cluster } = await clusterFixture('recby', cleanups);
    await annotate(custom, cluster, { 'slipway.io/reconcile': 'Auto' });
    let c = await getCluster(cluster);
    const by = verifyReconcileBy(key, cluster, c.metadata.annotations?.[RECONCILE_BY_ANNOTATION]);
    assert.ok(by.ok, by.ok ? '' : by.why);

    // Neither another user nor the admin writes it; a copy from another Cluster is as refused.
    const forged = await refused(annotate(operator.client, cluster, { [RECONCILE_BY_ANNOTATION]: 'someone' }));
    assert.match(forged, /admission webhook "admission\.slipway\.io" denied the request/);
    assert.match(forged, /annotation slipway\.io\/reconcile-by is written by the admission webhook only/);
    await annotate(custom, cluster, { [RECONCILE_BY_ANNOTATION]: null });
    assert.equal((await getCluster(cluster)).metadata.annotations?.[RECONCILE_BY_ANNOTATION], c.metadata.annotations?.[RECONCILE_BY_ANNOTATION], 'an update leaving it out keeps it');
    const { cluster: other } = await clusterFixture('recby-other', cleanups);
    assert.match(await refused(annotate(custom, other, { 'slipway.io/reconcile': 'Auto', [RECONCILE_BY_ANNOTATION]: c.metadata.annotations![RECONCILE_BY_ANNOTATION]! })), /written by the admission webhook only/);

    // Other edits keep it; Plan removes it; Auto again records the user who sets it now.
    await annotate(operator.client, cluster, { note: 'x' });
    assert.equal((await getCluster(cluster)).metadata.annotations?.[RECONCILE_BY_ANNOTATION], c.metadata.annotations?.[RECONCILE_BY_ANNOTATION]);
    await annotate(custom, cluster, { 'slipway.io/reconcile': 'Plan' });
    assert.equal((await getCluster(cluster)).metadata.annotations?.[RECONCILE_BY_ANNOTATION], undefined);
    await annotate(operator.client, cluster, { 'slipway.io/reconcile': 'Auto' });
    c = await getCluster(cluster);
    const again = verifyReconcileBy(key, cluster, c.metadata.annotations?.[RECONCILE_BY_ANNOTATION]);
    assert.ok(again.ok && again.body.author.username === operator.name, JSON.stringify(again));
  });

  it('refuses Auto to a user who may not create operations', async () => {
    const { cluster } = await clusterFixture('recby-viewer', cleanups);
    const text = await refused(annotate(viewer.client, cluster, { 'slipway.io/reconcile': 'Auto' }));
    assert.match(text, new RegExp(`slipway\\.io/reconcile=Auto creates ClusterOperations as the user who sets it, and user "${viewer.name}" may not create clusteroperations\\.kubean\\.io`));
    await annotate(viewer.client, cluster, { 'slipway.io/reconcile': 'Plan' });
  });

  it('refuses an operation claiming to be generated without the controller’s signature, or with one made for another spec', async () => {
    const { cluster } = await clusterFixture('recby-claim', cleanups);
    const name = env.randomName('claim');
    const body = (annotations: Record<string, string>, action = 'ping.yml'): ClusterOperation => {
      const op = operationObject(name, { cluster, action });
      return { ...op, metadata: { ...op.metadata, labels: { [GENERATED_BY_LABEL]: 'reconcile' }, annotations } };
    };
    assert.match(await refused(custom.createClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, body: body({ [GENERATED_ANNOTATION]: 'x.y' }) })), /annotation slipway\.io\/generated is the controller's/);
    const signed = signGenerated(key, name, body({}).spec, { username: 'system:admin' }, new Date());
    assert.match(
      await refused(custom.createClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, body: body({ [GENERATED_ANNOTATION]: signed }, 'reset.yml') })),
      /slipway\.io\/generated is the controller's \(Auto's operations\): it was signed for another spec/,
    );
  });

  it("Auto set by a user who may not read the Cluster's Secret: the operation it generates is refused as theirs, and the status says so", async () => {
    const { ns, cluster } = await clusterFixture('recby-borrow', cleanups);
    await startController(ns, running, { declarative: { intervalMs: 500 } });
    await annotate(operator.client, cluster, { 'slipway.io/reconcile': 'Auto' });
    const stopped = await eventually('status.convergence.stopped', async () => (await getCluster(cluster)).status?.convergence?.stopped);
    assert.match(stopped, /the next operation \(cluster\.yml\) could not be created: .*admission webhook "admission\.slipway\.io" denied the request/);
    assert.ok(stopped.includes(`user "${operator.name}" may not get secrets ${ns}/ssh`), stopped);
    const ops = (await custom.listClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] };
    assert.deepEqual(ops.items.filter((o) => o.spec.cluster === cluster), [], 'nothing was created');
  });

  it('Auto set where the webhook did not see it: nothing is generated, and the status says why', async () => {
    const ns = await env.namespace('recby-nowebhook');
    await createClusterInputs(core, ns, {});
    const cluster = env.randomName('recby-nowebhook');
    const body = clusterObject(cluster, ns);
    body.metadata = { name: cluster, labels: { [SKIP_ADMISSION_LABEL]: 'true' }, annotations: { 'slipway.io/reconcile': 'Auto' } };
    await custom.createClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, body });
    cleanups.push(() => custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name: cluster }));
    await startController(ns, running, { declarative: { intervalMs: 500 } });
    const stopped = await eventually('status.convergence.stopped', async () => (await getCluster(cluster)).status?.convergence?.stopped);
    assert.match(stopped, /Auto creates operations as the user who set it, which the admission webhook records in slipway\.io\/reconcile-by; it has no slipway\.io\/reconcile-by annotation: set slipway\.io\/reconcile=Auto again with the webhook deployed/);
    assert.deepEqual((await getCluster(cluster)).status?.convergence?.pending?.map((p) => p.action), ['cluster.yml'], 'the plan is still shown');
    const ops = (await custom.listClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL })) as { items: ClusterOperation[] };
    assert.deepEqual(ops.items.filter((o) => o.spec.cluster === cluster), []);
  });
});
