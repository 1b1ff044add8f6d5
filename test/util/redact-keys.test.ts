/** A private key printed whole, re-wrapped, re-encoded or decoded; and keys that are not ours. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from '../../src/util/redact.js';
import { CERTIFICATE, FIXTURE_KEY, OTHER_PUBLIC_KEY } from '../fixtures/redact-keys.js';

const bodyOf = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
const body = bodyOf(FIXTURE_KEY);
const der = Buffer.from(body, 'base64');
const wrap = (text: string, width: number) => text.replace(new RegExp(`(.{${width}})`, 'g'), '$1\n');

// What every OpenSSH key starts with ("openssh-key-v1", cipher "none", kdf "none") is kept.
const HEADER_B64 = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZ';
const HEADER_HEX = '6f70656e7373682d6b65792d763100000000046e6f6e65000000046e6f6e6';

describe('an OpenSSH private key printed in another form', () => {
  const redact = createRedactor([FIXTURE_KEY]);
  const rows: { form: string; printed: string; redacted: string }[] = [
    { form: 'its body on one line', printed: body, redacted: `${HEADER_B64}[REDACTED]` },
    { form: 'its body wrapped at 64', printed: wrap(body, 64), redacted: `${HEADER_B64}[REDACTED]` },
    { form: 'its body reversed', printed: [...body].reverse().join(''), redacted: '[REDACTED]' },
    { form: 'JSON-escaped', printed: JSON.stringify(FIXTURE_KEY), redacted: '"[REDACTED]"' },
    // `lookup('file', key) | b64encode`: the armour's base64 is the same for every key.
    {
      form: 'the whole file base64-encoded, wrapped at 76',
      printed: wrap(Buffer.from(FIXTURE_KEY).toString('base64'), 76),
      redacted: 'LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBV[REDACTED]OU1NIIFBSSVZBVEUgS0VZLS0tLS0K\n',
    },
    // "5643" is inside "ssh-ed25519", which the key holds twice.
    { form: 'its decoded body in hex', printed: der.toString('hex'), redacted: `${HEADER_HEX}[REDACTED]5643[REDACTED]5643[REDACTED]` },
    {
      form: 'its decoded body in upper-case hex',
      printed: der.toString('hex').toUpperCase(),
      redacted: `${HEADER_HEX.toUpperCase()}[REDACTED]5643[REDACTED]5643[REDACTED]`,
    },
    {
      form: 'its decoded body base64url-encoded two bytes off',
      printed: Buffer.concat([Buffer.from('xy'), der]).toString('base64url'),
      redacted: 'eHlvcGVuc3NoLWtleS12MQAAAAAEbm9uZQAAAARub25[REDACTED]lZD[REDACTED]lZD[REDACTED]g',
    },
  ];
  for (const row of rows) it(row.form, () => assert.equal(redact(row.printed), row.redacted));

  it('any 12 characters of its private part', () => {
    const secretPart = body.indexOf('89f9iQH4');
    for (let i = secretPart; i + 12 <= secretPart + 86; i++) {
      assert.equal(redact(`<${body.slice(i, i + 12)}>`), '<[REDACTED]>', `body[${i}:${i + 12}]`);
    }
  });
});

describe('keys and certificates that are not the secret stay readable', () => {
  const redact = createRedactor([FIXTURE_KEY]);
  it('another ed25519 public key', () => assert.equal(redact(OTHER_PUBLIC_KEY), OTHER_PUBLIC_KEY));
  it('a certificate', () => assert.equal(redact(CERTIFICATE), CERTIFICATE));
  it('a base64-encoded certificate (a kubeconfig\'s certificate-authority-data)', () => {
    const encoded = Buffer.from(CERTIFICATE).toString('base64');
    assert.equal(redact(encoded), encoded);
  });
});

describe('a 4096-bit RSA key in PKCS#8', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 4096,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const redact = createRedactor([privateKey]);
  const rsaBody = bodyOf(privateKey);
  const kept = (text: string) => redact(text).replace(/\[REDACTED\]|\s/g, '');

  it('its body, re-wrapped or in hex, keeps at most its ASN.1 header', () => {
    assert.ok(kept(rsaBody).length <= 32, kept(rsaBody));
    assert.ok(kept(wrap(rsaBody, 40)).length <= 32);
    assert.ok(kept(Buffer.from(rsaBody, 'base64').toString('hex')).length <= 48);
  });

  it('its own public key is redacted too: it is inside the private key', () => {
    assert.match(redact(publicKey), /\[REDACTED\]/);
  });
});
