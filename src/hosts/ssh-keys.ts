import { readFile, rm } from 'node:fs/promises';
import { execa } from 'execa';

export interface SshKeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  privateKey: string;
  /** One line, "ssh-ed25519 AAAA… comment", without the trailing newline. */
  publicKey: string;
}

/** Generates an unencrypted ed25519 key pair at `path` and `path`.pub, replacing old ones. */
export async function generateEd25519Key(path: string, comment: string): Promise<SshKeyPair> {
  // ssh-keygen asks before overwriting, and nothing would answer.
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { stdin: 'ignore' });
  const [privateKey, publicKey] = await Promise.all([readFile(path, 'utf8'), readFile(`${path}.pub`, 'utf8')]);
  return { privateKeyPath: path, publicKeyPath: `${path}.pub`, privateKey, publicKey: publicKey.trim() };
}

/** A known_hosts line for a host on a non-default port: "[addr]:port type key". */
export function knownHostsLine(address: string, port: number, publicKey: string): string {
  const [type, key] = publicKey.trim().split(/\s+/);
  if (!type || !key) throw new Error(`not an OpenSSH public key: ${JSON.stringify(publicKey)}`);
  const host = port === 22 ? address : `[${address}]:${port}`;
  return `${host} ${type} ${key}`;
}
