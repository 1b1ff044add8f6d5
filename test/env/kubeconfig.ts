import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { ADMIN_USER, AUDITED_USER, type CertPaths } from './certs.js';

export interface KubeconfigInput {
  server: string;
  caCert: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  user: string;
  cluster?: string;
}

/** A kubeconfig with the certificates embedded, so it stays valid wherever it is copied. */
export function renderKubeconfig(i: KubeconfigInput): string {
  const cluster = i.cluster ?? 'slipway-test';
  const context = `${i.user}@${cluster}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: i.server, 'certificate-authority-data': i.caCert.toString('base64') } }],
    users: [
      {
        name: i.user,
        user: {
          'client-certificate-data': i.clientCert.toString('base64'),
          'client-key-data': i.clientKey.toString('base64'),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster, user: i.user } }],
    'current-context': context,
    preferences: {},
  });
}

/** Writes the admin kubeconfig (mode 0600) for `server` and returns its path. */
export function writeAdminKubeconfig(path: string, server: string, certs: CertPaths): Promise<string> {
  return writeKubeconfig(path, server, certs.caCert, certs.adminCert, certs.adminKey, ADMIN_USER);
}

/** The same for the audited user: what it does shows in the apiserver's audit log. */
export function writeAuditedKubeconfig(path: string, server: string, certs: CertPaths): Promise<string> {
  return writeKubeconfig(path, server, certs.caCert, certs.auditedCert, certs.auditedKey, AUDITED_USER);
}

async function writeKubeconfig(path: string, server: string, caFile: string, certFile: string, keyFile: string, user: string): Promise<string> {
  const [caCert, clientCert, clientKey] = await Promise.all([readFile(caFile), readFile(certFile), readFile(keyFile)]);
  await writeFile(path, renderKubeconfig({ server, caCert, clientCert, clientKey, user }), { mode: 0o600 });
  return path;
}
