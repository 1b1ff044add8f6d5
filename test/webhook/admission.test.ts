/**
 * The admission webhook against the real apiserver and the controller behind it, attacked by a
 * tenant (an impersonated user) who may create Clusters, ClusterOperations and ConfigMaps and
 * read their own SSH Secret, but not another tenant's: every ref is authorised as its author.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { CustomObjectsApi, RbacAuthorizationV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation, type ClusterSpec } from '../../src/api/types.js';
import { ADMITTED_ANNOTATION, verifyStamp } from '../../src/api/admission-stamp.js';
import { clusterRefs, operationRefs, refsDigest } from '../../src/api/object-refs.js';
import { SKIP_ADMISSION_LABEL } from '../env/index.js';
import { clientAs, refused } from './tenant-client.js';
import { createClusterInputs, INPUT_NAMES, ONE_NODE_HOSTS, operationObject } from '../fixtures/kube-cluster.js';
import { admissionKey, core, custom, env, eventually, finished, getCluster, getOp, gone, HELD_NAMESPACE_PREFIX, releasePod, runningPod, startController, testLifecycle } from '../controller/controller-harness.js';

const { cleanups, running } = testLifecycle();
const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
const kubean = { group: GROUP, version: VERSION };

const clusterBody = (name: string, spec: ClusterSpec, labels?: Record<string, string>): Cluster => ({ apiVersion: 'kubean.io/v1alpha1', kind: 'Cluster', metadata: { name, ...(labels ? { labels } : {}) }, spec });
/** Hosts of kwok's Jobs: never dialled. */
const KWOK_HOSTS = 'kwok-hosts';
const inputsIn = (ns: string, hosts: string = INPUT_NAMES.hosts): ClusterSpec => ({
  hostsConfRef: { namespace: ns, name: hosts },
  varsConfRef: { namespace: ns, name: INPUT_NAMES.vars },
  sshAuthRef: { namespace: ns, name: INPUT_NAMES.ssh },
});

async function created<T extends Cluster | ClusterOperation>(client: CustomObjectsApi, plural: string, body: T): Promise<T> {
  const obj = (await client.createClusterCustomObject({ ...kubean, plural, body })) as T;
  cleanups.push(() => custom.deleteClusterCustomObject({ ...kubean, plural, name: body.metadata.name! }).catch(() => undefined));
  return obj;
}

const stampOf = (o: { metadata: { annotations?: Record<string, string> } }) => o.metadata.annotations?.[ADMITTED_ANNOTATION];

describe('admission webhook: refs are authorised as their author', () => {
  let tenant = '';
  let tenantNs = '';
  let victimNs = '';
  let victimCluster = '';
  let asTenant: CustomObjectsApi;
  const hosts = `all:\n  hosts:\n${env.hosts
    .map((h) => `    ${h.name}:\n      ip: ${h.address}\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      ansible_user: ${env.sshUser}`)
    .join('\n')}\n  children:\n    kube_control_plane: {hosts: {${env.hosts[0]!.name}: }}\n    kube_node: {hosts: {${env.hosts[0]!.name}: }}\n    etcd: {hosts: {${env.hosts[0]!.name}: }}\n    k8s_cluster: {children: {kube_control_plane: , kube_node: }}\n`;

  before(async () => {
    tenant = env.randomName('tenant');
    asTenant = clientAs(tenant);
    [tenantNs, victimNs] = await Promise.all([env.namespace('tenant'), env.namespace('victim')]);
    const secret = { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8'), known_hosts: await readFile(env.knownHostsPath, 'utf8') };
    for (const ns of [tenantNs, victimNs]) {
      await createClusterInputs(core, ns, { hosts });
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: INPUT_NAMES.ssh }, stringData: secret } });
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: KWOK_HOSTS }, data: { 'hosts.yml': ONE_NODE_HOSTS } } });
    }
    victimCluster = env.randomName('victim');
    await created(custom, CLUSTER_PLURAL, clusterBody(victimCluster, inputsIn(victimNs, KWOK_HOSTS)));
    // The tenant: kubean objects (cluster-scoped), ConfigMaps in its namespace, its own Secret only.
    const role = env.randomName('tenant-kubean');
    await rbac.createClusterRole({ body: { metadata: { name: role }, rules: [{ apiGroups: [GROUP], resources: [CLUSTER_PLURAL, CLUSTER_OPERATION_PLURAL], verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'] }] } });
    await rbac.createClusterRoleBinding({ body: { metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: tenant }] } });
    cleanups.push(() => rbac.deleteClusterRole({ name: role }), () => rbac.deleteClusterRoleBinding({ name: role }));
    await rbac.createNamespacedRole({
      namespace: tenantNs,
      body: {
        metadata: { name: 'tenant' },
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list'] },
          { apiGroups: [''], resources: ['secrets'], resourceNames: [INPUT_NAMES.ssh], verbs: ['get'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({ namespace: tenantNs, body: { metadata: { name: 'tenant' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: tenant }] } });
  });

  it("refuses a Cluster naming another tenant's SSH Secret or vars ConfigMap, saying which ref and why", async () => {
    const name = env.randomName('steal');
    const text = await refused(asTenant.createClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, body: clusterBody(name, { ...inputsIn(tenantNs), sshAuthRef: { namespace: victimNs, name: INPUT_NAMES.ssh } }) }));
    assert.match(text, /admission webhook "admission\.slipway\.io" denied the request/);
    assert.ok(text.includes(`Cluster/${name} spec.sshAuthRef (secrets ${victimNs}/ssh): user "${tenant}" may not get secrets ${victimNs}/ssh`), text);
    const vars = await refused(asTenant.createClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, body: clusterBody(name, { ...inputsIn(tenantNs), varsConfRef: { namespace: victimNs, name: INPUT_NAMES.vars } }) }));
    assert.ok(vars.includes(`spec.varsConfRef (configmaps ${victimNs}/vars): user "${tenant}" may not get configmaps ${victimNs}/vars`), vars);
    assert.doesNotMatch(vars, /sshAuthRef/, 'only the refused refs are named');
    assert.match(await refused(getCluster(name)), /not found/);
  });

  it("refuses refs into the controller's namespace, an admin's too", async () => {
    const name = env.randomName('ctlns');
    const text = await refused(custom.createClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, body: clusterBody(name, { ...inputsIn(tenantNs), preCheckRef: { namespace: env.admission.namespace, name: 'slipway-webhook' } }) }));
    assert.ok(text.includes(`spec.preCheckRef (configmaps ${env.admission.namespace}/slipway-webhook): namespace ${env.admission.namespace} is the controller's own`), text);
  });

  it("refuses an operation on another tenant's Cluster whose Secret its author cannot read, and every ref of its own that it cannot", async () => {
    const name = env.randomName('hijack');
    const text = await refused(asTenant.createClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, body: operationObject(name, { cluster: victimCluster }) }));
    assert.ok(text.includes(`Cluster/${victimCluster} spec.sshAuthRef (secrets ${victimNs}/ssh): user "${tenant}" may not get secrets ${victimNs}/ssh`), text);
    assert.ok(text.includes(`Cluster/${victimCluster} spec.hostsConfRef (configmaps ${victimNs}/${KWOK_HOSTS})`), text);
    const own = env.randomName('own');
    await created(asTenant, CLUSTER_PLURAL, clusterBody(own, inputsIn(tenantNs)));
    const hooks = await refused(asTenant.createClusterCustomObject({
      ...kubean,
      plural: CLUSTER_OPERATION_PLURAL,
      body: operationObject(name, { cluster: own, postHook: [{ actionType: 'playbook', action: 'x.yml', actionSource: 'configmap', actionSourceRef: { namespace: victimNs, name: 'playbooks' } }], sshAuthRef: { namespace: victimNs, name: INPUT_NAMES.ssh } }),
    }));
    assert.ok(hooks.includes(`ClusterOperation/${name} spec.postHook[0].actionSourceRef (configmaps ${victimNs}/playbooks)`), hooks);
    assert.ok(hooks.includes(`ClusterOperation/${name} spec.sshAuthRef (secrets ${victimNs}/ssh)`), hooks);
  });

  it('replaces a stamp its author wrote, keeps it through label edits by others, re-checks changed refs', async () => {
    const key = await admissionKey();
    const victim = await getCluster(victimCluster);
    const forged = stampOf(victim);
    assert.ok(forged, 'the victim Cluster was stamped');
    assert.equal(verifyStamp(key, forged, `Cluster/${victimCluster}`, refsDigest(clusterRefs(victim.spec))).ok, true);
    const name = env.randomName('forge');
    const c = await created(asTenant, CLUSTER_PLURAL, { ...clusterBody(name, inputsIn(tenantNs)), metadata: { name, annotations: { [ADMITTED_ANNOTATION]: forged! } } });
    const stamp = stampOf(c);
    assert.notEqual(stamp, forged);
    const check = verifyStamp(key, stamp, `Cluster/${name}`, refsDigest(clusterRefs(c.spec)));
    assert.ok(check.ok, 'its own stamp');
    assert.equal(check.body.author.username, tenant);
    assert.ok(check.body.author.groups?.includes('system:authenticated'));
    const merge = setHeaderOptions('Content-Type', 'application/merge-patch+json');
    // Overwriting it: the old stamp comes back.
    const patched = (await asTenant.patchClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name, body: { metadata: { annotations: { [ADMITTED_ANNOTATION]: 'x.y' } } } }, merge)) as Cluster;
    assert.equal(stampOf(patched), stamp);
    // Someone else's label edit: the author stays the tenant.
    const labelled = (await custom.patchClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name, body: { metadata: { labels: { team: 'a' } } } }, merge)) as Cluster;
    assert.equal(stampOf(labelled), stamp);
    // New refs are checked as whoever sets them.
    const text = await refused(asTenant.patchClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name, body: { spec: { sshAuthRef: { namespace: victimNs, name: INPUT_NAMES.ssh } } } }, merge));
    assert.ok(text.includes(`may not get secrets ${victimNs}/ssh`), text);
  });

  it('fails operations that were never admitted (or carry a copied stamp) with the reason, and runs the next valid one of the cluster', async () => {
    const ns = await env.namespace('adm-ctl');
    await startController(ns, running);
    const own = env.randomName('unadm');
    await created(asTenant, CLUSTER_PLURAL, clusterBody(own, inputsIn(tenantNs, KWOK_HOSTS)));
    const skipped = env.randomName('skipped');
    await created(asTenant, CLUSTER_OPERATION_PLURAL, { ...operationObject(skipped, { cluster: own }), metadata: { name: skipped, labels: { [SKIP_ADMISSION_LABEL]: 'true' } } });
    // A stamp copied from an admitted operation onto an unadmitted one of the same refs.
    const donor = await created(custom, CLUSTER_OPERATION_PLURAL, operationObject(env.randomName('donor'), { cluster: victimCluster }));
    const copied = env.randomName('copied');
    await created(asTenant, CLUSTER_OPERATION_PLURAL, { ...operationObject(copied, { cluster: own }), metadata: { name: copied, labels: { [SKIP_ADMISSION_LABEL]: 'true' }, annotations: { [ADMITTED_ANNOTATION]: stampOf(donor)! } } });
    const good = env.randomName('good');
    await created(asTenant, CLUSTER_OPERATION_PLURAL, operationObject(good, { cluster: own }));
    const a = await finished(skipped);
    assert.equal(a.status?.status, 'Failed');
    assert.match(a.status?.message ?? '', new RegExp(`^not-admitted: ClusterOperation/${skipped} was not admitted by the webhook: it has no slipway.io/admitted annotation`));
    assert.equal(a.status?.jobRef, undefined, 'nothing ran');
    const b = await finished(copied);
    assert.match(b.status?.message ?? '', new RegExp(`^not-admitted: ClusterOperation/${copied} was not admitted by the webhook: its slipway.io/admitted annotation was made for ClusterOperation/${donor.metadata.name}`));
    const c = await finished(good);
    assert.equal(c.status?.status, 'Succeeded', c.status?.message);
    // Named by the apiserver after admission: the stamp names its generateName prefix.
    const generated = (await asTenant.createClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, body: { ...operationObject('', { cluster: own }), metadata: { generateName: 'gen-' } } })) as ClusterOperation;
    cleanups.push(() => custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name: generated.metadata.name! }).catch(() => undefined));
    assert.equal((await finished(generated.metadata.name!)).status?.status, 'Succeeded');
    assert.equal((await finished(donor.metadata.name!)).status?.status, 'Succeeded');
  });

  it('fails an operation re-created under an earlier one\'s name with its stamp copied', async () => {
    const ns = await env.namespace('adm-ctl');
    await startController(ns, running, { admission: { key: await admissionKey(), protectedNamespace: env.admission.namespace, stampLeadMs: 1000 } });
    const name = env.randomName('replayed');
    const original = await created(custom, CLUSTER_OPERATION_PLURAL, operationObject(name, { cluster: victimCluster }));
    assert.equal((await finished(name)).status?.status, 'Succeeded');
    await custom.deleteClusterCustomObject({ ...kubean, plural: CLUSTER_OPERATION_PLURAL, name });
    await eventually(`${name} gone`, () => gone(() => getOp(name)));
    // creationTimestamp has whole seconds: past the lead by more than one.
    await new Promise((r) => setTimeout(r, 2500));
    await created(asTenant, CLUSTER_OPERATION_PLURAL, { ...operationObject(name, { cluster: victimCluster }), metadata: { name, labels: { [SKIP_ADMISSION_LABEL]: 'true' }, annotations: { [ADMITTED_ANNOTATION]: stampOf(original)! } } });
    const done = await finished(name);
    assert.equal(done.status?.status, 'Failed');
    assert.match(done.status?.message ?? '', /^not-admitted: .* annotation was made at .*, before it was created: it is an earlier object's$/);
  });

  it('fails the operations of a Cluster that was never admitted', async () => {
    const ns = await env.namespace('adm-ctl');
    await startController(ns, running);
    const cluster = env.randomName('unadm-cluster');
    // An admin wrote it while the webhook was away: nobody vouched for its refs.
    await created(custom, CLUSTER_PLURAL, clusterBody(cluster, inputsIn(victimNs), { [SKIP_ADMISSION_LABEL]: 'true' }));
    assert.equal(stampOf(await getCluster(cluster)), undefined);
    const op = env.randomName('on-unadm');
    await created(custom, CLUSTER_OPERATION_PLURAL, operationObject(op, { cluster }));
    const done = await finished(op);
    assert.equal(done.status?.status, 'Failed');
    assert.match(done.status?.message ?? '', new RegExp(`^not-admitted: Cluster/${cluster} was not admitted by the webhook`));
  });

  it("re-checks the author against the Cluster's refs when the turn comes: a Cluster re-pointed at a Secret the author cannot read fails the waiting operation", async () => {
    const ns = await env.namespace(`${HELD_NAMESPACE_PREFIX}adm`);
    await startController(ns, running);
    const cluster = env.randomName('repoint');
    await created(asTenant, CLUSTER_PLURAL, clusterBody(cluster, inputsIn(tenantNs, KWOK_HOSTS)));
    const first = await created(asTenant, CLUSTER_OPERATION_PLURAL, operationObject(env.randomName('first'), { cluster }));
    const { pod } = await runningPod(ns, first);
    const second = await created(asTenant, CLUSTER_OPERATION_PLURAL, operationObject(env.randomName('second'), { cluster }));
    const merge = setHeaderOptions('Content-Type', 'application/merge-patch+json');
    // An admin may: the Cluster's stamp becomes theirs, the waiting operation's author is still the tenant.
    await custom.patchClusterCustomObject({ ...kubean, plural: CLUSTER_PLURAL, name: cluster, body: { spec: { sshAuthRef: { namespace: victimNs, name: INPUT_NAMES.ssh } } } }, merge);
    await releasePod(ns, pod);
    assert.equal((await finished(first.metadata.name!)).status?.status, 'Succeeded');
    const done = await finished(second.metadata.name!);
    assert.equal(done.status?.status, 'Failed');
    assert.ok((done.status?.message ?? '').startsWith(`ref-forbidden: its author may no longer use what it runs with: Cluster/${cluster} spec.sshAuthRef (secrets ${victimNs}/ssh): user "${tenant}" may not get secrets ${victimNs}/ssh`), done.status?.message);
    assert.equal(done.status?.jobRef, undefined, 'nothing ran');
  });

  it("runs a tenant's own operation end to end: real ansible on the SSH hosts with the tenant's key", async () => {
    const ns = await env.namespace('adm-local');
    await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
    const cluster = env.randomName('tenant-ok');
    await created(asTenant, CLUSTER_PLURAL, clusterBody(cluster, inputsIn(tenantNs)));
    const name = env.randomName('ping');
    const op = await created(asTenant, CLUSTER_OPERATION_PLURAL, operationObject(name, { cluster }));
    const check = verifyStamp(await admissionKey(), stampOf(op), `ClusterOperation/${name}`, refsDigest(operationRefs(op.spec), cluster));
    assert.ok(check.ok && check.body.author.username === tenant);
    const done = await finished(name, 120_000);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    assert.ok((done.status?.steps ?? []).length > 0 && (done.status?.steps ?? []).every((s) => s.status === 'Succeeded'));
    assert.equal((await getOp(name)).metadata.annotations?.[ADMITTED_ANNOTATION], stampOf(op), 'the controller\'s status writes kept the stamp');
  });
});
