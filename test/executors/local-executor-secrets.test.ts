import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { executorHarness, recorder } from './harness.js';
import { buildTestPlan, fixturePlaybook } from './plan-fixture.js';

const h = await executorHarness('secrets');
const password = `pw-${h.env.randomName('hunter2')}-"quoted"`;

test('the password never reaches the log, the events or the result; the private key is nowhere to print', async () => {
  const privateKey = await readFile(h.env.sshPrivateKeyPath, 'utf8');
  const keyLines = privateKey
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 8 && !l.startsWith('-----'));
  assert.ok(keyLines.length > 0);

  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('leak'),
    vars: { ansible_password: password },
    secrets: [password],
    steps: [
      // A careless hook script looks for the key where it used to be: it is not there.
      { role: 'preHook', shell: ['sh', '-c', 'cat auth/* || true'] },
      { role: 'preHook', shell: ['sh', '-c', `echo "${password.replace(/"/g, '\\"')}" >&2`] },
      { role: 'action', playbook: fixturePlaybook('leak-secrets.yml') },
    ],
  });
  const { events, sink } = recorder();
  const result = await h.executor.run(plan, sink);

  assert.equal(result.status, 'Failed');
  assert.equal(result.failed?.task, 'Fail with the password');
  assert.equal(result.failed?.message, 'task "Fail with the password" failed on node1: login with [REDACTED] refused');

  const log = await readFile(h.logFile, 'utf8');
  const everything = { log, events: JSON.stringify(events), result: JSON.stringify(result) };
  for (const [where, text] of Object.entries(everything)) {
    assert.ok(!text.includes(password), `password in ${where}`);
    assert.ok(!text.includes(JSON.stringify(password).slice(1, -1)), `escaped password in ${where}`);
    for (const line of keyLines) assert.ok(!text.includes(line), `a key line in ${where}`);
    assert.ok(!text.includes('PRIVATE KEY-----'), `PEM armour in ${where}`);
  }
  // The steps did print the password, so its absence above is the redactor's doing.
  assert.match(log, /the password is \[REDACTED\]/);
  assert.match(log, /stderr has \[REDACTED\]/);
});
