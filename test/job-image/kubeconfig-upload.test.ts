/**
 * The admin kubeconfig of a Job-mode install, from the pod to the operation's drop-box, against
 * the real apiserver and sshd hosts: the JobExecutor dispatches for real (the plan objects, the
 * empty drop-box, the uploader's ServiceAccount, Role and RoleBinding, the Job, whose pod kwok
 * holds Running), and
 * the pod emulator runs that pod's containers here, the kubeconfig-upload sidecar with a real
 * token of the pod's ServiceAccount, bound to the pod.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { execa } from 'execa';
import { KubeconfigStore } from '../../src/controller/kubeconfig-secret.js';
import { KUBECONFIG_OPERATION_ANNOTATION, PLAN_JSON_KEY, toJobPlan, type JobPlanJson } from '../../src/engine/job-plan.js';
import { outcomeFromJobLog } from '../../src/executors/job-log-outcome.js';
import { KUBECONFIG_CONTAINER } from '../../src/executors/job-sidecars.js';
import { checkUploadedKubeconfig } from '../../src/executors/kubeconfig-upload-check.js';
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

  it('is written by the pod\'s kubeconfig-upload sidecar alone into the operation\'s drop-box, made empty first; the controller\'s check accepts it; nowhere in the pod\'s logs', async () => {
    const { op, plan, install, jobName, objects, dropBox } = d;
    assert.equal(plan.kubeconfigArtifact, 'artifacts/admin.conf');
    const planConfigMap = await core.readNamespacedConfigMap({ name: `${jobName}-plan`, namespace: ns });
    assert.deepEqual(planConfigMap.metadata?.ownerReferences?.map((o) => [o.kind, o.uid]), [['ClusterOperation', op.metadata.uid]]);
    const empty = await core.readNamespacedSecret({ name: dropBox, namespace: ns });
    assert.deepEqual([empty.data ?? {}, empty.metadata?.annotations?.[KUBECONFIG_OPERATION_ANNOTATION]], [{}, undefined], 'created empty before the Job');
    const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readNamespacedRole({ name: serviceAccount, namespace: ns });
    assert.deepEqual(JSON.parse(JSON.stringify(role.rules)), [{ apiGroups: [''], resources: ['secrets'], resourceNames: [dropBox], verbs: ['patch'] }]);
    for (const o of [empty, role, await rbac.readNamespacedRoleBinding({ name: serviceAccount, namespace: ns }), await core.readNamespacedServiceAccount({ name: serviceAccount, namespace: ns })]) {
      assert.deepEqual(o.metadata?.ownerReferences?.map((r) => [r.kind, r.uid]), [['ConfigMap', planConfigMap.metadata?.uid]], `${o.kind} ${o.metadata?.name} goes with the plan ConfigMap`);
    }
    assert.equal(pod.spec?.serviceAccountName, serviceAccount);
    await assert.rejects(core.readNamespacedSecret({ name: secretName, namespace: ns }), (err: { code?: number }) => err.code === 404, 'the Cluster\'s Secret is the controller\'s to make');

    const prepared = await preparePod(pod.spec!, objects, env.runDir);
    const run = await runPodHere(prepared, { apiServer });
    const r = readRun(run.main);

    assert.equal(r.exitCode, 0, r.stderr + r.stdout + JSON.stringify(run.sidecars));
    assert.deepEqual(r.steps.filter((s) => s.kind === 'kubeconfig'), [{ kind: 'kubeconfig', stored: true, time: (r.steps.find((s) => s.kind === 'kubeconfig') as { time: string }).time }]);
    const stored = await secretValue(ns, dropBox);
    assert.equal(stored.value, install.kubeconfig);
    assert.equal(stored.annotations[KUBECONFIG_OPERATION_ANNOTATION], op.metadata.uid);
    const filled = await core.readNamespacedSecret({ name: dropBox, namespace: ns });
    assert.deepEqual(checkUploadedKubeconfig(filled, op.metadata.uid!), { kind: 'accepted', kubeconfig: install.kubeconfig });
    assert.equal(checkUploadedKubeconfig(filled, 'another-operation').kind, 'refused', 'not another operation\'s');
    const planJson = JSON.parse(planConfigMap.data![PLAN_JSON_KEY]!) as JobPlanJson;
    assert.equal(outcomeFromJobLog(planJson, r.stdout, 'a', 'b')?.status, 'Succeeded');

    assert.match(run.sidecars[KUBECONFIG_CONTAINER]?.stderr ?? '', new RegExp(`stored the admin kubeconfig in Secret ${ns}/${dropBox}`));
    const logs = JSON.stringify([run.main, run.sidecars]);
    assert.ok(!logs.includes(install.clientKey), 'the client key is in no container\'s output');
    assert.ok(!logs.includes('kubernetes-admin@cluster.local'), 'nor the kubeconfig');
  });

  it('gives the uploader\'s ServiceAccount nothing but patch on its drop-box: its real token (TokenRequest) can neither read nor write <cluster>-kubeconfig or any other Secret, and its patch answers only what it sent', async () => {
    const { dropBox } = d;
    const user = `system:serviceaccount:${ns}:${serviceAccount}`;
    const otherSecret = env.randomName('other');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: otherSecret }, stringData: { value: 'not yours' } } });
    // The Cluster's kubeconfig Secret as an earlier install left it (the controller's, owned by the Cluster).
    const earlier = 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://10.0.0.1:6443"}}]\nusers: [{name: u, user: {token: earlier-admin-token}}]\n';
    await new KubeconfigStore(env.kubeConfig, ns).store(d.cluster, earlier);
    const kubectl = resolveKubeBinaries().kubectl;
    const canI = async (verb: string, resource: string, namespace = ns) =>
      (await execa(kubectl, [`--kubeconfig=${env.kubeconfigPath}`, 'auth', 'can-i', verb, resource, '-n', namespace, `--as=${user}`], { reject: false })).stdout.trim();
    const checks: [string, string, string, string?][] = [
      ['patch', `secret/${dropBox}`, 'yes'],
      ['get', `secret/${dropBox}`, 'no'],
      ['update', `secret/${dropBox}`, 'no'],
      ['delete', `secret/${dropBox}`, 'no'],
      ['patch', `secret/${secretName}`, 'no'],
      ['get', `secret/${secretName}`, 'no'],
      ['update', `secret/${secretName}`, 'no'],
      ['patch', `secret/${otherSecret}`, 'no'],
      ['get', `secret/${otherSecret}`, 'no'],
      ['list', 'secrets', 'no'],
      ['watch', 'secrets', 'no'],
      ['create', 'secrets', 'no'],
      ['get', 'configmaps', 'no'],
      ['create', 'pods', 'no'],
      ['create', 'serviceaccounts/token', 'no'],
      ['patch', `secret/${dropBox}`, 'no', 'kube-system'],
    ];
    const wrong: string[] = [];
    for (const [verb, resource, want, namespace] of checks) {
      const got = await canI(verb, resource, namespace);
      if (got !== want) wrong.push(`${verb} ${resource} in ${namespace ?? ns}: ${got}`);
    }
    assert.deepEqual(wrong, []);

    // Real requests with a token of it (TokenRequest, bound to the pod), as the sidecar has.
    const token = await d.objects.token!(serviceAccount, 600);
    // As the sidecar sends it: one request, no GET first (kubectl patch would GET, and be refused).
    const ca = await readFile(join(env.runDir, 'certs', 'ca.crt'));
    const asSidecar = (method: string, path: string, body?: object, contentType = 'application/merge-patch+json') =>
      new Promise<{ code: number; body: string }>((resolve, reject) => {
        const req = request(`${env.apiServerUrl}/api/v1/namespaces/${ns}/${path}`, {
          method,
          ca,
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body ? { 'Content-Type': contentType } : {}) },
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(body ? JSON.stringify(body) : undefined);
      });
    const hijack = { metadata: { ownerReferences: null, finalizers: ['example.com/keep'] }, immutable: true, data: { value: 'eA==' } };
    const tries: [string, string, object?, string?][] = [
      ['GET', `secrets/${secretName}`],
      ['PATCH', `secrets/${secretName}`, {}],
      ['PATCH', `secrets/${secretName}`, hijack],
      ['PATCH', `secrets/${secretName}`, [{ op: 'remove', path: '/metadata/ownerReferences' }], 'application/json-patch+json'],
      ['PUT', `secrets/${secretName}`, { metadata: { name: secretName }, data: { value: 'eA==' } }],
      ['DELETE', `secrets/${secretName}`],
      ['GET', `secrets/${dropBox}`],
      ['GET', `secrets/${otherSecret}`],
      ['PATCH', `secrets/${otherSecret}`, {}],
      ['PUT', `secrets/${otherSecret}`, { metadata: { name: otherSecret }, data: {} }],
      ['GET', 'secrets'],
      ['DELETE', `secrets/${dropBox}`],
      ['GET', 'configmaps'],
    ];
    const answers: string[] = [];
    for (const [method, path, body, type] of tries) {
      const a = await asSidecar(method, path, body, type);
      if (a.code !== 403) answers.push(`${method} ${path}: ${a.code}`);
      assert.ok(!a.body.includes(Buffer.from(earlier).toString('base64')) && !a.body.includes('not yours'), `${method} ${path} shows nothing`);
    }
    assert.deepEqual(answers, [], 'every one refused');
    const untouched = await core.readNamespacedSecret({ name: secretName, namespace: ns });
    assert.equal(Buffer.from(untouched.data?.value ?? '', 'base64').toString('utf8'), earlier);
    assert.deepEqual([untouched.metadata?.ownerReferences?.map((o) => o.kind), untouched.metadata?.finalizers, untouched.immutable], [['Cluster'], undefined, undefined]);
    assert.equal((await secretValue(ns, otherSecret)).value, 'not yours');

    // Its allowed patch: even an empty one answers only the drop-box, which holds what the uploader itself wrote.
    const sent = { metadata: { annotations: { [KUBECONFIG_OPERATION_ANNOTATION]: d.op.metadata.uid! } }, data: { value: Buffer.from(d.install.kubeconfig).toString('base64') } };
    const patched = await asSidecar('PATCH', `secrets/${dropBox}`, sent);
    assert.equal(patched.code, 200, patched.body);
    const echo = JSON.parse(patched.body) as V1Secret;
    assert.deepEqual(echo.data, sent.data, 'the data it sent, nothing more');
    assert.deepEqual(echo.metadata?.annotations, sent.metadata.annotations);
    const emptyAnswer = await asSidecar('PATCH', `secrets/${dropBox}`, {});
    assert.deepEqual((JSON.parse(emptyAnswer.body) as V1Secret).data, sent.data);
    for (const text of [patched.body, emptyAnswer.body]) assert.ok(!text.includes(Buffer.from(earlier).toString('base64')), 'no earlier kubeconfig');
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

  it('a Secret the sidecar may not patch (here the Cluster\'s own kubeconfig Secret) fails the run, saying why; the Secret is untouched', async () => {
    const other = secretName;
    await new KubeconfigStore(env.kubeConfig, ns).store(d.cluster, 'kept');
    const run = await runPodHere(await uploaderPod(other, () => leave(d.install.kubeconfig)), { apiServer });
    const r = readRun(run.main);
    assert.equal(r.exitCode, 71, r.stderr + r.stdout);
    const line = r.steps.find((s) => s.kind === 'kubeconfig');
    assert.ok(line?.kind === 'kubeconfig' && !line.stored);
    assert.match(line.message ?? '', /the apiserver answered 403: .*forbidden/);
    assert.deepEqual(r.steps.at(-1), { kind: 'job-end', exitCode: 71, time: r.steps.at(-1)!.time });
    const outcome = outcomeFromJobLog({ ...toJobPlan(d.plan).plan, steps: [{ name: 'leave a kubeconfig', role: 'action', kind: 'shell', argv: ['python3'], env: {} }] }, r.stdout, 'a', 'b');
    assert.equal(outcome?.status, 'Failed');
    assert.match(outcome?.failed?.message ?? '', /was not handed back: the apiserver answered 403/);
    assert.equal((await secretValue(ns, other)).value, 'kept');
    assert.ok(!JSON.stringify(run).includes(d.install.clientKey));
  });

  it('never follows a link: not a step\'s artifact that is one, nor one a step plants where the sidecar reads', async () => {
    const before = await secretValue(ns, d.dropBox);
    const linked = await runPodHere(await uploaderPod(d.dropBox, () => 'import os\nos.makedirs("artifacts", exist_ok=True)\nos.symlink("/etc/hostname", "artifacts/admin.conf")'), { apiServer });
    const r1 = readRun(linked.main);
    assert.equal(r1.exitCode, 71);
    assert.match(JSON.stringify(r1.steps), /not a regular file of at most 256 KiB/);

    // The step plants a link to the sidecar's own token where the sidecar reads, and gives it time to look.
    const planted = await runPodHere(await uploaderPod(d.dropBox, (m) => {
      const token = join(m.hostPath('/var/run/secrets/kubernetes.io/serviceaccount', KUBECONFIG_CONTAINER), 'token');
      return `import os, time\nos.symlink(${JSON.stringify(token)}, ${JSON.stringify(join(m.hostPath('/kubeconfig'), 'admin.conf'))})\ntime.sleep(1.5)\n${leave('apiVersion: v1\n')}`;
    }), { apiServer });
    const r2 = readRun(planted.main);
    assert.equal(r2.exitCode, 71, r2.stderr + r2.stdout);
    assert.match(JSON.stringify(r2.steps), /cannot open the handed-over kubeconfig/);
    assert.deepEqual(await secretValue(ns, d.dropBox), before, 'the drop-box holds what it held');
  });
});
