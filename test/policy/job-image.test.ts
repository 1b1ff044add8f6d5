import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPolicyEntry, chooseJobImage, defaultJobImagePolicy, JobImagePolicyError, parseImageMapping, splitImageReference, type JobImagePolicy } from '../../src/policy/job-image.js';

const JOB = 'registry.local:5000/slipway/job@sha256:' + 'c'.repeat(64);
const policy: JobImagePolicy = {
  ...defaultJobImagePolicy(JOB),
  allowed: ['registry.local:5000/tools/kubespray:v2.27.0', 'registry.local:5000/pinned:*', 'registry.local:5000/team-a/*'],
  mappings: [{ from: 'quay.io/kubespray/kubespray', to: 'registry.local:5000/tools/kubespray:v2.27.0' }, ...defaultJobImagePolicy(JOB).mappings],
};

describe('job image policy (pure)', () => {
  const table: [string | undefined, string, string | undefined][] = [
    // spec.image, kind, image run (undefined: refused)
    [undefined, 'default', JOB],
    ['', 'default', JOB],
    ['  ', 'default', JOB],
    [JOB, 'allowed', JOB],
    ['ghcr.io/kubean-io/spray-job:v0.37.0', 'mapped', JOB],
    ['ghcr.io/kubean-io/spray-job', 'mapped', JOB],
    ['ghcr.io/kubean-io/spray-job@sha256:' + 'd'.repeat(64), 'mapped', JOB],
    ['ghcr.m.daocloud.io/kubean-io/spray-job:<TAG>', 'mapped', JOB],
    ['quay.io/kubespray/kubespray:v2.20.0', 'mapped', 'registry.local:5000/tools/kubespray:v2.27.0'],
    ['registry.local:5000/tools/kubespray:v2.27.0', 'allowed', 'registry.local:5000/tools/kubespray:v2.27.0'],
    ['registry.local:5000/tools/kubespray:v2.28.0', 'refused', undefined],
    ['registry.local:5000/pinned:1', 'allowed', 'registry.local:5000/pinned:1'],
    ['registry.local:5000/pinned@sha256:' + 'e'.repeat(64), 'allowed', 'registry.local:5000/pinned@sha256:' + 'e'.repeat(64)],
    ['registry.local:5000/pinned-not:1', 'refused', undefined],
    ['registry.local:5000/team-a/ansible:9', 'allowed', 'registry.local:5000/team-a/ansible:9'],
    ['registry.local:5000/team-ab/ansible:9', 'refused', undefined],
    ['ghcr.io/kubean-io/spray-job-evil:1', 'refused', undefined],
    ['evil.example/ghcr.io/kubean-io/spray-job:1', 'refused', undefined],
    ['attacker/sidecar-stealer:latest', 'refused', undefined],
    ['registry.local:5000/slipway/job:latest', 'refused', undefined],
  ];
  for (const [requested, kind, image] of table) {
    it(`${JSON.stringify(requested)} → ${kind}${image ? ` ${image}` : ''}`, () => {
      const c = chooseJobImage(requested, policy);
      assert.equal(c.kind, kind, c.reason);
      if (c.kind === 'refused') {
        assert.equal(c.code, 'job-image-refused');
        assert.equal(c.requested, requested?.trim());
        assert.deepEqual(c.allowed, [JOB, ...policy.allowed]);
        assert.ok(c.reason.includes(JSON.stringify(requested?.trim())) && c.reason.includes(policy.allowed[0]!), c.reason);
      } else {
        assert.equal(c.image, image);
        assert.ok(c.reason.length > 0);
      }
    });
  }

  it('by default allows only the job image, and maps kubean\'s spray-job to it', () => {
    const d = defaultJobImagePolicy('slipway/job:1');
    assert.deepEqual(d.allowed, []);
    assert.equal(chooseJobImage('slipway/job:1', d).kind, 'allowed');
    assert.equal(chooseJobImage('slipway/job:2', d).kind, 'refused');
    assert.deepEqual(chooseJobImage('ghcr.m.daocloud.io/kubean-io/spray-job:v0.37.0', d), {
      kind: 'mapped', image: 'slipway/job:1', requested: 'ghcr.m.daocloud.io/kubean-io/spray-job:v0.37.0',
      reason: "ghcr.m.daocloud.io/kubean-io/spray-job:v0.37.0 is mapped by the operator (ghcr.m.daocloud.io/kubean-io/spray-job) to the operator's job image slipway/job:1",
    });
  });

  it('splits references with registry ports, tags and digests', () => {
    assert.deepEqual(splitImageReference('registry.local:5000/a/b'), { repository: 'registry.local:5000/a/b' });
    assert.deepEqual(splitImageReference('registry.local:5000/a/b:1.2'), { repository: 'registry.local:5000/a/b', tag: '1.2' });
    assert.deepEqual(splitImageReference('a/b:1@sha256:ff'), { repository: 'a/b', tag: '1', digest: 'sha256:ff' });
  });

  it('reads the operator\'s entries and mappings, refusing malformed ones', () => {
    assert.deepEqual(parseImageMapping('quay.io/kubespray/kubespray=', JOB), { from: 'quay.io/kubespray/kubespray', to: JOB });
    assert.deepEqual(parseImageMapping('a/b=c/d:1', JOB), { from: 'a/b', to: 'c/d:1' });
    for (const bad of ['a/b', '=c/d', 'a/b=c/*', 'A B=c']) assert.throws(() => parseImageMapping(bad, JOB), JobImagePolicyError, bad);
    for (const ok of ['a/b:1', 'a/b:*', 'registry:5000/x/*', JOB]) assert.equal(checkPolicyEntry(ok, 'x'), ok);
    for (const bad of ['', '*', 'a b', 'UPPER/case']) assert.throws(() => checkPolicyEntry(bad, 'x'), JobImagePolicyError, bad);
  });
});
