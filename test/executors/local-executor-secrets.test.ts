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

/** The secret half of the ed25519 key (its 32-byte seed) as the key tasks print it. */
function keySeedForms(privateKey: string): Record<string, string> {
  const body = privateKey.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  const der = Buffer.from(body, 'base64');
  const at = der.indexOf(Buffer.from([0, 0, 0, 0x40])) + 4;
  return {
    'seed in the body': squash(body.slice(Math.ceil((at * 4) / 3) + 1, Math.floor(((at + 32) * 4) / 3) - 1)),
    'seed in hex': der.subarray(at, at + 32).toString('hex'),
  };
}

test('the password and the private key never reach the log, the events or the result', async () => {
  const privateKey = await readFile(h.env.sshPrivateKeyPath, 'utf8');
  const keyLines = privateKey
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 8 && !l.startsWith('-----'));
  assert.ok(keyLines.length > 0);

  const keyCopy = `${await h.markerDir()}/key`;
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName('leak'),
    vars: { ansible_password: password },
    secrets: [password],
    steps: [
      // Prints the key line by line, as a careless hook script would.
      { role: 'preHook', shell: ['cat', 'auth/ssh-privatekey'] },
      { role: 'preHook', shell: ['cp', 'auth/ssh-privatekey', keyCopy] },
      { role: 'preHook', shell: ['sh', '-c', `echo "${password.replace(/"/g, '\\"')}" >&2`] },
      { role: 'action', playbook: fixturePlaybook('leak-secrets.yml'), extraVars: { key_copy: keyCopy } },
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
  // The steps did print them, so the absence above is the redactor's doing.
  assert.match(log, /the password is \[REDACTED\]/);
  assert.ok(log.split('\n').filter((l) => l === '[REDACTED]').length >= keyLines.length);

  const forms = { ...passwordForms(password), ...keySeedForms(privateKey) };
  for (const [where, text] of Object.entries(everything)) {
    for (const [form, middle] of Object.entries(forms)) assert.ok(!squash(text).includes(middle), `the ${form} form in ${where}`);
  }
  const transformed = log.split('TASK [').filter((section) => /^Print the (?:password|key) as /.test(section));
  assert.equal(transformed.length, 16);
  for (const section of transformed) assert.match(section, /\[REDACTED\]/, `log: ${section.slice(0, section.indexOf(']'))}`);
  const messages = events.flatMap((e) => (e.type === 'host-result' && e.outcome === 'ok' && /^Print the (?:password|key) as /.test(e.task) ? [e] : []));
  assert.equal(messages.length, 16);
  for (const e of messages) assert.match(e.message ?? '', /\[REDACTED\]/, `event: ${e.task}`);
});
