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
import { CoreV1Api, RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { KubeconfigStore } from '../../src/controller/kubeconfig-secret.js';
import { KUBECONFIG_OPERATION_ANNOTATION, PLAN_JSON_KEY, toJobPlan, type JobPlanJson } from '../../src/engine/job-plan.js';
import { outcomeFromJobLog } from '../../src/executors/job-log-outcome.js';
import { KUBECONFIG_CONTAINER } from '../../src/executors/job-sidecars.js';
import { loadTestEnv } from '../env/index.js';
import { resolveKubeBinaries } from '../env/kube-binaries.js';
import { dispatchInstall, kubeconfigSecret, type DispatchedInstall } from './dispatched-install.js';
import { layOut, readRun, type JobPod } from './entrypoint-harness.js';
import { apiServerOf } from './kube-pod.js';
import { preparePod, runPodHere } from './pod-emulator.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const apiServer = apiServerOf(env.apiServerUrl);
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const secretValue = (namespace: string, name: string) => kubeconfigSecret(env, namespace, name);

describe('the admin kubeconfig of a Job-mode install', () => {
  let d: DispatchedInstall;
  // Set by the first test, for the others.
  let ns = '';
  let pod: V1Pod;
  let secretName = '';
  let serviceAccount = '';

  before(async () => {
    d = await dispatchInstall(env, cleanups);
    ({ ns, pod, secretName, serviceAccount } = d);
  });

  it('is written by the pod\'s kubeconfig-upload sidecar alone into <cluster>-kubeconfig, which the controller made empty first; nowhere in the pod\'s logs', async () => {
    const { cluster, op, plan, install, jobName, objects } = d;
    assert.equal(plan.kubeconfigArtifact, 'artifacts/admin.conf');
    const empty = await core.readNamespacedSecret({ name: secretName, namespace: ns });
    assert.deepEqual(empty.metadata?.ownerReferences?.map((o) => [o.kind, o.uid]), [['Cluster', cluster.metadata.uid]]);
    assert.deepEqual([empty.data?.value, empty.metadata?.annotations?.[KUBECONFIG_OPERATION_ANNOTATION]], [undefined, undefined], 'created empty before the Job');
    const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readNamespacedRole({ name: serviceAccount, namespace: ns });
    assert.deepEqual(JSON.parse(JSON.stringify(role.rules)), [{ apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['patch'] }]);
    for (const o of [role, await rbac.readNamespacedRoleBinding({ name: serviceAccount, namespace: ns }), await core.readNamespacedServiceAccount({ name: serviceAccount, namespace: ns })]) {
      assert.deepEqual(o.metadata?.ownerReferences?.map((r) => [r.kind, r.uid]), [['ClusterOperation', op.metadata.uid]]);
    }
    assert.equal(pod.spec?.serviceAccountName, serviceAccount);

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
    const token = await d.objects.token!(serviceAccount, 600);
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
    const job = toJobPlan(d.plan);
    const objects = d.objects;
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
    const run = await runPodHere(await uploaderPod(other, () => leave(d.install.kubeconfig)), { apiServer });
    const r = readRun(run.main);
    assert.equal(r.exitCode, 71, r.stderr + r.stdout);
    const line = r.steps.find((s) => s.kind === 'kubeconfig');
    assert.ok(line?.kind === 'kubeconfig' && !line.stored);
    assert.match(line.message ?? '', /the apiserver answered 403: .*forbidden/);
    assert.deepEqual(r.steps.at(-1), { kind: 'job-end', exitCode: 71, time: r.steps.at(-1)!.time });
    const outcome = outcomeFromJobLog({ ...toJobPlan(d.plan).plan, steps: [{ name: 'leave a kubeconfig', role: 'action', kind: 'shell', argv: ['python3'], env: {} }] }, r.stdout, 'a', 'b');
    assert.equal(outcome?.status, 'Failed');
    assert.match(outcome?.failed?.message ?? '', /was not stored in the Cluster's Secret: the apiserver answered 403/);
    assert.equal((await secretValue(ns, other)).value, 'kept');
    assert.ok(!JSON.stringify(run).includes(d.install.clientKey));
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
