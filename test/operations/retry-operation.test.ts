import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterOperation } from '../../src/api/types.js';
import { RETRY_OF_ANNOTATION, RETRY_OF_UID_LABEL, retryOperation } from '../../src/operations/retry-operation.js';
import { splitShellWords } from '../../src/policy/shell-words.js';

function failedOp(action: string, extraArgs: string | undefined, failedHosts: string[], status: 'Failed' | 'Succeeded' | 'Running' = 'Failed'): ClusterOperation {
  return {
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'ClusterOperation',
    metadata: { name: 'op1', uid: 'uid-1' },
    spec: { cluster: 'c1', image: 'img', actionType: 'playbook', action, ...(extraArgs !== undefined ? { extraArgs } : {}), hostsConfRef: { namespace: 'n', name: 'h' } },
    status: { status, failedHosts },
  };
}

const none = () => false;

describe('retry from where it failed', () => {
  const table: [string, string | undefined, string[], string | undefined, RegExp][] = [
    ['scale.yml', '--limit=node3,node4 -e x=1', ['node4'], '-e x=1 --limit=node4', /only the host\(s\) that failed: node4/],
    ['cluster.yml', undefined, ['node2', 'node3'], '--limit=node2,node3', /only the host/],
    ['upgrade-cluster.yml', '-l node2', ['node2'], '--limit=node2', /only the host/],
    ['cluster.yml', undefined, ['node1', 'node2'], undefined, /control-plane host\(s\) node1 failed: run again whole/],
    ['remove-node.yml', '-e node=node2', ['node2'], '-e node=node2', /run again whole/],
    ['reset.yml', undefined, ['node2'], undefined, /run again whole/],
    ['ping.yml', undefined, [], undefined, /no host failed/],
  ];
  for (const [action, args, hosts, expected, reason] of table) {
    it(`${action} ${args ?? ''} failed on [${hosts.join(',')}] → ${expected ?? '(no extraArgs)'}`, () => {
      const plan = retryOperation({ failed: failedOp(action, args, hosts), controlPlane: ['node1'], taken: none });
      assert.ok(!('refused' in plan));
      assert.equal(plan.operation.spec.extraArgs, expected);
      assert.match(plan.reason, reason);
      if (expected) splitShellWords(expected);
    });
  }

  it('links the new operation to the failed one and drops kubean’s filled-in refs', () => {
    const plan = retryOperation({ failed: failedOp('scale.yml', undefined, ['node2']), controlPlane: [], taken: (n) => n === 'op1-retry-1' });
    assert.ok(!('refused' in plan));
    assert.equal(plan.operation.metadata.name, 'op1-retry-2');
    assert.equal(plan.operation.metadata.annotations?.[RETRY_OF_ANNOTATION], 'op1');
    assert.equal(plan.operation.metadata.labels?.[RETRY_OF_UID_LABEL], 'uid-1');
    assert.equal(plan.operation.spec.hostsConfRef, undefined);
    assert.equal(plan.operation.status, undefined);
  });

  it('quotes host names the shell-word splitter would not take bare', () => {
    const plan = retryOperation({ failed: failedOp('scale.yml', undefined, ["we'ird host"]), controlPlane: [], taken: none });
    assert.ok(!('refused' in plan));
    assert.deepEqual(splitShellWords(plan.operation.spec.extraArgs!), ["--limit=we'ird host"]);
  });

  it('refuses an operation that did not fail', () => {
    for (const status of ['Succeeded', 'Running'] as const) {
      const plan = retryOperation({ failed: failedOp('scale.yml', undefined, [], status), controlPlane: [], taken: none });
      assert.ok('refused' in plan && plan.refused.includes(status));
    }
  });

  it('names a retry of a retry after the first operation, within 253 characters', () => {
    const long = failedOp('scale.yml', undefined, ['n']);
    long.metadata.name = `${'a'.repeat(250)}-retry-1`;
    const plan = retryOperation({ failed: long, controlPlane: [], taken: none });
    assert.ok(!('refused' in plan));
    assert.ok(plan.operation.metadata.name!.length <= 253);
    assert.match(plan.operation.metadata.name!, /-retry-1$/);
  });
});
