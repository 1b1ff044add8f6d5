import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KUBECONFIG_OPERATION_ANNOTATION } from '../../src/engine/job-plan.js';
import { MAX_KUBECONFIG_BYTES } from '../../src/executors/kubeconfig-artifact.js';
import { checkUploadedKubeconfig } from '../../src/executors/kubeconfig-upload-check.js';

const UID = 'a1b2c3d4-0000-4000-8000-000000000001';
const GOOD = `apiVersion: v1
kind: Config
clusters:
- name: cluster.local
  cluster: {server: "https://10.6.0.11:6443", certificate-authority-data: QUJD}
users:
- name: kubernetes-admin
  user: {client-certificate-data: QUJD, client-key-data: REVG}
contexts:
- name: admin
  context: {cluster: cluster.local, user: kubernetes-admin}
current-context: admin
`;
const box = (text: string | undefined, uid = UID, extra: Record<string, string> = {}) => ({
  metadata: { annotations: { [KUBECONFIG_OPERATION_ANNOTATION]: uid } },
  data: { ...(text === undefined ? {} : { value: Buffer.from(text).toString('base64') }), ...extra },
});

describe('the controller\'s check of an uploaded kubeconfig (pure)', () => {
  it('accepts a kubeconfig with a cluster and a user written for this operation', () => {
    assert.deepEqual(checkUploadedKubeconfig(box(GOOD), UID), { kind: 'accepted', kubeconfig: GOOD });
    assert.deepEqual(checkUploadedKubeconfig(box(GOOD.trimEnd()), UID), { kind: 'accepted', kubeconfig: GOOD });
  });

  it('an untouched drop-box holds nothing to store', () => {
    assert.deepEqual(checkUploadedKubeconfig({ metadata: {}, data: {} }, UID), { kind: 'empty' });
    assert.deepEqual(checkUploadedKubeconfig({ metadata: {} }, UID), { kind: 'empty' });
  });

  const refusals: [string, ReturnType<typeof box> | { metadata: object; data: Record<string, string> }, RegExp][] = [
    ['oversize', box(`${GOOD}# ${'x'.repeat(MAX_KUBECONFIG_BYTES)}\n`), new RegExp(`larger than ${MAX_KUBECONFIG_BYTES} bytes`)],
    ['oversize by a byte', box(`${GOOD}#${'x'.repeat(MAX_KUBECONFIG_BYTES - GOOD.length)}`), new RegExp(`is ${MAX_KUBECONFIG_BYTES + 1} bytes, more than ${MAX_KUBECONFIG_BYTES}`)],
    ['another operation\'s', box(GOOD, 'someone-else'), /does not carry this operation's uid/],
    ['no uid', { metadata: {}, data: { value: Buffer.from(GOOD).toString('base64') } }, /does not carry this operation's uid/],
    ['not YAML', box('clusters: [unclosed\n'), /is not YAML/],
    ['not a kubeconfig', box('kind: Pod\n'), /is not a kubeconfig/],
    ['a list', box('- a\n'), /is not a kubeconfig/],
    ['no server', box(GOOD.replace('server: "https://10.6.0.11:6443", ', '')), /names no cluster with a server/],
    ['no user', box(GOOD.replace(/users:\n- name: kubernetes-admin\n {2}user: \{[^}]*\}\n/, '')), /names no user/],
    ['aliases', box(`${GOOD}x: &a [1]\ny: *a\n`), /not a plain YAML document \(Alias resolution is disabled/],
    ['binary', { metadata: { annotations: { [KUBECONFIG_OPERATION_ANNOTATION]: UID } }, data: { value: Buffer.from([0xff, 0xfe, 0]).toString('base64') } }, /not UTF-8 text/],
    ['other keys', box(GOOD, UID, { extra: 'eA==' }), /other keys than value \(extra\)/],
  ];
  for (const [what, secret, reason] of refusals) {
    it(`refuses it: ${what}`, () => {
      const c = checkUploadedKubeconfig(secret, UID);
      assert.equal(c.kind, 'refused');
      assert.match(c.kind === 'refused' ? c.reason : '', /^the uploaded kubeconfig was refused: /);
      assert.match(c.kind === 'refused' ? c.reason : '', reason);
      assert.ok(!(c.kind === 'refused' && c.reason.includes('REVG')), 'the reason shows none of it');
    });
  }
});
