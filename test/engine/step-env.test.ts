import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepEnv as localStepEnv } from '../../src/executors/local-executor.js';
import type { Step } from '../../src/engine/plan-types.js';
import { stepEnv, stepSettings } from '../../src/engine/step-env.js';

const step = (env: Record<string, string>): Step => ({
  name: 'action: ping.yml', role: 'action', kind: 'playbook', argv: ['ansible-playbook'], env, source: 'builtin', action: 'ping.yml',
});

describe('stepEnv', () => {
  const cases: { name: string; env: Record<string, string> }[] = [
    { name: 'no settings of its own', env: {} },
    { name: 'ansible settings', env: { ANSIBLE_CONFIG: 'builtin/ansible.cfg', ANSIBLE_NOCOLOR: '1' } },
    { name: 'callbacks of its own', env: { ANSIBLE_CALLBACK_PLUGINS: '/x/cb', ANSIBLE_CALLBACKS_ENABLED: 'timer' } },
    { name: 'a HOME of its own', env: { HOME: '/elsewhere' } },
  ];
  for (const c of cases) {
    it(`is the local executor's environment for a step with ${c.name}`, () => {
      const rt = { workDir: '/w/op', socketDir: '/tmp/cp', path: process.env.PATH || '/usr/local/bin:/usr/bin:/bin', lang: process.env.LANG || 'C.UTF-8' };
      assert.deepEqual(stepEnv(step(c.env), rt), localStepEnv(step(c.env), rt.workDir, rt.socketDir));
    });
  }

  it('puts our callback first, relative to the work dir, for the job image', () => {
    const s = stepSettings(step({ ANSIBLE_CALLBACK_PLUGINS: '/x/cb', ANSIBLE_CALLBACKS_ENABLED: 'timer' }));
    assert.equal(s.ANSIBLE_CALLBACK_PLUGINS, 'builtin/callback_plugins:/x/cb');
    assert.equal(s.ANSIBLE_CALLBACKS_ENABLED, 'slipway_events,timer');
    assert.equal(s.PATH, undefined);
  });
});
