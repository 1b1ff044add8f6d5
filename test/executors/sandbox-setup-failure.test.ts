import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sandboxSetupFailed } from '../../src/executors/local-executor.js';
import type { StepResult } from '../../src/executors/types.js';

const step = (over: Partial<StepResult>): StepResult => ({
  name: 'action: cluster.yml', role: 'action', status: 'Failed', exitCode: 1,
  startTime: '', endTime: '', hosts: {}, failures: [], ...over,
});

describe('a step bwrap failed to start is started once more', () => {
  it('only when bwrap failed and no host saw the step', () => {
    assert.equal(sandboxSetupFailed(step({ message: 'ansible-playbook exited with code 1: bwrap: loopback: Failed RTM_NEWADDR: No child processes' })), true);
    assert.equal(sandboxSetupFailed(step({ message: 'ansible-playbook exited with code 2: task failed' })), false);
    assert.equal(sandboxSetupFailed(step({ status: 'Succeeded', message: ': bwrap: ' })), false);
    const seen = { ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
    assert.equal(sandboxSetupFailed(step({ message: 'exited with code 1: bwrap: x', hosts: { node1: seen } as unknown as StepResult['hosts'] })), false);
  });
});
