/**
 * What a tenant's spec can do to the controller in Job mode: a Job the apiserver refuses fails
 * its operation (no retry) and the cluster's next operation runs; a group_vars.yml of 55 000
 * refused keys yields a status under its cap and leaves the controller's memory bounded; N
 * operations queued on one cluster cost O(N) status writes (the apiserver's audit log counts).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { AdmissionregistrationV1Api, ApiException, KubeConfig, setHeaderOptions } from '@kubernetes/client-node';
import { auditedRequests } from '../env/audit-log.js';
import { AUDITED_USER } from '../env/certs.js';
import { FAKE_NODE_LABEL, RUN_DURATION_ANNOTATION } from '../env/index.js';
import { STATUS_BOUNDS } from '../../src/status/bounded-status.js';
import { startPersistentRedis } from './persistent-redis.js';
import { batch, clusterFixture, core, createOperation, env, eventually, finished, getOp, httpGet, jobsOf, spawnController, startController, testLifecycle } from './controller-harness.js';

const { cleanups, running } = testLifecycle();
const MiB = 1024 * 1024;
const admission = env.kubeConfig.makeApiClient(AdmissionregistrationV1Api);

/** VmHWM (peak resident set) of a process, in bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  assert.ok(kib, 'VmHWM in /proc/<pid>/status');
  return Number(kib) * 1024;
}

describe('hostile specs against the controller (Jobs run by kwok)', () => {
  it('a Job the apiserver refuses (422: an admission policy of the operator) fails its operation with the apiserver\'s reason, once, without a retry; the cluster\'s next operation runs to Succeeded', async () => {
    const { ns, cluster } = await clusterFixture('hostile-job', cleanups);
    const name = env.randomName('at-most-512mi');
    await admission.createValidatingAdmissionPolicy({
      body: {
        metadata: { name },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['jobs'] }] },
          validations: [{
            expression: "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || !('memory' in c.resources.limits) || quantity(c.resources.limits['memory']).compareTo(quantity('512Mi')) <= 0)",
            message: 'Jobs here may use at most 512Mi of memory',
            reason: 'Invalid',
          }],
        },
      },
    });
    cleanups.push(() => admission.deleteValidatingAdmissionPolicy({ name }));
    await admission.createValidatingAdmissionPolicyBinding({
      body: { metadata: { name }, spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } } },
    });
    cleanups.push(() => admission.deleteValidatingAdmissionPolicyBinding({ name }));
    // In force once a dry run of such a Job is refused.
    await eventually('the admission policy in force', async () => {
      try {
        await batch.createNamespacedJob({
          namespace: ns,
          dryRun: 'All',
          body: { metadata: { name: 'probe' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x', resources: { limits: { memory: '1Gi' } } }] } } } },
        });
        return undefined;
      } catch (err) {
        return err instanceof ApiException && err.code === 422 ? true : undefined;
      }
    });
    // Within the CRD's and the controller's bounds; the operator's policy refuses its Job.
    const refused = await createOperation(env.randomName('refused'), { cluster, resources: { limits: { memory: '1Gi' } } }, cleanups);
    // The next one asks for what the policy allows (the default ansible container's limit is 2Gi).
    const next = await createOperation(env.randomName('next'), { cluster, resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } } }, cleanups);
    await startController(ns, running);
    const failed = await finished(refused.metadata.name!);
    assert.equal(failed.status?.status, 'Failed');
    assert.match(failed.status?.message ?? '', /cannot run it as a Job: the apiserver refused to create the Job of .* \(HTTP 422\): .*Jobs here may use at most 512Mi of memory/);
    assert.ok((failed.status?.message ?? '').length <= 1100, 'the apiserver\'s answer, clipped');
    assert.equal(failed.status?.startTime, undefined, 'it never started');
    assert.equal((await jobsOf(ns, refused.metadata.uid!)).length, 0);
    const ok = await finished(next.metadata.name!);
    assert.equal(ok.status?.status, 'Succeeded', ok.status?.message);
    const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${refused.metadata.name}` });
    assert.equal(events.items.filter((e) => e.reason === 'Failed').length, 1, 'failed once, not retried');
  });

  it('group_vars.yml of 1 MiB with 55 000 refused keys on four clusters: each status stays under its cap, the controller\'s peak RSS stays bounded and it stays healthy; a cluster whose vars are mended runs its next operation', async (t) => {
    const vars = Array.from({ length: 55_000 }, (_, i) => `ansible_k${String(i).padStart(5, '0')}: 1\n`).join('');
    assert.ok(vars.length > 0.9 * MiB && vars.length < MiB);
    const fixtures = [];
    for (let i = 0; i < 4; i++) fixtures.push(await clusterFixture(`hostile-vars${i}`, cleanups, { vars }));
    const ops = [];
    for (const { cluster } of fixtures) ops.push(await createOperation(env.randomName('vars'), { cluster }, cleanups));
    const redis = await startPersistentRedis();
    cleanups.push(() => redis.destroy());
    // As the controller image runs it (scripts/build-controller-image.sh).
    const ctl = await spawnController({ ns: fixtures[0]!.ns, redisUrl: `redis://${redis.host}:${redis.port}`, podName: env.randomName('hostile-vars'), running, env: { MALLOC_ARENA_MAX: '2' } });
    for (const op of ops) {
      const done = await finished(op.metadata.name!, 120_000);
      assert.equal(done.status?.status, 'Failed');
      const message = done.status?.message ?? '';
      assert.match(message, /^rejected before running: error\[var-forbidden\]: ConfigMap [\w-]+\/vars, key group_vars\.yml, ansible_k00000: /);
      const more = Number(/; and (\d+) more$/.exec(message)?.[1]);
      assert.equal(message.split('error[var-forbidden]').length - 1 + more, 55_000, 'the problems listed and the count of the rest');
      assert.ok(message.length <= STATUS_BOUNDS.message, `message of ${message.length} characters`);
      assert.ok(JSON.stringify(done.status).length <= STATUS_BOUNDS.message + 2048, 'the whole status is bounded');
    }
    const peak = await peakRss(ctl.daemon.pid);
    t.diagnostic(`controller peak RSS ${(peak / MiB).toFixed(0)} MiB`);
    // Each rejection is planned once: reading a 1 MiB YAML of 110 000 nodes briefly takes ~110 MiB
    // and its problems are capped, so the peak stays a few such reads above the controller's own
    // (about 500 MiB here); before the caps, 28 MiB statuses refused (413) and retried forever took
    // four such clusters to 1.2 GiB and growing.
    assert.ok(peak < 640 * MiB, `peak RSS ${(peak / MiB).toFixed(0)} MiB`);
    assert.equal((await httpGet(`${ctl.metricsUrl}/healthz`)).status, 200);

    const mended = fixtures[0]!;
    await core.patchNamespacedConfigMap({ name: 'vars', namespace: mended.ns, body: { data: { 'group_vars.yml': 'kube_version: v1.34.4\n' } } }, setHeaderOptions('Content-Type', 'application/merge-patch+json'));
    const next = await createOperation(env.randomName('mended'), { cluster: mended.cluster }, cleanups);
    const ok = await finished(next.metadata.name!, 120_000);
    assert.equal(ok.status?.status, 'Succeeded', `${ok.status?.message}\n${ctl.logTail()}`);
  });

  it('N operations queued on one cluster cost at most 3 status writes each (Waiting once, Running, the end): O(N), per the apiserver\'s audit log', async () => {
    const n = 12;
    const { ns, cluster } = await clusterFixture('queued', cleanups);
    const names: string[] = [];
    for (let i = 0; i < n; i++) names.push((await createOperation(`${String(i).padStart(2, '0')}-${env.randomName('queued')}`, { cluster }, cleanups)).metadata.name!);
    const audited = new KubeConfig();
    audited.loadFromFile(env.auditedKubeconfigPath);
    await startController(ns, running, {
      kubeConfig: audited,
      jobPod: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value }, annotations: { [RUN_DURATION_ANNOTATION]: '0s' } },
    });
    for (const name of names) assert.equal((await finished(name, 180_000)).status?.status, 'Succeeded');
    const mine = new Set(names);
    const patches = (await auditedRequests(env.auditLogPath)).filter(
      (r) => r.user.username === AUDITED_USER && r.verb === 'patch' && r.objectRef?.resource === 'clusteroperations' && r.objectRef.subresource === 'status' && mine.has(r.objectRef.name ?? ''),
    );
    const perOperation = new Map<string, number>();
    for (const p of patches) perOperation.set(p.objectRef!.name!, (perOperation.get(p.objectRef!.name!) ?? 0) + 1);
    for (const name of names) {
      const count = perOperation.get(name) ?? 0;
      assert.ok(count >= 2 && count <= 3, `${name}: ${count} status writes`);
    }
    assert.ok(patches.length <= 3 * n, `${patches.length} status writes for ${n} operations`);
    const last = await getOp(names.at(-1)!);
    assert.equal(last.status?.status, 'Succeeded');
  });
});
