import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchV1Api, CoreV1Api, KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { auditedRequests, requestKind } from '../env/audit-log.js';
import { AUDITED_USER } from '../env/certs.js';
import { FAKE_NODE_LABEL, loadTestEnv } from '../env/index.js';
import { resolveKubeBinaries } from '../env/kube-binaries.js';

const env = loadTestEnv();
const batch = env.kubeConfig.makeApiClient(BatchV1Api);
const core = env.kubeConfig.makeApiClient(CoreV1Api);

function job(name: string, podLabels: Record<string, string> = {}): V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: podLabels },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value },
          containers: [{ name: 'main', image: 'registry.invalid/never-pulled:1', command: ['true'] }],
        },
      },
    },
  };
}

/** Polls until the Job has a true Complete or Failed condition. */
async function finalCondition(namespace: string, name: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const j = await batch.readNamespacedJob({ name, namespace });
    const done = j.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (done) return done.type;
    if (Date.now() > deadline) {
      assert.fail(`job ${namespace}/${name} not finished after ${timeoutMs} ms: ${JSON.stringify(j.status)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function jobPod(namespace: string, jobName: string): Promise<V1Pod> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
  assert.equal(pods.items.length, 1, `pods of job ${jobName}`);
  return pods.items[0]!;
}

describe('kube test environment', () => {
  it('audits the requests of the audited user, and only those', async () => {
    const audited = new KubeConfig();
    audited.loadFromFile(env.auditedKubeconfigPath);
    const ns = await env.namespace('audit');
    const name = env.randomName('audited');
    await audited.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
    await core.readNamespacedConfigMap({ name, namespace: ns });
    const mine = (await auditedRequests(env.auditLogPath)).filter((r) => r.objectRef?.namespace === ns);
    assert.deepEqual(mine.map((r) => [requestKind(r), r.objectRef?.name, r.user.username, r.responseStatus?.code]), [['create configmaps', name, AUDITED_USER, 201]]);
  });

  it('runs a Job to completion on a kwok node', async () => {
    const ns = await env.namespace('smoke');
    const name = env.randomName('ok');
    await batch.createNamespacedJob({ namespace: ns, body: job(name) });
    assert.equal(await finalCondition(ns, name), 'Complete');
    const pod = await jobPod(ns, name);
    assert.ok(env.fakeNodes.includes(pod.spec?.nodeName ?? ''), `scheduled to a kwok node, got ${pod.spec?.nodeName}`);
    assert.equal(pod.status?.phase, 'Succeeded');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  });

  it('fails a Job whose pod carries the fail label', async () => {
    const ns = await env.namespace('smoke');
    const name = env.randomName('fail');
    await batch.createNamespacedJob({
      namespace: ns,
      body: job(name, { [env.failPodLabel.key]: env.failPodLabel.value }),
    });
    assert.equal(await finalCondition(ns, name), 'Failed');
    const pod = await jobPod(ns, name);
    assert.equal(pod.status?.phase, 'Failed');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 1);
  });

  it('runs binaries stamped with the pinned Kubernetes version', async () => {
    const { kubectl } = resolveKubeBinaries();
    const out = await execa(kubectl, [`--kubeconfig=${env.kubeconfigPath}`, 'version', '-o', 'json']);
    const v = JSON.parse(out.stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
    assert.equal(v.clientVersion.gitVersion, 'v1.34.4');
    assert.equal(v.serverVersion.gitVersion, 'v1.34.4');
  });

  it('gives fresh random names', () => {
    const a = env.randomName('Some_Prefix');
    assert.match(a, /^some-prefix-[a-z0-9]{6}$/);
    assert.notEqual(a, env.randomName('Some_Prefix'));
  });
});
