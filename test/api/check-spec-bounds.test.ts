import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOperationBounds, parseQuantity } from '../../src/api/check-spec-bounds.js';
import { ProblemList } from '../../src/api/input-error.js';
import { SPEC_LIMITS } from '../../src/api/spec-limits.js';
import type { ClusterOperation, ClusterOperationSpec, Hook } from '../../src/api/types.js';

function op(spec: Partial<ClusterOperationSpec> = {}): ClusterOperation {
  return {
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'ClusterOperation',
    metadata: { name: 'op1' },
    spec: { cluster: 'c1', actionType: 'playbook', action: 'ping.yml', ...spec },
  };
}

function problemsOf(spec: Partial<ClusterOperationSpec>): [string, string | undefined][] {
  const problems = new ProblemList();
  checkOperationBounds(op(spec), problems);
  for (const p of problems.items) assert.equal(p.object, 'ClusterOperation op1');
  return problems.items.map((p) => [p.code, p.key]);
}

const hook = (more: Partial<Hook> = {}): Hook => ({ actionType: 'playbook', action: 'ping.yml', ...more });
const ref = { namespace: 'kubean-system', name: 'x' };

describe('the bounds of a ClusterOperation spec, checked by the controller', () => {
  const within: [string, Partial<ClusterOperationSpec>][] = [
    ['a plain operation', {}],
    ["kubean's custom-action example", { activeDeadlineSeconds: 600, resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } } }],
    ['requests equal to limits, in other units', { resources: { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { cpu: '500m', memory: '1Gi' } } }],
    ['integer quantities', { resources: { requests: { cpu: 1 }, limits: { cpu: 2 } } }],
    ['an empty claims list', { resources: { claims: [] } }],
    ['the longest deadline', { activeDeadlineSeconds: SPEC_LIMITS.activeDeadlineSeconds }],
    ['a cluster name at the bound', { cluster: 'c'.repeat(SPEC_LIMITS.clusterName) }],
    ['as many hooks as allowed', { preHook: Array.from({ length: SPEC_LIMITS.hooks }, () => hook()) }],
  ];
  for (const [name, spec] of within) {
    it(`passes ${name}`, () => assert.deepEqual(problemsOf(spec), []));
  }

  const broken: [string, Partial<ClusterOperationSpec>, [string, string][]][] = [
    ['requests above limits', { resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }, [['requests-over-limits', 'spec.resources.requests.memory']]],
    ['resource claims', { resources: { claims: [{ name: 'gpu' }] } }, [['resource-claims', 'spec.resources.claims']]],
    ['a resource the Job does not need', { resources: { limits: { 'nvidia.com/gpu': '1' } } }, [['bad-resource-name', 'spec.resources.limits']]],
    ['a negative quantity', { resources: { requests: { cpu: '-1' } } }, [['bad-quantity', 'spec.resources.requests.cpu']]],
    ['a malformed quantity', { resources: { limits: { memory: 'lots' } } }, [['bad-quantity', 'spec.resources.limits.memory']]],
    ['activeDeadlineSeconds 2^63-1', { activeDeadlineSeconds: 2 ** 63 - 1 }, [['bad-deadline', 'spec.activeDeadlineSeconds']]],
    ['activeDeadlineSeconds 0', { activeDeadlineSeconds: 0 }, [['bad-deadline', 'spec.activeDeadlineSeconds']]],
    ['a fractional activeDeadlineSeconds', { activeDeadlineSeconds: 1.5 }, [['bad-deadline', 'spec.activeDeadlineSeconds']]],
    ['a cluster name one over the bound (243)', { cluster: 'c'.repeat(SPEC_LIMITS.clusterName + 1) }, [['too-long', 'spec.cluster']]],
    ['too many postHooks', { postHook: Array.from({ length: SPEC_LIMITS.hooks + 1 }, () => hook()) }, [['too-many-hooks', 'spec.postHook']]],
    ['a long action in a hook', { preHook: [hook({ action: `${'a'.repeat(SPEC_LIMITS.action)}.yml` })] }, [['too-long', 'spec.preHook[0].action']]],
    ['a long image', { image: 'i'.repeat(SPEC_LIMITS.image + 1) }, [['too-long', 'spec.image']]],
    ['an image with whitespace (the Job is created, its pods never)', { image: ' registry.invalid/job:1' }, [['bad-image', 'spec.image']]],
    ['a long ref namespace', { hostsConfRef: { ...ref, namespace: 'n'.repeat(64) } }, [['too-long', 'spec.hostsConfRef.namespace']]],
    ['a long actionSourceRef name', { actionSource: 'configmap', actionSourceRef: { ...ref, name: 'n'.repeat(254) } }, [['too-long', 'spec.actionSourceRef.name']]],
    [
      'several at once, each reported',
      { activeDeadlineSeconds: -5, resources: { claims: [{ name: 'x' }], requests: { cpu: '2' }, limits: { cpu: '1' } } },
      [['bad-deadline', 'spec.activeDeadlineSeconds'], ['resource-claims', 'spec.resources.claims'], ['requests-over-limits', 'spec.resources.requests.cpu']],
    ],
  ];
  for (const [name, spec, expected] of broken) {
    it(`refuses ${name}`, () => assert.deepEqual(problemsOf(spec), expected));
  }
});

describe('Kubernetes quantities', () => {
  const table: [unknown, number | undefined][] = [
    ['100m', 0.1],
    ['1Gi', 2 ** 30],
    ['1.5G', 1.5e9],
    ['2e3', 2000],
    ['.5', 0.5],
    ['+1Ki', 1024],
    [3, 3],
    ['-1', -1],
    ['1.5e2.5', undefined],
    ['1 Gi', undefined],
    ['lots', undefined],
    ['', undefined],
    [null, undefined],
  ];
  for (const [value, expected] of table) {
    it(`${JSON.stringify(value)} → ${String(expected)}`, () => assert.equal(parseQuantity(value), expected));
  }
});
