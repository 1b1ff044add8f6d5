import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type V1Job } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation, type ClusterOperationSpec } from '../../src/api/types.js';
import { KUBECONFIG_OPERATION_ANNOTATION } from '../../src/engine/job-plan.js';
import { DEFAULT_JOB_RESOURCES } from '../../src/executors/job-resources.js';
import { defaultJobImagePolicy } from '../../src/policy/job-image.js';
import { createLogger } from '../../src/cli/logger.js';
import { FAIL_POD_LABEL, FAKE_NODE_LABEL } from '../env/index.js';
import { fakeInstall } from '../fixtures/fake-install.js';
import { clusterObject, TWO_NODE_HOSTS } from '../fixtures/kube-cluster.js';
import { hostsYmlOf } from '../fixtures/test-cluster.js';
import { apiServerOf, apiserverObjects } from '../job-image/kube-pod.js';
import { preparePod, runPodHere } from '../job-image/pod-emulator.js';
import {
  batch, clusterFixture, core, createOperation, custom, env, eventually, finished, getCluster, getOp, gone, HELD_NAMESPACE_PREFIX, jobsOf, releasePod, runningPod, startController, testLifecycle,
} from './controller-harness.js';
import { sshHostsInventory, sshHostsSecret } from './ssh-hosts-fixture.js';

const { cleanups, running } = testLifecycle();

const HOSTS = TWO_NODE_HOSTS;
/** A spec running the cluster's ConfigMap `actions` cluster.yml, as an install. */
const configMapInstall = (cluster: string, ns: string, more: Partial<ClusterOperationSpec> = {}): Partial<ClusterOperationSpec> & { cluster: string } =>
  ({ cluster, action: 'cluster.yml', actionSource: 'configmap', actionSourceRef: { namespace: ns, name: 'actions' }, ...more });
const PING = '- name: Ping\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: Ping\n      ansible.builtin.ping:\n';

describe('slipway controller with Jobs (kwok runs the pods)', () => {
  it('runs a ClusterOperation as exactly one hardened Job; Succeeded; the Cluster goes Installing → Healthy; deleting the operation deletes its Job and plan objects, never the user\'s', async () => {
    const { ns, cluster } = await clusterFixture('ctl-ok', cleanups, { hosts: HOSTS, actions: { 'cluster.yml': PING } });
    await startController(ns, running);
    const name = env.randomName('install');
    const op = await createOperation(name, configMapInstall(cluster, ns, {
      activeDeadlineSeconds: 900,
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    }), cleanups);
    const runningOp = await eventually('Running with a Job and the cluster Installing', async () => {
      const [o, c] = await Promise.all([getOp(name), getCluster(cluster)]);
      return o.status?.status === 'Running' && c.status?.phase === 'Installing' ? o : undefined;
    });
    assert.ok(runningOp.status?.jobRef, 'status.jobRef');
    const jobs = await jobsOf(ns, op.metadata.uid!);
    assert.equal(jobs.length, 1);
    const job = jobs[0] as V1Job;
    assert.equal(runningOp.status?.jobRef?.name, job.metadata?.name);
    assert.deepEqual(job.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]), [['ClusterOperation', name, op.metadata.uid, true]]);
    assert.equal(job.spec?.backoffLimit, 0);
    assert.equal(job.spec?.activeDeadlineSeconds, 900);
    const pod = job.spec!.template.spec!;
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual([pod.securityContext?.runAsUser, pod.securityContext?.fsGroup, pod.securityContext?.runAsNonRoot, pod.securityContext?.seccompProfile?.type], [65532, 65532, true, 'RuntimeDefault']);
    const container = pod.containers[0]!;
    assert.equal(pod.containers.length, 1);
    assert.equal(container.image, 'registry.invalid/slipway/job:test');
    assert.deepEqual(container.resources?.requests, { cpu: '100m', memory: '64Mi' });
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
    const mounts = Object.fromEntries((container.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
    assert.deepEqual(Object.keys(mounts).sort(), ['/agent', '/conf', '/plan', '/tmp'], 'the ansible container mounts no key');
    const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
    assert.ok(volumes[mounts['/tmp']!]?.emptyDir);
    // The key: in the ssh-agent native sidecar alone, hardened alike; a ConfigMap cluster.yml fetches no kubeconfig, so no uploader.
    const [agent, ...more] = pod.initContainers ?? [];
    assert.deepEqual([agent?.name, agent?.restartPolicy, more.length], ['ssh-agent', 'Always', 0]);
    assert.deepEqual(agent?.securityContext, container.securityContext);
    const agentMounts = Object.fromEntries((agent?.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
    const authSources = volumes[agentMounts['/auth']!]?.projected?.sources ?? [];
    assert.deepEqual(authSources.map((s) => s.secret?.name), ['ssh'], 'the user\'s own Secret is mounted at /auth, in the sidecar');
    assert.equal(agentMounts['/agent'], mounts['/agent']);
    assert.equal(pod.serviceAccountName, undefined);
    const planName = `${job.metadata!.name}-plan`;
    const planCm = await core.readNamespacedConfigMap({ name: planName, namespace: ns });
    const planSecret = await core.readNamespacedSecret({ name: planName, namespace: ns });
    assert.equal(planCm.metadata?.ownerReferences?.[0]?.uid, op.metadata.uid);
    assert.deepEqual(planSecret.metadata?.ownerReferences?.map((o) => [o.kind, o.uid]), [['ConfigMap', planCm.metadata?.uid]]);
    assert.ok(planSecret.data?.['group_vars.yml'] !== undefined && planCm.data?.['group_vars.yml'] === undefined, 'group_vars.yml is in the plan Secret');
    assert.deepEqual(JSON.parse(JSON.stringify(agent?.resources)), DEFAULT_JOB_RESOURCES.sshAgent, 'the sidecar has its requests and limits');
    assert.ok(planCm.data?.['plan.json']?.includes('cluster.yml'));
    assert.ok(!JSON.stringify(planCm.data).includes('OPENSSH'), 'the key is in no plan object');

    const done = await finished(name);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    assert.equal(done.status?.hasModified, false);
    // The operation has ended: its plan objects go (the Job stays, for its log, until the operation is pruned).
    await eventually('the plan ConfigMap to be deleted at the end', () => gone(() => core.readNamespacedConfigMap({ name: planName, namespace: ns })));
    await eventually('the plan Secret to be deleted at the end', () => gone(() => core.readNamespacedSecret({ name: planName, namespace: ns })));
    await batch.readNamespacedJob({ name: job.metadata!.name!, namespace: ns });
    const c = await getCluster(cluster);
    assert.equal(c.status?.phase, 'Healthy');
    assert.deepEqual(c.status?.conditions?.map((x) => [x.clusterOps, x.status]), [[name, 'Succeeded']]);
    assert.equal((await jobsOf(ns, op.metadata.uid!)).length, 1, 'still one Job');
    const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` });
    assert.ok(events.items.some((e) => e.reason === 'Succeeded'), 'an Event on the operation');

    // The spec changes after the run: recorded, never run again.
    await custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name, body: [{ op: 'replace', path: '/spec/extraArgs', value: '-e x=1' }] },
      (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/json-patch+json'),
    );
    await eventually('hasModified', async () => ((await getOp(name)).status?.hasModified ? true : undefined));
    assert.equal((await jobsOf(ns, op.metadata.uid!)).length, 1);

    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name });
    await eventually('the Job to be collected', () => gone(() => batch.readNamespacedJob({ name: job.metadata!.name!, namespace: ns })));
    await eventually('the plan ConfigMap to be collected', () => gone(() => core.readNamespacedConfigMap({ name: planName, namespace: ns })));
    await eventually('the plan Secret to be collected', () => gone(() => core.readNamespacedSecret({ name: planName, namespace: ns })));
    for (const n of ['hosts', 'vars', 'actions']) await core.readNamespacedConfigMap({ name: n, namespace: ns });
    await core.readNamespacedSecret({ name: 'ssh', namespace: ns });
  });

  it('a failing pod fails the operation with the pod\'s reason', async () => {
    const { ns, cluster } = await clusterFixture('ctl-fail', cleanups, { hosts: HOSTS });
    await startController(ns, running, { jobPod: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value }, labels: { [FAIL_POD_LABEL.key]: FAIL_POD_LABEL.value } } });
    const name = env.randomName('fails');
    await createOperation(name, { cluster }, cleanups);
    const done = await finished(name);
    assert.equal(done.status?.status, 'Failed');
    // The pod's end decides, a second before the Job controller would mark the Job Failed (BackoffLimitExceeded).
    assert.match(done.status?.message ?? '', /pod \S+ failed: Error: failed on purpose \(slipway.test\/fail=true\) \(exit code 1\)/);
    assert.doesNotMatch(done.status?.message ?? '', /BackoffLimitExceeded/);
  });

  it('a Job whose deadline passes before its pod runs fails the operation with the Job\'s reason', async () => {
    const { ns, cluster } = await clusterFixture('ctl-deadline', cleanups, { hosts: HOSTS });
    // No node matches: the pod stays Pending until the Job controller ends the Job.
    await startController(ns, running, { jobPod: { nodeSelector: { 'slipway.test/no-such-node': 'true' } } });
    const name = env.randomName('deadline');
    await createOperation(name, { cluster, activeDeadlineSeconds: 2 }, cleanups);
    const done = await finished(name);
    assert.equal(done.status?.status, 'Failed');
    assert.match(done.status?.message ?? '', /Job (FailureTarget|Failed) \(DeadlineExceeded\)/);
  });

  it('three operations created at once on one cluster run one after another in creation order; the waiting ones say they wait for their cluster\'s turn', async () => {
    const { ns, cluster } = await clusterFixture('ctl-turns', cleanups, { hosts: HOSTS });
    // Created before the controller starts: it queues all three in one call after its first list.
    const names = ['a', 'b', 'c'].map((p) => `${p}-${env.randomName('turn')}`);
    for (const n of names) await createOperation(n, { cluster }, cleanups);
    await startController(ns, running);
    const seenWaiting = new Map<string, string>();
    await eventually('all three finished', async () => {
      const ops = await Promise.all(names.map(getOp));
      for (const o of ops) if (o.status?.status === 'Waiting') seenWaiting.set(o.metadata.name!, o.status.message ?? '');
      return ops.every((o) => o.status?.status === 'Succeeded' || o.status?.status === 'Failed') ? ops : undefined;
    }, 120_000);
    const ops = await Promise.all(names.map(getOp));
    for (const o of ops) assert.equal(o.status?.status, 'Succeeded', `${o.metadata.name}: ${o.status?.message}`);
    for (let i = 1; i < ops.length; i++) {
      assert.ok(Date.parse(ops[i]!.status!.startTime!) >= Date.parse(ops[i - 1]!.status!.endTime!), `${names[i]} started after ${names[i - 1]} ended`);
    }
    for (const n of names.slice(1)) assert.match(seenWaiting.get(n) ?? '', new RegExp(`waiting for its turn on cluster ${cluster}`));
    for (const o of ops) assert.equal((await jobsOf(ns, o.metadata.uid!)).length, 1);
  });
  it("stores an install's admin kubeconfig through the pod's uploader sidecar (the pod emulated here, its token real) in <cluster>-kubeconfig and the Cluster's status; never in status, Events or the log", async () => {
    // held-*: kwok keeps the pod Running while the emulator plays it, until released.
    const install = fakeInstall(env.randomName('k'), join(env.runDir, env.randomName('kcfg-dir')));
    const { ns, cluster } = await clusterFixture(`${HELD_NAMESPACE_PREFIX}kcfg`, cleanups, {
      hosts: hostsYmlOf(env, { hostVars: { [env.hosts[0]!.name]: install.vars } }),
      secret: { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8'), known_hosts: await readFile(env.knownHostsPath, 'utf8') },
      actions: { 'cluster.yml': install.playbook },
    });
    const logFile = join(env.runDir, env.randomName('jkcfg-controller') + '.log');
    await startController(ns, running, { operator: { allowLoopbackHosts: true }, jobPod: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value } }, logger: createLogger({ level: 'debug', destination: logFile }) });
    const name = env.randomName('install');
    const op = await createOperation(name, configMapInstall(cluster, ns, { postHook: [{ actionType: 'playbook', action: 'kubeconfig.yml' }] }), cleanups);
    const held = await runningPod(ns, op, 180_000);
    const pod = await core.readNamespacedPod({ name: held.pod, namespace: ns });
    assert.deepEqual(pod.spec?.initContainers?.map((c) => c.name), ['ssh-agent', 'kubeconfig-upload']);
    const objects = apiserverObjects(env.kubeConfig, ns, { name: held.pod, uid: pod.metadata!.uid! });
    await eventually('kube-root-ca.crt', () => objects.configMap('kube-root-ca.crt'));
    const run = await runPodHere(await preparePod(pod.spec!, objects, env.runDir), { apiServer: apiServerOf(env.apiServerUrl) });
    assert.equal(run.main.exitCode, 0, run.main.stderr + run.main.stdout);
    await releasePod(ns, held.pod);

    const done = await finished(name, 180_000);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    const c = await getCluster(cluster);
    const secretName = `${cluster}-kubeconfig`;
    assert.deepEqual(c.status?.kubeconfigSecretRef, { namespace: ns, name: secretName });
    const secret = await core.readNamespacedSecret({ name: secretName, namespace: ns });
    assert.equal(Buffer.from(secret.data?.value ?? '', 'base64').toString('utf8'), install.kubeconfig);
    assert.deepEqual(secret.metadata?.ownerReferences?.map((o) => o.kind), ['Cluster']);

    const events = await core.listNamespacedEvent({ namespace: 'default' });
    const mine = events.items.filter((e) => e.involvedObject.name === name || e.involvedObject.name === cluster);
    assert.ok(mine.some((e) => e.reason === 'Succeeded'));
    for (const stop of running.splice(0).reverse()) await stop();
    const log = await readFile(logFile, 'utf8');
    assert.match(log, /"msg":"leading"/, 'the log is this controller\'s');
    for (const [where, text] of [['operation status', JSON.stringify(done.status)], ['cluster status', JSON.stringify(c.status)], ['Events', JSON.stringify(mine)], ['log', log]] as const) {
      assert.ok(!text.includes(install.clientKey), `the client key is not in the ${where}`);
      assert.ok(!text.includes('kubernetes-admin@cluster.local'), `the kubeconfig is not in the ${where}`);
    }
  });

  /**
   * Held until released: the test plays the uploader by writing the drop-box as the pod's sidecar
   * would. One controller at a time (every controller reconciles every operation): an earlier
   * call's stops first.
   */
  async function heldUpload(prefix: string, upload: (dropBox: string, op: ClusterOperation) => object | undefined, before?: (ns: string, cluster: string) => Promise<void>) {
    for (const stop of running.splice(0).reverse()) await stop();
    const { ns, cluster } = await clusterFixture(`${HELD_NAMESPACE_PREFIX}${prefix}`, cleanups, { hosts: HOSTS });
    await before?.(ns, cluster);
    await startController(ns, running);
    const name = env.randomName('fetch');
    const op = await createOperation(name, { cluster, postHook: [{ actionType: 'playbook', action: 'kubeconfig.yml' }] }, cleanups);
    const held = await runningPod(ns, op);
    const [job] = await jobsOf(ns, op.metadata.uid!);
    const dropBox = `${job!.metadata!.name}-kubeconfig`;
    assert.deepEqual(job?.spec?.template.spec?.initContainers?.map((c) => c.name), ['ssh-agent', 'kubeconfig-upload']);
    const body = upload(dropBox, op);
    if (body) await core.patchNamespacedSecret({ name: dropBox, namespace: ns, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await releasePod(ns, held.pod);
    return { ns, cluster, name, op, job: job!, dropBox, done: await finished(name) };
  }
  const upload = (text: string, uid: string | undefined) => ({
    metadata: { annotations: { [KUBECONFIG_OPERATION_ANNOTATION]: uid } },
    data: { value: Buffer.from(text).toString('base64') },
  });
  const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://10.6.0.11:6443"}}]\nusers: [{name: admin, user: {token: t0ken-of-the-test}}]\n';

  it("stores a checked upload in <cluster>-kubeconfig; leaves that name alone when it is another's Secret, and says so", async () => {
    const stored = await heldUpload('kcfg-ok', (_dropBox, op) => upload(KUBECONFIG, op.metadata.uid));
    assert.equal(stored.done.status?.status, 'Succeeded', stored.done.status?.message);
    const secretName = `${stored.cluster}-kubeconfig`;
    assert.deepEqual((await getCluster(stored.cluster)).status?.kubeconfigSecretRef, { namespace: stored.ns, name: secretName });
    const secret = await core.readNamespacedSecret({ name: secretName, namespace: stored.ns });
    assert.equal(Buffer.from(secret.data?.value ?? '', 'base64').toString('utf8'), KUBECONFIG);
    assert.deepEqual(secret.metadata?.ownerReferences?.map((o) => o.kind), ['Cluster']);

    const taken = await heldUpload('kcfg-taken', (_dropBox, op) => upload(KUBECONFIG, op.metadata.uid), async (ns, cluster) => {
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `${cluster}-kubeconfig` }, stringData: { value: 'someone else\'s' } } });
    });
    assert.equal(taken.done.status?.status, 'Succeeded', taken.done.status?.message);
    const theirs = await core.readNamespacedSecret({ name: `${taken.cluster}-kubeconfig`, namespace: taken.ns });
    assert.equal(Buffer.from(theirs.data?.value ?? '', 'base64').toString('utf8'), 'someone else\'s');
    assert.equal((await getCluster(taken.cluster)).status?.kubeconfigSecretRef, undefined);
    await eventually('a KubeconfigNotStored Event', async () => {
      const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${taken.cluster}` });
      return events.items.find((e) => e.reason === 'KubeconfigNotStored');
    });
  });

  it('refuses a malformed or oversize upload with a clear reason: the operation fails and nothing is stored', async () => {
    const cases: [string, (dropBox: string, op: ClusterOperation) => object, RegExp][] = [
      ['not a kubeconfig', (_d, op) => upload('kind: Pod\nmetadata: {name: x}\n', op.metadata.uid), /the uploaded kubeconfig was refused: it is not a kubeconfig/],
      ['oversize', (_d, op) => upload(`${KUBECONFIG}# ${'x'.repeat(300 * 1024)}\n`, op.metadata.uid), /the uploaded kubeconfig was refused: it is larger than 262144 bytes/],
      ['another operation\'s', () => upload(KUBECONFIG, 'another-operation'), /does not carry this operation's uid/],
    ];
    for (const [what, body, reason] of cases) {
      const r = await heldUpload('kcfg-bad', body);
      assert.equal(r.done.status?.status, 'Failed', what);
      assert.match(r.done.status?.message ?? '', reason, what);
      await assert.rejects(core.readNamespacedSecret({ name: `${r.cluster}-kubeconfig`, namespace: r.ns }), (err: { code?: number }) => err.code === 404, `${what}: nothing stored`);
      assert.equal((await getCluster(r.cluster)).status?.kubeconfigSecretRef, undefined, what);
      assert.ok(!JSON.stringify(r.done.status).includes('t0ken-of-the-test'), what);
    }
  });

  it('leaves none of an operation\'s own objects once it has ended: plan ConfigMap and Secret, key copy, drop-box, the uploader\'s ServiceAccount, Role and RoleBinding', async () => {
    // The SSH Secret in another namespace than the controller's: the key is copied for the Job.
    const inputs = await clusterFixture('ctl-left', cleanups, { hosts: HOSTS });
    const controllerNs = await env.namespace('ctl-left-jobs');
    await startController(controllerNs, running);
    const name = env.randomName('fetch');
    const op = await createOperation(name, { cluster: inputs.cluster, postHook: [{ actionType: 'playbook', action: 'kubeconfig.yml' }] }, cleanups);
    const job = await eventually('its Job', async () => (await jobsOf(controllerNs, op.metadata.uid!))[0]);
    const jobName = job.metadata!.name!;
    const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const reads: [string, () => Promise<unknown>][] = [
      ['plan ConfigMap', () => core.readNamespacedConfigMap({ name: `${jobName}-plan`, namespace: controllerNs })],
      ['plan Secret', () => core.readNamespacedSecret({ name: `${jobName}-plan`, namespace: controllerNs })],
      ['key copy', () => core.readNamespacedSecret({ name: `${jobName}-auth`, namespace: controllerNs })],
      ['drop-box', () => core.readNamespacedSecret({ name: `${jobName}-kubeconfig`, namespace: controllerNs })],
      ['ServiceAccount', () => core.readNamespacedServiceAccount({ name: `${jobName}-kubeconfig`, namespace: controllerNs })],
      ['Role', () => rbac.readNamespacedRole({ name: `${jobName}-kubeconfig`, namespace: controllerNs })],
      ['RoleBinding', () => rbac.readNamespacedRoleBinding({ name: `${jobName}-kubeconfig`, namespace: controllerNs })],
    ];
    for (const [what, read] of reads) await read().catch((err: unknown) => assert.fail(`${what} made for the run: ${String(err)}`));
    const done = await finished(name);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    for (const [what, read] of reads) await eventually(`the ${what} to be gone once the operation ended`, () => gone(read));
    await batch.readNamespacedJob({ name: jobName, namespace: controllerNs });
    assert.ok(await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name }), 'the operation itself is kept');
  });

  it('fails an operation whose spec.image the operator does not allow before any Job is made, naming the problem, the image and the allowlist; the cluster\'s next operation runs, kubean\'s spray-job as the job image', async () => {
    const { ns, cluster } = await clusterFixture('ctl-image', cleanups, { hosts: HOSTS });
    await startController(ns, running, { jobImages: { jobImage: 'registry.invalid/slipway/job:test', allowed: ['registry.invalid/tools/*'], mappings: defaultJobImagePolicy('registry.invalid/slipway/job:test').mappings } });
    const refusedName = env.randomName('img-refused');
    const refused = await createOperation(refusedName, { cluster, image: 'attacker.example/steal-keys:1' }, cleanups);
    const nextName = env.randomName('img-kubean');
    const next = await createOperation(nextName, { cluster, image: 'ghcr.m.daocloud.io/kubean-io/spray-job:v0.37.0' }, cleanups);
    const allowedName = env.randomName('img-allowed');
    const allowed = await createOperation(allowedName, { cluster, image: 'registry.invalid/tools/kubespray:v2.27.0' }, cleanups);
    const failed = await finished(refusedName);
    assert.equal(failed.status?.status, 'Failed');
    assert.match(failed.status?.message ?? '', /job-image-refused/);
    assert.match(failed.status?.message ?? '', /attacker\.example\/steal-keys:1/);
    assert.match(failed.status?.message ?? '', /registry\.invalid\/slipway\/job:test, registry\.invalid\/tools\/\*/);
    assert.deepEqual(await jobsOf(ns, refused.metadata.uid!), [], 'no Job');
    assert.deepEqual((await core.listNamespacedConfigMap({ namespace: ns, labelSelector: `slipway.io/operation-uid=${refused.metadata.uid}` })).items, [], 'no plan object');
    for (const [n, o, image] of [[nextName, next, 'registry.invalid/slipway/job:test'], [allowedName, allowed, 'registry.invalid/tools/kubespray:v2.27.0']] as const) {
      const done = await finished(n);
      assert.equal(done.status?.status, 'Succeeded', done.status?.message);
      const [j] = await jobsOf(ns, o.metadata.uid!);
      const spec = j!.spec!.template.spec!;
      assert.equal(spec.containers[0]!.image, image);
      assert.deepEqual(spec.initContainers?.map((c) => c.image), ['registry.invalid/slipway/job:test'], 'the sidecar runs the job image');
    }
  });
});

describe('slipway controller with Jobs, many clusters', () => {
  it('runs the operations of many clusters at once: every one has its Job while the others still run', async () => {
    // held-*: the pods stay Running until released.
    const { ns, cluster } = await clusterFixture('held-fan', cleanups);
    const clusters = [cluster];
    for (let i = 1; i < 8; i++) {
      const name = env.randomName('held-fan');
      await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterObject(name, ns, { ssh: true }) });
      cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name }));
      clusters.push(name);
    }
    await startController(ns, running);
    const ops = await Promise.all(clusters.map((c) => createOperation(env.randomName('fan'), { cluster: c }, cleanups)));
    const pods = await eventually('a Running pod for every operation at once', async () => {
      const up = (await core.listNamespacedPod({ namespace: ns })).items.filter((p) => p.status?.phase === 'Running');
      return up.length === ops.length ? up : undefined;
    });
    for (const pod of pods) await releasePod(ns, pod.metadata!.name!);
    for (const op of ops) assert.equal((await finished(op.metadata.name!)).status?.status, 'Succeeded');
  });
});

describe('slipway controller --executor local', () => {
  it('runs real ansible against the SSH hosts and ends Succeeded', async () => {
    const hosts = sshHostsInventory();
    const secret = await sshHostsSecret();
    const { ns, cluster } = await clusterFixture('ctl-local', cleanups, { hosts, secret });
    await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
    const name = env.randomName('local');
    await createOperation(name, { cluster }, cleanups);
    const done = await finished(name);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    assert.ok((done.status?.steps ?? []).every((s) => s.status === 'Succeeded'));
    assert.equal(done.status?.jobRef, undefined);
  });
});
