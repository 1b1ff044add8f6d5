import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Step } from '../../src/engine/plan-types.js';
import { stepEnv, stepSettings } from '../../src/engine/step-env.js';

const step = (env: Record<string, string>): Step => ({
  name: 'action: ping.yml', role: 'action', kind: 'playbook', argv: ['ansible-playbook'], env, source: 'builtin', action: 'ping.yml',
});

describe('stepEnv', () => {
  const rt = { workDir: '/w/op', socketDir: '/tmp/cp', path: '/usr/bin:/bin', lang: 'C.UTF-8', agentSocket: '/tmp/agent/sock' };
  const base = {
    PATH: '/usr/bin:/bin', HOME: '/w/op', LANG: 'C.UTF-8', ANSIBLE_SSH_CONTROL_PATH_DIR: '/tmp/cp',
    PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ANSIBLE_NOCOLOR: '1', SSH_AUTH_SOCK: '/tmp/agent/sock',
    ANSIBLE_CALLBACK_PLUGINS: '/w/op/builtin/callback_plugins', ANSIBLE_CALLBACKS_ENABLED: 'slipway_events,slipway_hangup',
    ANSIBLE_CACHE_PLUGIN: 'slipway_interpreters', ANSIBLE_CACHE_PLUGINS: '/w/op/builtin/cache_plugins', ANSIBLE_CACHE_PLUGIN_CONNECTION: '/w/op/facts',
  };
  const cases: { name: string; env: Record<string, string>; expect: Record<string, string> }[] = [
    { name: 'no settings of its own', env: {}, expect: base },
    { name: 'ansible settings', env: { ANSIBLE_CONFIG: 'builtin/ansible.cfg' }, expect: { ...base, ANSIBLE_CONFIG: 'builtin/ansible.cfg' } },
    {
      name: 'callbacks of its own',
      env: { ANSIBLE_CALLBACK_PLUGINS: '/x/cb', ANSIBLE_CALLBACKS_ENABLED: 'timer' },
      expect: { ...base, ANSIBLE_CALLBACK_PLUGINS: '/w/op/builtin/callback_plugins:/x/cb', ANSIBLE_CALLBACKS_ENABLED: 'slipway_events,slipway_hangup,timer' },
    },
    {
      name: 'a fact cache of its own (it wins)',
      env: { ANSIBLE_CACHE_PLUGIN: 'jsonfile' },
      expect: { ...base, ANSIBLE_CACHE_PLUGIN: 'jsonfile' },
    },
    { name: 'a HOME of its own (it wins)', env: { HOME: '/elsewhere' }, expect: { ...base, HOME: '/elsewhere' } },
    { name: 'an SSH_AUTH_SOCK of its own (the operation agent wins)', env: { SSH_AUTH_SOCK: '/evil' }, expect: base },
  ];
  for (const c of cases) {
    it(`is the base, the step's settings and our callback for a step with ${c.name}`, () => {
      assert.deepEqual(stepEnv(step(c.env), rt), c.expect);
    });
  }

  it('puts our callbacks first, relative to the work dir, for the job image', () => {
    const s = stepSettings(step({ ANSIBLE_CALLBACK_PLUGINS: '/x/cb', ANSIBLE_CALLBACKS_ENABLED: 'timer' }));
    assert.equal(s.ANSIBLE_CALLBACK_PLUGINS, 'builtin/callback_plugins:/x/cb');
    assert.equal(s.ANSIBLE_CALLBACKS_ENABLED, 'slipway_events,slipway_hangup,timer');
    assert.equal(s.ANSIBLE_CACHE_PLUGINS, 'builtin/cache_plugins');
    assert.equal(s.ANSIBLE_CACHE_PLUGIN_CONNECTION, 'facts');
    assert.equal(s.PATH, undefined);
  });
});
