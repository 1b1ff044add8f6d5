/**
 * Certificates built with node:crypto alone (ECDSA P-256), in an image that carries no openssl: a
 * CA and a serving certificate it signs (the admission webhook's TLS, whose CA goes in the
 * webhook configuration), or one self-signed serving certificate (/metrics without a certificate
 * of its own, as controller-runtime's secure metrics serving does). Only the DER this needs is
 * encoded here; node's X509Certificate parses the result.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export interface KeyAndCert {
  /** PEM, PKCS#8. */
  key: string;
  /** PEM. */
  cert: string;
}

const len = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};
const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const ctx = (n: number, body: Buffer, constructed = true): Buffer => tlv((constructed ? 0xa0 : 0x80) | n, body);
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const n of rest) {
    const groups: number[] = [];
    let v = n;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(out));
}

function positiveInteger(b: Buffer): Buffer {
  const body = b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
  return tlv(0x02, body);
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(s.slice(2), 'ascii')) : tlv(0x18, Buffer.from(s, 'ascii'));
}

const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const t = words(tail);
  const all = ip.includes('::') ? [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  return Buffer.from(all.flatMap((w) => [w >> 8, w & 0xff]));
}

function subjectAltNames(names: readonly string[]): Buffer {
  return seq(...names.map((n) => (isIP(n) ? ctx(7, ipBytes(n), false) : ctx(2, Buffer.from(n, 'ascii'), false))));
}

function certificate(o: { subject: string; issuer: string; publicKey: KeyObject; signer: KeyObject; days: number; extensions: Buffer[] }): string {
  const now = Date.now();
  const tbs = seq(
    ctx(0, tlv(0x02, Buffer.from([2]))),
    positiveInteger(randomBytes(16)),
    ECDSA_SHA256,
    name(o.issuer),
    seq(time(new Date(now - 5 * 60_000)), time(new Date(now + o.days * 86_400_000))),
    name(o.subject),
    o.publicKey.export({ type: 'spki', format: 'der' }),
    ctx(3, seq(...o.extensions)),
  );
  const signature = sign('sha256', tbs, o.signer);
  const der = seq(tbs, ECDSA_SHA256, bits(signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;

export function createCa(commonName: string, days: number): KeyAndCert {
  const { privateKey, publicKey } = newKey();
  const cert = certificate({
    subject: commonName,
    issuer: commonName,
    publicKey,
    signer: privateKey,
    days,
    extensions: [
      extension('2.5.29.19', true, seq(bool(true))),
      extension('2.5.29.15', true, bits(Buffer.from([0x06]))), // keyCertSign, cRLSign
    ],
  });
  return { key: pem(privateKey), cert };
}

/** A serverAuth certificate for `names` (DNS names or IP addresses), signed by itself: clients pin it. */
export function createSelfSignedCert(names: readonly string[], days: number): KeyAndCert {
  const { privateKey, publicKey } = newKey();
  const subject = names[0] ?? 'localhost';
  const cert = certificate({ subject, issuer: subject, publicKey, signer: privateKey, days, extensions: servingExtensions(names) });
  return { key: pem(privateKey), cert };
}

/** A serverAuth certificate for `names` (DNS names or IP addresses), signed by `ca`. */
export function createServingCert(ca: KeyAndCert, names: readonly string[], days: number): KeyAndCert {
  const { privateKey, publicKey } = newKey();
  const issuer = new X509Certificate(ca.cert).subject.replace(/^CN=/, '');
  const cert = certificate({
    subject: names[0] ?? 'webhook',
    issuer,
    publicKey,
    signer: createPrivateKey(ca.key),
    days,
    extensions: servingExtensions(names),
  });
  return { key: pem(privateKey), cert };
}

const servingExtensions = (names: readonly string[]): Buffer[] => [
  extension('2.5.29.19', true, seq()),
  extension('2.5.29.15', true, bits(Buffer.from([0x80]))), // digitalSignature
  extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))),
  extension('2.5.29.17', false, subjectAltNames(names)),
];
