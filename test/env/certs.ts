import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** Where every key and certificate of one test environment lives. */
export interface CertPaths {
  dir: string;
  caCert: string;
  caKey: string;
  apiServerCert: string;
  apiServerKey: string;
  adminCert: string;
  adminKey: string;
  /** A second cluster admin whose requests the apiserver audits (see kube-apiserver.ts). */
  auditedCert: string;
  auditedKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/** The first address of --service-cluster-ip-range, which the apiserver gives to the `kubernetes` Service. */
export const KUBERNETES_SERVICE_IP = '10.0.0.1';

export const API_SERVER_SANS = [
  'IP:127.0.0.1',
  `IP:${KUBERNETES_SERVICE_IP}`,
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

export const ADMIN_USER = 'slipway-admin';
/** The only user whose requests the test apiserver writes to its audit log. */
export const AUDITED_USER = 'slipway-audited';

const DAYS = '365';

export function certPaths(dir: string): CertPaths {
  const f = (name: string): string => join(dir, name);
  return {
    dir,
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    apiServerCert: f('apiserver.crt'),
    apiServerKey: f('apiserver.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    auditedCert: f('audited.crt'),
    auditedKey: f('audited.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
  };
}

export function caArgs(p: CertPaths): string[] {
  return [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', DAYS,
    '-keyout', p.caKey, '-out', p.caCert, '-subj', '/CN=slipway-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
  ];
}

/** A key and CSR; the extensions ride in the CSR and are copied when signing. */
export function csrArgs(key: string, csr: string, subject: string, extensions: string[]): string[] {
  return [
    'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject,
    ...extensions.flatMap((e) => ['-addext', e]),
  ];
}

export function signArgs(p: CertPaths, csr: string, cert: string): string[] {
  return [
    'x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial',
    '-days', DAYS, '-copy_extensions', 'copyall', '-out', cert,
  ];
}

export function apiServerCsrArgs(p: CertPaths, csr: string): string[] {
  return csrArgs(p.apiServerKey, csr, '/CN=kube-apiserver', [
    `subjectAltName=${API_SERVER_SANS.join(',')}`,
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ]);
}

/** O=system:masters makes the user a cluster admin without any RBAC binding. */
function clusterAdminCsrArgs(key: string, csr: string, user: string): string[] {
  return csrArgs(key, csr, `/O=system:masters/CN=${user}`, [
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ]);
}

export function adminCsrArgs(p: CertPaths, csr: string): string[] {
  return clusterAdminCsrArgs(p.adminKey, csr, ADMIN_USER);
}

export function auditedCsrArgs(p: CertPaths, csr: string): string[] {
  return clusterAdminCsrArgs(p.auditedKey, csr, AUDITED_USER);
}

export function serviceAccountKeyArgs(p: CertPaths): string[] {
  return ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', p.serviceAccountKey];
}

export function serviceAccountPubArgs(p: CertPaths): string[] {
  return ['pkey', '-in', p.serviceAccountKey, '-pubout', '-out', p.serviceAccountPub];
}

/** Generates the CA, the apiserver serving cert, the admin and audited client certs and the service-account keys. */
export async function generateCerts(dir: string, signal?: AbortSignal): Promise<CertPaths> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p = certPaths(dir);
  const openssl = (args: string[]) => execa('openssl', args, { cwd: dir, cancelSignal: signal });
  const apiCsr = join(dir, 'apiserver.csr');
  const adminCsr = join(dir, 'admin.csr');
  const auditedCsr = join(dir, 'audited.csr');
  await Promise.all([
    openssl(caArgs(p)),
    openssl(apiServerCsrArgs(p, apiCsr)),
    openssl(adminCsrArgs(p, adminCsr)),
    openssl(auditedCsrArgs(p, auditedCsr)),
    openssl(serviceAccountKeyArgs(p)).then(() => openssl(serviceAccountPubArgs(p))),
  ]);
  // Sequential: both signings update the CA's serial file.
  await openssl(signArgs(p, apiCsr, p.apiServerCert));
  await openssl(signArgs(p, adminCsr, p.adminCert));
  await openssl(signArgs(p, auditedCsr, p.auditedCert));
  return p;
}
