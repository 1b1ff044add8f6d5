import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoStep, type OperationRecord } from '../../src/desired/auto-step.js';
import type { ConvergencePlan, PendingOperation } from '../../src/desired/convergence-types.js';

const scale: PendingOperation = { kind: 'add-workers', action: 'scale.yml', extraArgs: '--limit=w2', hosts: ['w2'], reason: 'w2 is a new worker' };
const upgrade: PendingOperation = { kind: 'upgrade', action: 'upgrade-cluster.yml', extraArgs: '-e kube_version=v1.35.4', hosts: ['cp1'], reason: 'up' };
const plan = (...operations: PendingOperation[]): ConvergencePlan => ({ operations, blocked: [], paused: false });
let clock = 0;
const op = (name: string, status: string | undefined, over: Partial<OperationRecord> = {}): OperationRecord => ({
  name,
  ...(status ? { status } : {}),
  created: new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString(),
  action: 'scale.yml',
  extraArgs: '--limit=w2',
  ...over,
});
const kind = (d: ReturnType<typeof autoStep>) => (d.kind === 'create' ? `create ${d.operation.action}` : d.kind === 'stopped' || d.kind === 'wait' ? `${d.kind} ${d.operation ?? ''}`.trim() : d.kind);

describe('autoStep (what Auto does on one pass)', () => {
  const table: { name: string; plan: ConvergencePlan; history: OperationRecord[]; want: string }[] = [
    { name: 'nothing to do', plan: plan(), history: [], want: 'idle' },
    { name: 'the first pending operation is created', plan: plan(upgrade, scale), history: [], want: 'create upgrade-cluster.yml' },
    { name: 'paused, blocked or unreadable: nothing', plan: { ...plan(scale), paused: true }, history: [], want: 'idle' },
    { name: 'blocked', plan: { ...plan(scale), blocked: ['x'] }, history: [], want: 'idle' },
    { name: 'unreadable', plan: { ...plan(scale), waiting: 'x' }, history: [], want: 'idle' },
    { name: 'held for approval: nothing', plan: plan({ ...scale, needsApproval: 'approve' }), history: [], want: 'idle' },
    { name: "any operation of the cluster unfinished (a person's too): wait", plan: plan(scale), history: [op('mine', 'Running', { action: 'ping.yml' })], want: 'wait mine' },
    { name: 'created but not started: wait', plan: plan(scale), history: [op('g1', undefined, { generatedFor: 'f1' })], want: 'wait g1' },
    { name: 'a generated one failed for these inputs: stopped', plan: plan(scale), history: [op('g1', 'Failed', { generatedFor: 'f1' })], want: 'stopped g1' },
    { name: 'cancelled counts as failed', plan: plan(scale), history: [op('g1', 'Cancelled', { generatedFor: 'f1' })], want: 'stopped g1' },
    { name: 'a failure of a person’s operation does not stop Auto', plan: plan(scale), history: [op('mine', 'Failed')], want: 'create scale.yml' },
    { name: 'failed for other inputs (a new edit): resumes', plan: plan(scale), history: [op('g1', 'Failed', { generatedFor: 'f0' })], want: 'create scale.yml' },
    { name: 'a retry that failed: still stopped', plan: plan(scale), history: [op('g1', 'Failed', { generatedFor: 'f1' }), op('g1-retry-1', 'Failed', { retryOf: 'g1' })], want: 'stopped g1' },
    {
      name: 'a retry of a retry succeeded: resumes with the next step',
      plan: plan(upgrade),
      history: [op('g1', 'Failed', { generatedFor: 'f1' }), op('g1-retry-1', 'Failed', { retryOf: 'g1' }), op('g1-retry-2', 'Succeeded', { retryOf: 'g1-retry-1' })],
      want: 'create upgrade-cluster.yml',
    },
    { name: 'retried, but the cluster does not show it yet: wait, not again', plan: plan(scale), history: [op('g1', 'Failed', { generatedFor: 'f1' }), op('g1-retry-1', 'Succeeded', { retryOf: 'g1' })], want: 'wait g1' },
    { name: 'succeeded, not observed yet: wait, not the same step again', plan: plan(scale), history: [op('g1', 'Succeeded', { generatedFor: 'f1' })], want: 'wait g1' },
    { name: 'succeeded and observed: the next step', plan: plan(upgrade), history: [op('g1', 'Succeeded', { generatedFor: 'f1' })], want: 'create upgrade-cluster.yml' },
    { name: 'the latest generated one decides', plan: plan(scale), history: [op('g0', 'Failed', { generatedFor: 'f1' }), op('g1', 'Succeeded', { generatedFor: 'f1', action: 'upgrade-cluster.yml' })], want: 'create scale.yml' },
  ];
  for (const t of table) it(t.name, () => assert.equal(kind(autoStep(t.plan, t.history, 'f1')), t.want));

  it('says how to go on when stopped', () => {
    const d = autoStep(plan(scale), [op('g1', 'Failed', { generatedFor: 'f1' })], 'f1');
    assert.equal(d.kind, 'stopped');
    assert.match(d.kind === 'stopped' ? d.why : '', /g1 \(scale\.yml --limit=w2\) ended Failed: nothing more is generated until `slipway retry g1` succeeds or the hosts or vars change/);
  });
});
