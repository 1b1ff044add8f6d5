/** PEM private keys: finding their blocks, and telling their secret bytes from boilerplate. Pure. */
import type { Range } from './redact-ranges.js';

const PEM_PRIVATE_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)|-----END [A-Z0-9 ]*PRIVATE KEY-----/g;
const ARMOUR_LINE = /^-----(?:BEGIN|END) [A-Z0-9 ]*-----$/;
const HEADER_LINE = /^[A-Za-z-]+:/;

/**
 * Every PEM private key block, to its END line or, if cut off, to the end of the text; and an
 * END line whose block began before the text (the tail of a stderr).
 */
export function pemBlockRanges(text: string): Range[] {
  if (!text.includes('PRIVATE KEY-----')) return [];
  return Array.from(text.matchAll(PEM_PRIVATE_BLOCK), (m) => [m.index, m.index + m[0].length] as const);
}

export interface PemParts {
  /** BEGIN/END lines and headers such as "Proc-Type: …": the same in every key of a kind. */
  armour: string[];
  /** The decoded body. */
  der: Uint8Array;
}

/** A secret that is a PEM block, split into its public armour and its decoded body. */
export function pemParts(secret: string): PemParts | undefined {
  const lines = secret.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (!lines.some((l) => /^-----BEGIN /.test(l))) return undefined;
  const armour = lines.filter((l) => ARMOUR_LINE.test(l) || HEADER_LINE.test(l));
  const body = lines.filter((l) => !armour.includes(l)).join('');
  if (!/^[A-Za-z0-9+/=]+$/.test(body)) return undefined;
  return { armour, der: Buffer.from(body, 'base64') };
}

const u32 = (n: number) => String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const sshString = (s: string) => u32(s.length) + s;
const fromHex = (h: string) => Buffer.from(h, 'hex').toString('latin1');

const SSH_KEY_TYPES = [
  'ssh-ed25519', 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'nistp256', 'nistp384', 'nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
];

/**
 * Byte strings found in every key of a kind (OpenSSH's header and key type names, ASN.1
 * algorithm identifiers). Windows of a key that lie inside them would match other keys and
 * certificates, so they are not looked for.
 */
export const PUBLIC_KEY_BYTES: readonly Uint8Array[] = [
  'openssh-key-v1\0' + sshString('none') + sshString('none') + sshString('') + u32(1),
  'openssh-key-v1\0' + sshString('aes256-ctr') + sshString('bcrypt'),
  sshString('aes256-gcm@openssh.com'),
  ...SSH_KEY_TYPES.map(sshString),
  sshString('ssh-ed25519') + u32(32),
  sshString('ssh-rsa') + sshString('\x01\x00\x01'),
  fromHex('300d06092a864886f70d0101010500'), // rsaEncryption
  fromHex('300506032b6570'), // Ed25519
  fromHex('301306072a8648ce3d020106082a8648ce3d030107'), // EC P-256
  fromHex('301006072a8648ce3d020106052b81040022'), // EC P-384
  fromHex('301006072a8648ce3d020106052b81040023'), // EC P-521
].map((s) => Buffer.from(s, 'latin1'));
