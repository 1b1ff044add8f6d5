import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Step } from '../../src/engine/plan-types.js';
import type { ExecutionEvent } from '../../src/executors/types.js';
import { foldProgress, initialProgress, MAX_LISTED_FAILED_HOSTS, progressOf } from '../../src/status/operation-progress.js';

const step = (name: string): Step => ({ name }) as Step;
const result = (host: string, outcome: 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped', task = 'install', message?: string): ExecutionEvent => ({
  type: 'host-result',
  host,
  task,
  outcome,
  ...(message ? { message } : {}),
});

function fold(inventoryHosts: number, events: ExecutionEvent[]) {
  const state = initialProgress(inventoryHosts);
  for (const e of events) foldProgress(state, e);
  return progressOf(state);
}

describe('operation progress', () => {
  it('names the step, play and task and counts what hosts did', () => {
    const p = fold(3, [
      { type: 'step-start', index: 1, total: 3, step: step('cluster.yml') },
      { type: 'play', name: 'Install Kubernetes' },
      { type: 'task', name: 'gather facts' },
      result('node1', 'ok'),
      result('node2', 'changed'),
      { type: 'task', name: 'kubeadm init' },
      result('node1', 'skipped'),
      result('node2', 'failed', 'kubeadm init', 'exit 1\nmore'),
    ]);
    assert.equal(p.summary, '2/3 kubeadm init');
    assert.deepEqual(
      { step: p.step, totalSteps: p.totalSteps, stepName: p.stepName, play: p.play, task: p.task, tasksStarted: p.tasksStarted },
      { step: 2, totalSteps: 3, stepName: 'cluster.yml', play: 'Install Kubernetes', task: 'kubeadm init', tasksStarted: 2 },
    );
    assert.deepEqual(p.results, { ok: 1, changed: 1, failed: 1, unreachable: 0, skipped: 1, ignored: 0 });
    // node1 ok (a skip does not lower it), node2 failed (worse than changed), node3 not heard from yet.
    assert.deepEqual(p.hosts, { pending: 1, ok: 1, changed: 0, failed: 1, unreachable: 0 });
    assert.deepEqual(p.failedHosts, [{ name: 'node2', task: 'kubeadm init', message: 'exit 1' }]);
  });

  it('starts each step afresh', () => {
    const p = fold(2, [
      { type: 'step-start', index: 0, total: 2, step: step('ping.yml') },
      { type: 'task', name: 'ping' },
      result('node1', 'unreachable'),
      { type: 'step-start', index: 1, total: 2, step: step('cluster-info.yml') },
    ]);
    assert.equal(p.task, undefined);
    assert.equal(p.tasksStarted, 0);
    assert.deepEqual(p.hosts, { pending: 2, ok: 0, changed: 0, failed: 0, unreachable: 0 });
    assert.deepEqual(p.failedHosts, []);
  });

  it('counts a task the free strategy announces per host once', () => {
    const p = fold(2, [{ type: 'step-start', index: 0, total: 1, step: step('s') }, { type: 'task', name: 't' }, { type: 'task', name: 't' }]);
    assert.equal(p.tasksStarted, 1);
  });

  it('stays small for 5000 hosts that all fail', () => {
    const events: ExecutionEvent[] = [{ type: 'step-start', index: 0, total: 1, step: step('cluster.yml') }, { type: 'task', name: 'preflight' }];
    for (let i = 0; i < 5000; i++) events.push(result(`node${i}`, 'failed', 'preflight', 'x'.repeat(10_000)));
    const p = fold(5000, events);
    assert.equal(p.hosts.failed, 5000);
    assert.equal(p.failedHosts.length, MAX_LISTED_FAILED_HOSTS);
    assert.ok(JSON.stringify(p).length < 10_000, `${JSON.stringify(p).length} bytes`);
  });
});
