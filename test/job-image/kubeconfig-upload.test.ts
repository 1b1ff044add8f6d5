/**
 * The admin kubeconfig of a Job-mode install, from the pod to the Cluster's Secret, against the
 * real apiserver and sshd hosts: the JobExecutor dispatches for real (the empty Secret, the
 * uploader's ServiceAccount, Role and RoleBinding, the Job, whose pod kwok holds Running), and
 * the pod emulator runs that pod's containers here, the kubeconfig-upload sidecar with a real
 * token of the pod's ServiceAccount, bound to the pod.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../../src/api/types.js';
import { KubeconfigStore } from '../../src/controller/kubeconfig-secret.js';
import { KUBECONFIG_OPERATION_ANNOTATION, PLAN_JSON_KEY, toJobPlan, type JobPlanJson } from '../../src/engine/job-plan.js';
import type { Plan } from '../../src/engine/plan-types.js';
import { JobExecutor } from '../../src/executors/job-executor.js';
import { outcomeFromJobLog } from '../../src/executors/job-log-outcome.js';
import { KUBECONFIG_CONTAINER } from '../../src/executors/job-sidecars.js';
import { uploaderName } from '../../src/executors/kubeconfig-uploader-rbac.js';
import { FAKE_NODE_LABEL, loadTestEnv } from '../env/index.js';
import { resolveKubeBinaries } from '../env/kube-binaries.js';
import { fakeInstall } from '../fixtures/fake-install.js';
import { plannedOperation } from '../fixtures/test-cluster.js';
import { layOut, readRun, type JobPod } from './entrypoint-harness.js';
import { apiServerOf, apiserverObjects } from './kube-pod.js';
import { PLAYBOOKS, preparePod, runPodHere } from './pod-emulator.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
const apiServer = apiServerOf(env.apiServerUrl);
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const secretValue = async (namespace: string, name: string) => {
  const s = await core.readNamespacedSecret({ name, namespace });
  return { value: s.data?.value === undefined ? undefined : Buffer.from(s.data.value, 'base64').toString('utf8'), annotations: s.metadata?.annotations ?? {} };
};

describe('the admin kubeconfig of a Job-mode install', () => {
  // Pods in held-* namespaces stay Running (test/env/kwok/pod-complete.yaml): the emulator is the pod.
  let ns = '';
  let cluster: Cluster;
  let op: ClusterOperation;
  let plan: Plan;
  let pod: V1Pod;
  let secretName = '';
  let serviceAccount = '';
  let install: ReturnType<typeof fakeInstall>;

  before(async () => {
    ns = await env.namespace('held-kcfg');
    const name = env.randomName('kcfg');
    install = fakeInstall(env.randomName('k'), join(env.runDir, env.randomName('kcfg-dir')));
    // The user's SSH Secret, which the pod's ssh-agent sidecar mounts.
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'ssh' }, stringData: { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8') } } });
    cluster = (await custom.createClusterCustomObject({
      group: GROUP, version: VERSION, plural: CLUSTER_PLURAL,
      body: { apiVersion: 'kubean.io/v1alpha1', kind: 'Cluster', metadata: { name }, spec: { hostsConfRef: { namespace: ns, name: 'hosts' }, varsConfRef: { namespace: ns, name: 'vars' }, sshAuthRef: { namespace: ns, name: 'ssh' } } },
    })) as Cluster;
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name }));
    // No controller runs in this file: nothing but this test acts on the operation.
    op = (await custom.createClusterCustomObject({
      group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL,
      body: { apiVersion: 'kubean.io/v1alpha1', kind: 'ClusterOperation', metadata: { name: env.randomName('install') }, spec: { cluster: name, actionType: 'playbook', action: 'cluster.yml' } },
    })) as ClusterOperation;
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: op.metadata.name! }));
    plan = await plannedOperation(env, {
      operation: {
        actionType: 'playbook', action: 'cluster.yml', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'actions' },
        postHook: [{ actionType: 'playbook', action: 'kubeconfig.yml' }],
      },
      actions: { 'cluster.yml': install.playbook },
      hostVars: { [env.hosts[0]!.name]: install.vars },
    }, PLAYBOOKS);
    assert.equal(plan.kubeconfigArtifact, 'artifacts/admin.conf');
    secretName = `${name}-kubeconfig`;
  });

  it('is written by the pod\'s kubeconfig-upload sidecar alone into <cluster>-kubeconfig, which the controller made empty first; nowhere in the pod\'s logs', async () => {
    const executor = new JobExecutor({ kubeConfig: env.kubeConfig, namespace: ns, defaultImage: 'registry.invalid/slipway/job:test', pod: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value } } });
    const ref = await executor.dispatch(plan, { operation: op, cluster });
    assert.equal(ref.executor, 'job');
    const jobName = ref.executor === 'job' ? ref.name : '';
    serviceAccount = uploaderName(jobName);

    const empty = await core.readNamespacedSecret({ name: secretName, namespace: ns });
    assert.deepEqual(empty.data ?? {}, {}, 'created empty before the Job');
    assert.deepEqual(empty.metadata?.ownerReferences?.map((o) => [o.kind, o.uid]), [['Cluster', cluster.metadata.uid]]);
    const rbac = env.kubeConfig.makeApiClient((await import('@kubernetes/client-node')).RbacAuthorizationV1Api);
    const role = await rbac.readNamespacedRole({ name: serviceAccount, namespace: ns });
    assert.deepEqual(JSON.parse(JSON.stringify(role.rules)), [{ apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['patch'] }]);
    for (const o of [role, await rbac.readNamespacedRoleBinding({ name: serviceAccount, namespace: ns }), await core.readNamespacedServiceAccount({ name: serviceAccount, namespace: ns })]) {
      assert.deepEqual(o.metadata?.ownerReferences?.map((r) => [r.kind, r.uid]), [['ClusterOperation', op.metadata.uid]]);
    }

    pod = await eventually('the Job\'s pod to run', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
      return pods.items[0]?.status?.phase === 'Running' ? pods.items[0] : undefined;
    });
    assert.equal(pod.spec?.serviceAccountName, serviceAccount);
    // The kubelet's view: objects from the apiserver, a token of the pod's ServiceAccount bound to the pod.
    const objects = apiserverObjects(env.kubeConfig, ns, { name: pod.metadata!.name!, uid: pod.metadata!.uid! });
    await eventually('kube-root-ca.crt in the namespace', () => objects.configMap('kube-root-ca.crt'));
    const prepared = await preparePod(pod.spec!, objects, env.runDir);
    const run = await runPodHere(prepared, { apiServer });
    const r = readRun(run.main);

    assert.equal(r.exitCode, 0, r.stderr + r.stdout + JSON.stringify(run.sidecars));
    assert.deepEqual(r.steps.filter((s) => s.kind === 'kubeconfig'), [{ kind: 'kubeconfig', stored: true, time: (r.steps.find((s) => s.kind === 'kubeconfig') as { time: string }).time }]);
    const stored = await secretValue(ns, secretName);
    assert.equal(stored.value, install.kubeconfig);
    assert.equal(stored.annotations[KUBECONFIG_OPERATION_ANNOTATION], op.metadata.uid);
    const store = new KubeconfigStore(env.kubeConfig, ns);
    assert.deepEqual(await store.storedBy(cluster, op.metadata.uid!), { namespace: ns, name: secretName });
    assert.equal(await store.storedBy(cluster, 'another-operation'), undefined, 'another operation did not store it');
    const planJson = JSON.parse((await core.readNamespacedConfigMap({ name: `${jobName}-plan`, namespace: ns })).data![PLAN_JSON_KEY]!) as JobPlanJson;
    assert.equal(outcomeFromJobLog(planJson, r.stdout, 'a', 'b')?.status, 'Succeeded');

    assert.match(run.sidecars[KUBECONFIG_CONTAINER]?.stderr ?? '', new RegExp(`stored the admin kubeconfig in Secret ${ns}/${secretName}`));
    const logs = JSON.stringify([run.main, run.sidecars]);
    assert.ok(!logs.includes(install.clientKey), 'the client key is in no container\'s output');
    assert.ok(!logs.includes('kubernetes-admin@cluster.local'), 'nor the kubeconfig');
  });

  it('gives the uploader\'s ServiceAccount nothing but patch on that one Secret (asked of the authorizer, and tried with its token)', async () => {
    const user = `system:serviceaccount:${ns}:${serviceAccount}`;
    const otherSecret = env.randomName('other');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: otherSecret }, stringData: { value: 'not yours' } } });
    const kubectl = resolveKubeBinaries().kubectl;
    const canI = async (verb: string, resource: string, namespace = ns) =>
      (await execa(kubectl, [`--kubeconfig=${env.kubeconfigPath}`, 'auth', 'can-i', verb, resource, '-n', namespace, `--as=${user}`], { reject: false })).stdout.trim();
    const checks: [string, string, string, string?][] = [
      ['patch', `secret/${secretName}`, 'yes'],
      ['get', `secret/${secretName}`, 'no'],
      ['update', `secret/${secretName}`, 'no'],
      ['delete', `secret/${secretName}`, 'no'],
      ['patch', `secret/${otherSecret}`, 'no'],
      ['get', `secret/${otherSecret}`, 'no'],
      ['list', 'secrets', 'no'],
      ['watch', 'secrets', 'no'],
      ['create', 'secrets', 'no'],
      ['get', 'configmaps', 'no'],
      ['create', 'pods', 'no'],
      ['create', 'serviceaccounts/token', 'no'],
      ['patch', `secret/${secretName}`, 'no', 'kube-system'],
    ];
    const wrong: string[] = [];
    for (const [verb, resource, want, namespace] of checks) {
      const got = await canI(verb, resource, namespace);
      if (got !== want) wrong.push(`${verb} ${resource} in ${namespace ?? ns}: ${got}`);
    }
    assert.deepEqual(wrong, []);

    // Real requests with a token of it, as the sidecar has.
    const token = await apiserverObjects(env.kubeConfig, ns, { name: pod.metadata!.name!, uid: pod.metadata!.uid! }).token!(serviceAccount, 600);
    // As the sidecar sends it: one request, no GET first (kubectl patch would GET, and be refused).
    const ca = await readFile(join(env.runDir, 'certs', 'ca.crt'));
    const asSidecar = (method: string, path: string, body?: object) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${env.apiServerUrl}/api/v1/namespaces/${ns}/${path}`, {
          method,
          ca,
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/merge-patch+json' } : {}) },
        }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body ? JSON.stringify(body) : undefined);
      });
    const tries: [string, string, object?][] = [
      ['GET', `secrets/${secretName}`],
      ['GET', `secrets/${otherSecret}`],
      ['GET', 'secrets'],
      ['PATCH', `secrets/${otherSecret}`, { data: { value: 'eA==' } }],
      ['DELETE', `secrets/${secretName}`],
      ['GET', 'configmaps'],
    ];
    for (const [method, path, body] of tries) assert.equal(await asSidecar(method, path, body), 403, `${method} ${path}`);
    assert.equal(await asSidecar('PATCH', `secrets/${secretName}`, { metadata: { labels: { probe: 'x' } } }), 200);
    assert.equal((await secretValue(ns, otherSecret)).value, 'not yours');
  });

  /**
   * A cheap pod of the builder with the uploader for `target`, whose one step runs `step`
   * (python), with a real token of the uploader's ServiceAccount.
   */
  async function uploaderPod(target: string, step: (pod: JobPod) => string): Promise<JobPod> {
    const job = toJobPlan(plan);
    const objects = apiserverObjects(env.kubeConfig, ns, { name: pod.metadata!.name!, uid: pod.metadata!.uid! });
    const m = await layOut(env, job, job.plan, {
      kubeconfigSecret: target,
      // The builder names its own ServiceAccount; the token is the real uploader's.
      objects: { configMap: objects.configMap, token: () => objects.token!(serviceAccount, 600) },
    });
    const steps: JobPlanJson['steps'] = [{ name: 'leave a kubeconfig', role: 'action', kind: 'shell', argv: ['python3', '-c', step(m)], env: {} }];
    await writeFile(join(m.hostPath('/plan'), PLAN_JSON_KEY), JSON.stringify({ ...job.plan, steps }));
    return m;
  }
  const leave = (text: string) => `import os\nos.makedirs("artifacts", exist_ok=True)\nopen("artifacts/admin.conf", "w").write(${JSON.stringify(text)})`;

  it('a Secret the sidecar may not patch fails the run, saying why; the Secret is untouched', async () => {
    const other = env.randomName('not-mine');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: other }, stringData: { value: 'kept' } } });
    const run = await runPodHere(await uploaderPod(other, () => leave(install.kubeconfig)), { apiServer });
    const r = readRun(run.main);
    assert.equal(r.exitCode, 71, r.stderr + r.stdout);
    const line = r.steps.find((s) => s.kind === 'kubeconfig');
    assert.ok(line?.kind === 'kubeconfig' && !line.stored);
    assert.match(line.message ?? '', /the apiserver answered 403: .*forbidden/);
    assert.deepEqual(r.steps.at(-1), { kind: 'job-end', exitCode: 71, time: r.steps.at(-1)!.time });
    const outcome = outcomeFromJobLog({ ...toJobPlan(plan).plan, steps: [{ name: 'leave a kubeconfig', role: 'action', kind: 'shell', argv: ['python3'], env: {} }] }, r.stdout, 'a', 'b');
    assert.equal(outcome?.status, 'Failed');
    assert.match(outcome?.failed?.message ?? '', /was not stored in the Cluster's Secret: the apiserver answered 403/);
    assert.equal((await secretValue(ns, other)).value, 'kept');
    assert.ok(!JSON.stringify(run).includes(install.clientKey));
  });

  it('never follows a link: not a step\'s artifact that is one, nor one a step plants where the sidecar reads', async () => {
    const before = await secretValue(ns, secretName);
    const linked = await runPodHere(await uploaderPod(secretName, () => 'import os\nos.makedirs("artifacts", exist_ok=True)\nos.symlink("/etc/hostname", "artifacts/admin.conf")'), { apiServer });
    const r1 = readRun(linked.main);
    assert.equal(r1.exitCode, 71);
    assert.match(JSON.stringify(r1.steps), /not a regular file of at most 256 KiB/);

    // The step plants a link to the sidecar's own token where the sidecar reads, and gives it time to look.
    const planted = await runPodHere(await uploaderPod(secretName, (m) => {
      const token = join(m.hostPath('/var/run/secrets/kubernetes.io/serviceaccount', KUBECONFIG_CONTAINER), 'token');
      return `import os, time\nos.symlink(${JSON.stringify(token)}, ${JSON.stringify(join(m.hostPath('/kubeconfig'), 'admin.conf'))})\ntime.sleep(1.5)\n${leave('apiVersion: v1\n')}`;
    }), { apiServer });
    const r2 = readRun(planted.main);
    assert.equal(r2.exitCode, 71, r2.stderr + r2.stdout);
    assert.match(JSON.stringify(r2.steps), /cannot open the handed-over kubeconfig/);
    assert.deepEqual(await secretValue(ns, secretName), before, 'the Secret holds what it held');
  });
});
