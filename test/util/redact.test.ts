import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SECRET_VARS } from '../../src/policy/ansible-vars.js';
import { pinoRedactOptions } from '../../src/policy/redact-pino.js';
import { createRedactor, redactDeep } from '../../src/util/redact.js';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBaY2VrZXlrZXlrZXlrZXlrZXlrZXlrZXlrZXlrZXlrZXlrZQAAAJg=',
  'AAAB',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');

test('every occurrence of a secret is replaced', () => {
  const redact = createRedactor(['s3cr3t', 'p.a*s+s']);
  assert.equal(redact('a s3cr3t b s3cr3t'), 'a [REDACTED] b [REDACTED]');
  assert.equal(redact('regex chars p.a*s+s stay literal: pXaas'), 'regex chars [REDACTED] stay literal: pXaas');
  assert.equal(redact('nothing here'), 'nothing here');
});

test('JSON-escaped forms of a secret are replaced too, quotes and all', () => {
  const secret = 'he said "hi"\\';
  const redact = createRedactor([secret]);
  const json = JSON.stringify({ msg: `x ${secret} y` });
  assert.equal(redact(json), '{"msg":"x [REDACTED] y"}');
});

test('a multi-line secret is found line by line; its boilerplate and a short line alone are not', () => {
  const redact = createRedactor([KEY]);
  const [, header, body, short, end] = KEY.split('\n');
  // Every OpenSSH key starts with "openssh-key-v1", "none", "none": that much stays.
  assert.equal(redact(`>> ${header}`), '>> b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZ[REDACTED]');
  assert.equal(redact(`>> ${body}`), '>> Q[REDACTED]');
  // Short lines would blank out ordinary words.
  assert.equal(redact(short!), 'AAAB');
  assert.equal(redact(end!), '[REDACTED]');
});

test('a PEM private key block is replaced even when no secret names it', () => {
  const redact = createRedactor([]);
  assert.equal(redact(`key: ${KEY}done`), 'key: [REDACTED]\ndone');
  const escaped = JSON.stringify({ msg: KEY });
  assert.equal(redact(escaped), '{"msg":"[REDACTED]\\n"}');
  assert.equal(redact('-----BEGIN RSA PRIVATE KEY-----\nMIIabc'), '[REDACTED]');
  assert.equal(redact('-----BEGIN PUBLIC KEY-----'), '-----BEGIN PUBLIC KEY-----');
});

test('empty secrets are ignored', () => {
  assert.equal(createRedactor(['', ''])('text'), 'text');
});

test('redactDeep reaches every string in nested values, keys included', () => {
  const redact = createRedactor(['pw']);
  assert.deepEqual(redactDeep({ a: 'pw', b: ['x pw', 3, null], c: { d: 'pw!' }, pw: 1 }, redact), {
    a: '[REDACTED]',
    b: ['x [REDACTED]', 3, null],
    c: { d: '[REDACTED]!' },
    '[REDACTED]': 1,
  });
});

test('redactDeep finds a secret spread over several strings', () => {
  const redact = createRedactor(['Tr0ub4dor&3-xK9q']);
  const event = { type: 'host-result', message: 'start', chars: [...'Tr0ub4dor&3-xK9q'], after: 'end' };
  const out = redactDeep(event, redact);
  assert.deepEqual(out, { type: 'host-result', message: 'start', chars: Array(16).fill('[REDACTED]'), after: 'end' });
});

test('pino censors the secret variables the policy names and Slipway\'s own secret fields', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ redact: pinoRedactOptions(['extra.path']) }, sink);
  const vars = Object.fromEntries([...SECRET_VARS].map((k) => [k, 'x']));
  logger.info({ password: 'a', ssh: { privateKey: 'b' }, extra: { path: 'c' }, keep: 'd', vars }, 'm');
  const logged = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  assert.equal(logged.password, '[REDACTED]');
  assert.deepEqual(logged.ssh, { privateKey: '[REDACTED]' });
  assert.deepEqual(logged.extra, { path: '[REDACTED]' });
  assert.equal(logged.keep, 'd');
  assert.ok(SECRET_VARS.has('ansible_ssh_pass'));
  assert.deepEqual(logged.vars, Object.fromEntries([...SECRET_VARS].map((k) => [k, '[REDACTED]'])));
});

test('the END line of a private key whose start was cut off is replaced', () => {
  const redact = createRedactor([]);
  assert.equal(redact('...AAAB\n-----END OPENSSH PRIVATE KEY-----\n'), '...AAAB\n[REDACTED]\n');
});
