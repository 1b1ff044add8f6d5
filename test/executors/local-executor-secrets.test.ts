import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { executorHarness, recorder } from './harness.js';
import { buildTestPlan, fixturePlaybook } from './plan-fixture.js';

const h = await executorHarness('secrets');
const password = `pw-${h.env.randomName('hunter2')}-"quoted"`;

/** Lower case, without whitespace, quotes, commas, brackets and escapes: how a secret re-printed may look. */
const squash = (text: string) => text.replace(/\\[nrt]/g, '').toLowerCase().replace(/[\s'"`,[\]()\\]/g, '');
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

/** The password as leak-secrets.yml prints it, each cut to a middle that shares no edge with other text. */
function passwordForms(pw: string): Record<string, string> {
  const forms: Record<string, string> = {
    plain: pw,
    base64: b64(pw),
    'base64 one byte off': b64(`x${pw}`).slice(4),
    reversed: [...pw].reverse().join(''),
    urlencode: encodeURIComponent(pw),
    hex: Buffer.from(pw).toString('hex'),
  };
  return Object.fromEntries(Object.entries(forms).map(([k, v]) => [k, squash(v).slice(2, -4)]));
}

test('the password, also transformed, never reaches the log, the events or the result; the private key is nowhere to print', async () => {
  const privateKey = await readFile(h.env.sshPrivateKeyPath, 'utf8');
  const keyLines = privateKey
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 8 && !l.startsWith('-----'));
  assert.ok(keyLines.length > 0);

  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('leak'),
    // The planner finds the password in the inventory and makes it a secret of the plan.
    vars: { ansible_password: password },
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

  const forms = passwordForms(password);
  for (const [where, text] of Object.entries(everything)) {
    for (const [form, middle] of Object.entries(forms)) assert.ok(!squash(text).includes(middle), `the ${form} form in ${where}`);
  }
  const transformed = log.split('TASK [').filter((section) => /^Print the password as /.test(section));
  assert.equal(transformed.length, 12);
  for (const section of transformed) assert.match(section, /\[REDACTED\]/, `log: ${section.slice(0, section.indexOf(']'))}`);
  const messages = events.flatMap((e) => (e.type === 'host-result' && e.outcome === 'ok' && /^Print the password as /.test(e.task) ? [e] : []));
  assert.equal(messages.length, 12);
  for (const e of messages) assert.match(e.message ?? '', /\[REDACTED\]/, `event: ${e.task}`);
});
