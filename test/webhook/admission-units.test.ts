/** The webhook's pure parts: refs found, stamps signed and verified, the decision per request, certificates. */
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ClusterOperationSpec } from '../../src/api/types.js';
import type { AccessReviewer } from '../../src/api/access-review.js';
import { decideAdmission, type AdmissionDeps, type AdmissionRequest } from '../../src/webhook/admission-decision.js';
import { ADMITTED_ANNOTATION, signStamp, stampTargets, verifyStamp } from '../../src/api/admission-stamp.js';
import { clusterRefs, operationRefs, refsDigest } from '../../src/api/object-refs.js';
import { createCa, createServingCert } from '../../src/util/x509.js';

const KEY = randomBytes(32);
const ref = (namespace: string, name: string) => ({ namespace, name });

describe('refs of an object', () => {
  it("lists every ConfigMap and Secret an operation names, hooks and kubean's copies included, with their keys", () => {
    const spec: Partial<ClusterOperationSpec> = {
      cluster: 'c',
      actionSourceRef: ref('a', 'play'),
      preHook: [{ actionType: 'playbook', action: 'x', actionSource: 'builtin' }, { actionType: 'shell', action: 'y', actionSourceRef: ref('a', 'pre') }],
      postHook: [{ actionType: 'playbook', action: 'z', actionSourceRef: ref('a', 'post') }],
      hostsConfRef: ref('b', 'h'),
      varsConfRef: ref('b', 'v'),
      sshAuthRef: ref('b', 's'),
      entrypointSHRef: ref('b', 'e'),
    };
    assert.deepEqual(operationRefs(spec).map((r) => `${r.key} ${r.resource} ${r.ref.namespace}/${r.ref.name}`), [
      'spec.actionSourceRef configmaps a/play',
      'spec.preHook[1].actionSourceRef configmaps a/pre',
      'spec.postHook[0].actionSourceRef configmaps a/post',
      'spec.hostsConfRef configmaps b/h',
      'spec.varsConfRef configmaps b/v',
      'spec.sshAuthRef secrets b/s',
      'spec.entrypointSHRef configmaps b/e',
    ]);
    assert.deepEqual(clusterRefs({ hostsConfRef: ref('n', 'h'), varsConfRef: ref('n', 'v'), kubeconfRef: ref('n', 'k'), sshAuthRef: ref('n', 's'), preCheckRef: ref('n', 'p') }).map((r) => `${r.key} ${r.resource}`), [
      'spec.hostsConfRef configmaps', 'spec.varsConfRef configmaps', 'spec.kubeconfRef configmaps', 'spec.sshAuthRef secrets', 'spec.preCheckRef configmaps',
    ]);
  });

  it('digests refs and the named Cluster: any change changes it', () => {
    const refs = clusterRefs({ hostsConfRef: ref('n', 'h'), varsConfRef: ref('n', 'v') });
    const base = refsDigest(refs, 'c');
    assert.equal(refsDigest(clusterRefs({ hostsConfRef: ref('n', 'h'), varsConfRef: ref('n', 'v') }), 'c'), base);
    assert.notEqual(refsDigest(refs, 'd'), base);
    assert.notEqual(refsDigest(clusterRefs({ hostsConfRef: ref('n', 'h'), varsConfRef: ref('m', 'v') }), 'c'), base);
    assert.notEqual(refsDigest(clusterRefs({ hostsConfRef: ref('n', 'h'), varsConfRef: ref('n', 'v'), sshAuthRef: ref('n', 's') }), 'c'), base);
  });
});

describe('stamps', () => {
  const body = { v: 1 as const, object: 'Cluster/c', refs: 'abc', author: { username: 'u', groups: ['g'] }, at: '2026-12-07T00:00:00Z' };
  const stamp = signStamp(KEY, body);
  const cases: [string, string | undefined, string, string, Buffer, RegExp | undefined][] = [
    ['a valid stamp', stamp, 'Cluster/c', 'abc', KEY, undefined],
    ['none', undefined, 'Cluster/c', 'abc', KEY, /has no slipway.io\/admitted/],
    ['another key', stamp, 'Cluster/c', 'abc', randomBytes(32), /not signed by this controller's key/],
    ['a changed body', `${Buffer.from(JSON.stringify({ ...body, author: { username: 'admin' } })).toString('base64url')}.${stamp.split('.')[1]}`, 'Cluster/c', 'abc', KEY, /not signed/],
    ['a truncated signature', stamp.slice(0, -2), 'Cluster/c', 'abc', KEY, /not signed/],
    ['another object', stamp, 'Cluster/d', 'abc', KEY, /was made for Cluster\/c/],
    ['changed refs', stamp, 'Cluster/c', 'abd', KEY, /refs changed/],
    ['garbage', 'x.y.z', 'Cluster/c', 'abc', KEY, /not signed/],
  ];
  for (const [what, value, object, refs, key, why] of cases) {
    it(`${why ? 'refuses' : 'accepts'} ${what}`, () => {
      const r = verifyStamp(key, value, object, refs);
      if (!why) assert.ok(r.ok && r.body.author.username === 'u');
      else assert.ok(!r.ok && why.test(r.why), JSON.stringify(r));
    });
  }
});

describe('stamp targets', () => {
  it('are the name, and the generateName prefix of a generated name', () => {
    assert.deepEqual(stampTargets('Cluster', { name: 'c' }), ['Cluster/c']);
    assert.deepEqual(stampTargets('Cluster', { generateName: 'gen-' }), ['Cluster/gen-*']);
    assert.deepEqual(stampTargets('Cluster', { name: 'gen-x1', generateName: 'gen-' }), ['Cluster/gen-x1', 'Cluster/gen-*']);
    assert.deepEqual(stampTargets('Cluster', { name: 'other', generateName: 'gen-' }), ['Cluster/other']);
  });
});

describe('the decision for one request', () => {
  const reviews: string[] = [];
  // Who may read what, as a table standing in for the apiserver's authorizer.
  const review: AccessReviewer = (author, r) => {
    reviews.push(`${author.username} ${r.resource} ${r.ref.namespace}/${r.ref.name}`);
    const allowed = author.username === 'admin' || r.ref.namespace === author.username;
    return Promise.resolve(allowed ? { allowed } : { allowed, why: `user "${author.username}" may not get ${r.resource} ${r.ref.namespace}/${r.ref.name}` });
  };
  const deps: AdmissionDeps = { key: KEY, protectedNamespace: 'slipway', review, getCluster: () => Promise.resolve(undefined) };
  const cluster = (ns: string, annotations?: Record<string, string>) => ({ metadata: { name: 'c', ...(annotations ? { annotations } : {}) }, spec: { hostsConfRef: ref(ns, 'h'), varsConfRef: ref(ns, 'v') } });
  const request = (operation: string, user: string, object: AdmissionRequest['object'], oldObject?: AdmissionRequest['object']): AdmissionRequest =>
    ({ uid: '1', kind: { kind: 'Cluster' }, operation, userInfo: { username: user, groups: ['system:authenticated'] }, object, ...(oldObject ? { oldObject } : {}) });
  const stampIn = (patch: unknown): string => {
    const ops = patch as { path: string; value: unknown }[];
    const op = ops[0]!;
    return op.path === '/metadata/annotations' ? (op.value as Record<string, string>)[ADMITTED_ANNOTATION]! : (op.value as string);
  };

  it('stamps what its author may read, naming the author', async () => {
    const v = await decideAdmission(request('CREATE', 'alice', cluster('alice')), deps);
    assert.ok(v.allowed);
    const check = verifyStamp(KEY, stampIn(v.patch), 'Cluster/c', refsDigest(clusterRefs(cluster('alice').spec)));
    assert.ok(check.ok && check.body.author.username === 'alice' && check.body.author.groups?.[0] === 'system:authenticated');
  });

  it('refuses what its author may not read, and refs into the protected namespace before asking', async () => {
    reviews.length = 0;
    const v = await decideAdmission(request('CREATE', 'mallory', { metadata: { name: 'c' }, spec: { hostsConfRef: ref('alice', 'h'), varsConfRef: ref('slipway', 'v') } }), deps);
    assert.equal(v.allowed, false);
    assert.equal(v.message, 'Cluster/c is refused: Cluster/c spec.hostsConfRef (configmaps alice/h): user "mallory" may not get configmaps alice/h; Cluster/c spec.varsConfRef (configmaps slipway/v): namespace slipway is the controller\'s own; no ref may point into it');
    assert.deepEqual(reviews, ['mallory configmaps alice/h']);
  });

  it('keeps a valid stamp over unchanged refs, whoever edits, and restores it over one the user wrote', async () => {
    const first = stampIn((await decideAdmission(request('CREATE', 'alice', cluster('alice')), deps)).patch);
    const kept = await decideAdmission(request('UPDATE', 'admin', cluster('alice', { [ADMITTED_ANNOTATION]: first }), cluster('alice', { [ADMITTED_ANNOTATION]: first })), deps);
    assert.deepEqual(kept, { allowed: true, patch: [] });
    const restored = await decideAdmission(request('UPDATE', 'alice', cluster('alice', { [ADMITTED_ANNOTATION]: 'forged' }), cluster('alice', { [ADMITTED_ANNOTATION]: first })), deps);
    assert.equal(stampIn(restored.patch), first);
  });

  it('re-checks changed refs as the updating user', async () => {
    const first = stampIn((await decideAdmission(request('CREATE', 'alice', cluster('alice')), deps)).patch);
    const v = await decideAdmission(request('UPDATE', 'alice', cluster('bob', { [ADMITTED_ANNOTATION]: first }), cluster('alice', { [ADMITTED_ANNOTATION]: first })), deps);
    assert.equal(v.allowed, false);
  });

  it("never stamps for the controller's own service accounts (they read everything), and drops a stamp they carry over", async () => {
    const unstamped = cluster('alice', { [ADMITTED_ANNOTATION]: 'forged' });
    const v = await decideAdmission(request('UPDATE', 'system:serviceaccount:slipway:slipway', unstamped, cluster('alice')), deps);
    assert.deepEqual(v, { allowed: true, patch: [{ op: 'remove', path: '/metadata/annotations/slipway.io~1admitted' }] });
  });
});

describe('webhook certificates', () => {
  it('signs a serving certificate for DNS names and addresses with a CA made here', () => {
    const ca = createCa('test-ca', 1);
    const serving = createServingCert(ca, ['svc.ns.svc', '127.0.0.1', '::1'], 1);
    const cert = new X509Certificate(serving.cert);
    const caCert = new X509Certificate(ca.cert);
    assert.ok(caCert.ca && !cert.ca);
    assert.ok(cert.verify(caCert.publicKey) && cert.checkIssued(caCert));
    assert.equal(cert.checkHost('svc.ns.svc'), 'svc.ns.svc');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('other.ns.svc'), undefined);
    assert.ok(new Date(cert.validTo).getTime() > Date.now());
  });
});
