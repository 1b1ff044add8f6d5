/** The console's serving certificate: tls.crt and tls.key of a directory (a mounted kubernetes.io/tls Secret), or a self-signed one. */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSelfSignedCert, type KeyAndCert } from '../util/x509.js';

const SELF_SIGNED_DAYS = 365;

export async function consoleCertificate(certDir: string | undefined, names: readonly string[]): Promise<KeyAndCert & { selfSigned: boolean }> {
  if (!certDir) return { ...createSelfSignedCert(names, SELF_SIGNED_DAYS), selfSigned: true };
  const [cert, key] = await Promise.all([readFile(join(certDir, 'tls.crt'), 'utf8'), readFile(join(certDir, 'tls.key'), 'utf8')]);
  return { cert, key, selfSigned: false };
}

/** The SHA-256 fingerprint a user compares before trusting a self-signed certificate. */
export const fingerprint = (cert: string): string => new X509Certificate(cert).fingerprint256;
