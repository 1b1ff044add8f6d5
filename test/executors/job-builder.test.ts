import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterOperation } from '../../src/api/types.js';
import { toJobPlan } from '../../src/engine/job-plan.js';
import { buildJobObjects, jobNameFor, type JobBuildInput } from '../../src/executors/job-builder.js';
import { inputOf, manifestText } from '../engine/operation-fixture.js';
import { preparePlan } from '../../src/engine/prepare-plan.js';
import { loadBuiltinCatalog } from '../../src/engine/builtin-catalog.js';
import { defaultBuiltinDir } from '../../src/engine/builtin-dir.js';

const op = (name: string, uid: string): ClusterOperation => ({
  apiVersion: 'kubean.io/v1alpha1',
  kind: 'ClusterOperation',
  metadata: { name, uid },
  spec: { cluster: 'demo', actionType: 'playbook', action: 'ping.yml' },
});

async function input(over: Partial<JobBuildInput> = {}): Promise<JobBuildInput> {
  const plan = preparePlan(await inputOf(manifestText({})), loadBuiltinCatalog(defaultBuiltinDir()), {});
  return {
    namespace: 'slipway-system',
    operation: op('demo-op', '0b6f6a3e-1111-2222-3333-444455556666'),
    jobPlan: toJobPlan(plan),
    activeDeadlineSeconds: 600,
    defaultImage: 'slipway/job:1',
    sshKey: { secretRef: { namespace: 'slipway-system', name: 'demo-ssh' }, privateKey: plan.sshPrivateKey ?? 'k' },
    ...over,
  };
}

describe('job builder (pure)', () => {
  it('names are deterministic DNS labels from the uid, distinct for a recreated operation', () => {
    const a = jobNameFor(op('x'.repeat(200), 'uid-1'));
    assert.equal(a, jobNameFor(op('x'.repeat(200), 'uid-1')));
    assert.ok(a.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(a), a);
    assert.notEqual(a, jobNameFor(op('x'.repeat(200), 'uid-2')));
  });

  it('mounts the user\'s Secret in place when it is in the Job\'s namespace, and owns only its own objects', async () => {
    const o = buildJobObjects(await input());
    assert.equal(o.authSecret, undefined);
    const sources = o.job.spec!.template.spec!.volumes!.flatMap((v) => v.projected?.sources ?? []);
    assert.ok(sources.some((s) => s.secret?.name === 'demo-ssh'));
    for (const obj of [o.job, o.planConfigMap, o.planSecret]) assert.equal(obj?.metadata?.ownerReferences?.[0]?.kind, 'ClusterOperation');
    assert.equal(o.job.spec!.activeDeadlineSeconds, 600);
    assert.equal(o.job.spec!.template.spec!.containers[0]!.image, 'slipway/job:1');
  });

  it('copies the key into an operation-owned Secret when the user\'s is in another namespace', async () => {
    const o = buildJobObjects(await input({ sshKey: { secretRef: { namespace: 'kubean-system', name: 'demo-ssh' }, privateKey: 'KEY' } }));
    assert.deepEqual(o.authSecret?.stringData, { 'ssh-privatekey': 'KEY' });
    assert.equal(o.authSecret?.metadata?.ownerReferences?.[0]?.uid, '0b6f6a3e-1111-2222-3333-444455556666');
    const sources = o.job.spec!.template.spec!.volumes!.flatMap((v) => v.projected?.sources ?? []);
    assert.ok(!sources.some((s) => s.secret?.name === 'demo-ssh'));
  });

  it('spec.image wins over the default; operator pod labels never override the controller\'s', async () => {
    const base = await input({ pod: { labels: { 'slipway.io/operation-uid': 'forged', team: 'a' } } });
    const o = buildJobObjects({ ...base, operation: { ...base.operation, spec: { ...base.operation.spec, image: 'mine:2' } } });
    assert.equal(o.job.spec!.template.spec!.containers[0]!.image, 'mine:2');
    assert.equal(o.job.spec!.template.metadata!.labels!['slipway.io/operation-uid'], '0b6f6a3e-1111-2222-3333-444455556666');
    assert.equal(o.job.spec!.template.metadata!.labels!.team, 'a');
  });
});
