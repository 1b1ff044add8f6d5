import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLineRedactor, createRedactor, pinoRedactOptions, redactDeep } from '../../src/util/redact.js';

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

test('JSON-escaped forms of a secret are replaced too', () => {
  const secret = 'he said "hi"\\';
  const redact = createRedactor([secret]);
  const json = JSON.stringify({ msg: `x ${secret} y` });
  assert.equal(redact(json), '{"msg":"x [REDACTED] y"}');
});

test('each line of a multi-line secret is replaced on its own', () => {
  const redact = createRedactor([KEY]);
  for (const line of KEY.split('\n').filter((l) => l.length >= 8)) assert.equal(redact(`>> ${line}`), '>> [REDACTED]');
  // Short lines would blank out ordinary words.
  assert.equal(redact('AAAB'), 'AAAB');
});

test('a PEM private key block is replaced even when no secret names it', () => {
  const redact = createRedactor([]);
  assert.equal(redact(`key: ${KEY}done`), 'key: [REDACTED]\ndone');
  const escaped = JSON.stringify({ msg: KEY });
  assert.equal(redact(escaped), '{"msg":"[REDACTED]\\n"}');
  assert.equal(redact('-----BEGIN RSA PRIVATE KEY-----\nMIIabc'), '[REDACTED]');
  assert.equal(redact('-----BEGIN PUBLIC KEY-----'), '-----BEGIN PUBLIC KEY-----');
});

test('the line redactor hides a PEM block printed over several lines', () => {
  const redact = createLineRedactor([]);
  const out = ['before', ...KEY.split('\n'), 'after'].map(redact);
  assert.deepEqual(out, ['before', '[REDACTED]', '[REDACTED]', '[REDACTED]', '[REDACTED]', '[REDACTED]', '', 'after']);
});

test('empty secrets are ignored', () => {
  assert.equal(createRedactor(['', '']).call(null, 'text'), 'text');
});

test('redactDeep reaches every string in nested values', () => {
  const redact = createRedactor(['pw']);
  assert.deepEqual(redactDeep({ a: 'pw', b: ['x pw', 3, null], c: { d: 'pw!' } }, redact), {
    a: '[REDACTED]',
    b: ['x [REDACTED]', 3, null],
    c: { d: '[REDACTED]!' },
  });
});

test('pino accepts the redact options and censors the named fields', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ redact: pinoRedactOptions(['extra.path']) }, sink);
  logger.info({ password: 'a', ssh: { privateKey: 'b' }, extra: { path: 'c' }, keep: 'd' }, 'm');
  const logged = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  assert.equal(logged.password, '[REDACTED]');
  assert.deepEqual(logged.ssh, { privateKey: '[REDACTED]' });
  assert.deepEqual(logged.extra, { path: '[REDACTED]' });
  assert.equal(logged.keep, 'd');
});
