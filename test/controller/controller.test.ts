import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RbacAuthorizationV1Api, type V1Job } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperationSpec } from '../../src/api/types.js';
import { createLogger } from '../../src/util/logger.js';
import { FAIL_POD_LABEL, FAKE_NODE_LABEL } from '../env/index.js';
import { fakeInstall } from '../fixtures/fake-install.js';
import { clusterObject } from '../fixtures/kube-cluster.js';
import { hostsYmlOf } from '../fixtures/test-cluster.js';
import { apiServerOf, apiserverObjects } from '../job-image/kube-pod.js';
import { preparePod, runPodHere } from '../job-image/pod-emulator.js';
import {
  batch, clusterFixture, core, createOperation, custom, env, eventually, finished, getCluster, getOp, gone, HELD_NAMESPACE_PREFIX, jobsOf, releasePod, runningPod, startController, testLifecycle,
} from './controller-harness.js';

const { cleanups, running } = testLifecycle();

const HOSTS = `all:
  hosts:
    node1: {ip: 10.6.0.11, ansible_host: 10.6.0.11}
    node2: {ip: 10.6.0.12, ansible_host: 10.6.0.12}
  children:
    kube_control_plane: {hosts: {node1: }}
    kube_node: {hosts: {node2: }}
    etcd: {hosts: {node1: }}
    k8s_cluster: {children: {kube_control_plane: , kube_node: }}
`;
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
    for (const o of [planCm, planSecret]) assert.equal(o.metadata?.ownerReferences?.[0]?.uid, op.metadata.uid);
    assert.ok(planCm.data?.['plan.json']?.includes('cluster.yml'));
    assert.ok(!JSON.stringify(planCm.data).includes('OPENSSH'), 'the key is in no plan object');

    const done = await finished(name);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    assert.equal(done.status?.hasModified, false);
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

  it("gives no uploader when <cluster>-kubeconfig is another's Secret, leaves it alone, and says so", async () => {
    const { ns, cluster } = await clusterFixture('ctl-kcfg-taken', cleanups, { hosts: HOSTS });
    const secretName = `${cluster}-kubeconfig`;
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: secretName }, stringData: { value: 'someone else\'s' } } });
    await startController(ns, running);
    const name = env.randomName('fetch');
    const op = await createOperation(name, { cluster, postHook: [{ actionType: 'playbook', action: 'kubeconfig.yml' }] }, cleanups);
    const done = await finished(name);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    const [job] = await jobsOf(ns, op.metadata.uid!);
    assert.deepEqual(job?.spec?.template.spec?.initContainers?.map((c) => c.name), ['ssh-agent'], 'no uploader');
    assert.equal(job?.spec?.template.spec?.serviceAccountName, undefined);
    const roles = await env.kubeConfig.makeApiClient(RbacAuthorizationV1Api).listNamespacedRole({ namespace: ns });
    assert.deepEqual(roles.items.map((r) => r.metadata?.name), []);
    const secret = await core.readNamespacedSecret({ name: secretName, namespace: ns });
    assert.equal(Buffer.from(secret.data?.value ?? '', 'base64').toString('utf8'), 'someone else\'s');
    assert.equal((await getCluster(cluster)).status?.kubeconfigSecretRef, undefined);
    await eventually('a KubeconfigNotStored Event', async () => {
      const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${cluster}` });
      return events.items.find((e) => e.reason === 'KubeconfigNotStored');
    });
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
    const hosts = `all:\n  hosts:\n${env.hosts
      .map((h) => `    ${h.name}:\n      ip: ${h.address}\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      ansible_user: ${env.sshUser}`)
      .join('\n')}\n  children:\n    kube_control_plane: {hosts: {${env.hosts[0]!.name}: }}\n    kube_node: {hosts: {${env.hosts.slice(1).map((h) => `${h.name}: `).join(', ')}}}\n    etcd: {hosts: {${env.hosts[0]!.name}: }}\n    k8s_cluster: {children: {kube_control_plane: , kube_node: }}\n`;
    const secret = { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8'), known_hosts: await readFile(env.knownHostsPath, 'utf8') };
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
