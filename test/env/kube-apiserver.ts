import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { Daemon } from '../../src/util/daemon.js';
import { freePort } from '../../src/util/free-port.js';
import { AUDITED_USER, type CertPaths } from './certs.js';
import { startReadyDaemon } from './component.js';
import { answersOk } from './http-probe.js';

export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc';

export interface ApiServerOptions {
  bin: string;
  etcdUrl: string;
  certs: CertPaths;
  logFile: string;
  /** Where the audit log of {@link AUDITED_USER}'s requests goes (the policy file is written beside it). */
  auditLog?: string;
  signal?: AbortSignal;
}

/**
 * Metadata (verb, resource, name, user agent, response code) of every request made as
 * {@link AUDITED_USER}, one JSON line each once its response started (a watch) or completed;
 * nobody else's requests, so the other tests pay nothing for it.
 */
export const AUDIT_POLICY = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'Metadata', users: [AUDITED_USER] },
    { level: 'None' },
  ],
};

export interface ApiServer {
  url: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/** `etcdPrefix`: where in etcd it keeps its objects (default /registry); another prefix is another, empty cluster. */
export function apiServerArgs(o: { etcdUrl: string; port: number; certs: CertPaths; audit?: { policyFile: string; log: string }; etcdPrefix?: string }): string[] {
  const c = o.certs;
  return [
    ...(o.audit ? [`--audit-policy-file=${o.audit.policyFile}`, `--audit-log-path=${o.audit.log}`, '--audit-log-format=json', '--audit-log-mode=blocking'] : []),
    ...(o.etcdPrefix ? [`--etcd-prefix=${o.etcdPrefix}`] : []),
    `--etcd-servers=${o.etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${o.port}`,
    `--cert-dir=${c.dir}`,
    `--tls-cert-file=${c.apiServerCert}`,
    `--tls-private-key-file=${c.apiServerKey}`,
    `--client-ca-file=${c.caCert}`,
    // Only so controller-manager and scheduler find a front-proxy CA in
    // extension-apiserver-authentication instead of logging its absence every few ms; no
    // certificate with the allowed name is ever issued.
    `--requestheader-client-ca-file=${c.caCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--authorization-mode=Node,RBAC',
    // The fake nodes' InternalIP is where kwok serves their kubelet endpoint (pod logs).
    '--kubelet-preferred-address-types=InternalIP',
    `--service-account-key-file=${c.serviceAccountPub}`,
    `--service-account-signing-key-file=${c.serviceAccountKey}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    '--allow-privileged=true',
    // The default admission chain is kept: nothing in it needs a kubelet. ServiceAccount
    // admission rejects pods until the namespace's default ServiceAccount exists, which is why
    // the test helpers wait for it after creating a namespace.
    '--profiling=false',
    '--enable-priority-and-fairness=false',
    '--v=1',
  ];
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const audit = o.auditLog ? { policyFile: `${o.auditLog}.policy.yaml`, log: o.auditLog } : undefined;
  if (audit) await writeFile(audit.policyFile, stringify(AUDIT_POLICY));
  const [ca, cert, key] = await Promise.all([
    readFile(o.certs.caCert),
    readFile(o.certs.adminCert),
    readFile(o.certs.adminKey),
  ]);
  const daemon = await startReadyDaemon({
    name: 'kube-apiserver',
    command: o.bin,
    args: apiServerArgs({ etcdUrl: o.etcdUrl, port, certs: o.certs, ...(audit ? { audit } : {}) }),
    logFile: o.logFile,
    signal: o.signal,
    timeoutMs: 60_000,
    ready: () => answersOk(`${url}/readyz`, { ca, cert, key }),
  });
  return { url, daemon, stop: () => daemon.stop() };
}
