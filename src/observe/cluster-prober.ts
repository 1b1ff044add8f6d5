/**
 * One look at a managed cluster through its kubeconfig: /readyz, /version, the nodes and the
 * kube-system pods, plus the apiserver's serving certificate as the TLS handshake shows it.
 * Plain HTTPS GETs with short timeouts and bounded bodies; a cluster that cannot be reached is
 * an UnreachableObservation, never a thrown error.
 */
import { request, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { hasControlPlaneRole } from '../api/node-roles.js';
import { handshakeTargets, readServedCertificates, type HandshakeLimits } from './certificate-handshakes.js';
import { clientCertificateExpiry, type ClusterCredentials } from './kubeconfig-credentials.js';
import type { CertificateDate, Observation, ObservedNode, UnreachableObservation } from './observation.js';

export interface ProbeLimits {
  /** Per request, connecting included. */
  timeoutMs: number;
  /** Per response body. */
  maxBodyBytes: number;
  /** Items asked for per list page. */
  pageSize: number;
  /** Nodes read at most (the rest are not counted). */
  maxNodes: number;
}

export const DEFAULT_PROBE_LIMITS: ProbeLimits = { timeoutMs: 5_000, maxBodyBytes: 16 * 1024 * 1024, pageSize: 500, maxNodes: 10_000 };

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NAMED_PODS = 10;

interface Answer {
  status: number;
  body: string;
  serverCertNotAfter?: string;
}

class ProbeFailure extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

const TLS_CODE = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;

function failureOf(err: unknown, url: URL): ProbeFailure {
  if (err instanceof ProbeFailure) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (TLS_CODE.test(code) || /certificate|SSL|TLS/i.test(message)) return new ProbeFailure('TLSError', `TLS with ${url.host}: ${message}`);
  return new ProbeFailure('ApiserverUnreachable', `${url.host}: ${message}`);
}

function get(c: ClusterCredentials, path: string, limits: ProbeLimits, accept = 'application/json'): Promise<Answer> {
  const url = new URL(path, c.server);
  const headers: Record<string, string> = { Accept: accept, 'User-Agent': 'slipway-observer' };
  if (c.token) headers.Authorization = `Bearer ${c.token}`;
  else if (c.basic) headers.Authorization = `Basic ${Buffer.from(`${c.basic.username}:${c.basic.password}`).toString('base64')}`;
  const options: RequestOptions = {
    method: 'GET',
    headers,
    // A connection of its own: the handshake (and so the serving certificate) is seen each time.
    agent: false,
    rejectUnauthorized: !c.insecureSkipTlsVerify,
    ...(c.ca ? { ca: c.ca } : {}),
    ...(c.clientCert && c.clientKey ? { cert: c.clientCert, key: c.clientKey } : {}),
    ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
  };
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, options, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate?.();
      const serverCertNotAfter = peer?.valid_to ? new Date(peer.valid_to).toISOString() : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBodyBytes) req.destroy(new ProbeFailure('ResponseTooLarge', `${url.pathname} answered more than ${limits.maxBodyBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ...(serverCertNotAfter ? { serverCertNotAfter } : {}) }));
      res.on('error', (err) => reject(failureOf(err, url)));
    });
    const timer = setTimeout(() => req.destroy(new ProbeFailure('ApiserverUnreachable', `${url.host}: no answer to ${url.pathname} within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => reject(failureOf(err, url)));
    req.end();
  });
}

/** 401/403 mean the kubeconfig's user is not let in: unreachable for our purposes. */
function refusedBy(a: Answer, path: string): ProbeFailure | undefined {
  if (a.status === 401) return new ProbeFailure('Unauthorized', `the apiserver does not accept the kubeconfig's credentials (401 on ${path})`);
  if (a.status === 403) return new ProbeFailure('Forbidden', `the kubeconfig's user may not read ${path} (403)`);
  return undefined;
}

interface ListPage {
  items?: unknown[];
  metadata?: { continue?: string };
}

async function list(c: ClusterCredentials, path: string, limits: ProbeLimits, max: number): Promise<unknown[]> {
  const items: unknown[] = [];
  let cont: string | undefined;
  do {
    const q = `${path}?limit=${limits.pageSize}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    const a = await get(c, q, limits);
    const refused = refusedBy(a, path);
    if (refused) throw refused;
    if (a.status !== 200) throw new ProbeFailure('ListFailed', `${path}: HTTP ${a.status}`);
    const page = JSON.parse(a.body) as ListPage;
    items.push(...(page.items ?? []));
    cont = page.metadata?.continue || undefined;
  } while (cont && items.length < max);
  return items.slice(0, max);
}

interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { nodeInfo?: { kubeletVersion?: string }; conditions?: { type?: string; status?: string }[]; addresses?: { type?: string; address?: string }[] };
}

/** Name, roles, kubelet version, Ready and InternalIP of a Node object. Pure. */
export function observedNode(n: NodeLike): ObservedNode {
  const roles = Object.keys(n.metadata?.labels ?? {})
    .filter((l) => l.startsWith(NODE_ROLE_PREFIX) && l.length > NODE_ROLE_PREFIX.length)
    .map((l) => l.slice(NODE_ROLE_PREFIX.length))
    .sort();
  const address = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const version = n.status?.nodeInfo?.kubeletVersion;
  return {
    name: n.metadata?.name ?? '',
    roles,
    ...(version ? { version } : {}),
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    ...(address ? { address } : {}),
  };
}

interface PodLike {
  metadata?: { name?: string };
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] };
}

/** A finished pod (a completed Job's) counts as ready. Pure. */
export function podReady(p: PodLike): boolean {
  if (p.status?.phase === 'Succeeded') return true;
  return p.status?.phase === 'Running' && (p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

/** The failing checks /readyz lists ("[-]etcd failed: …"), else its status line. */
function readyzMessage(a: Answer): string {
  const failing = a.body.split('\n').filter((l) => l.startsWith('[-]')).map((l) => l.slice(3).trim());
  return failing.length > 0 ? failing.slice(0, 5).join('; ') : `HTTP ${a.status}`;
}

/**
 * Looks at the cluster once, and with `handshakes` at the certificates its nodes serve. Never
 * throws: what went wrong is in the observation.
 */
export async function probeCluster(c: ClusterCredentials, limits: ProbeLimits = DEFAULT_PROBE_LIMITS, handshakes?: HandshakeLimits): Promise<Observation> {
  const certificates: CertificateDate[] = [];
  const client = clientCertificateExpiry(c);
  if (client) certificates.push({ what: "the kubeconfig's client certificate", notAfter: client });
  let readyz: Answer;
  try {
    readyz = await get(c, '/readyz', limits, 'text/plain');
  } catch (err) {
    const f = failureOf(err, c.server);
    return unreachable(f, certificates);
  }
  if (readyz.serverCertNotAfter) certificates.push({ what: "the apiserver's serving certificate", notAfter: readyz.serverCertNotAfter });
  const refused = refusedBy(readyz, '/readyz');
  if (refused) return unreachable(refused, certificates);

  const [version, nodes, pods] = await Promise.allSettled([
    get(c, '/version', limits),
    list(c, '/api/v1/nodes', limits, limits.maxNodes),
    list(c, '/api/v1/namespaces/kube-system/pods', limits, limits.maxNodes),
  ]);
  let gitVersion: string | undefined;
  if (version.status === 'fulfilled' && version.value.status === 200) {
    try {
      const v = (JSON.parse(version.value.body) as { gitVersion?: unknown }).gitVersion;
      if (typeof v === 'string') gitVersion = v;
    } catch {
      // No version then; the rest of the observation stands.
    }
  }
  const observed = nodes.status === 'fulfilled' ? (nodes.value as NodeLike[]).map(observedNode) : undefined;
  let certificatesUnread: number | undefined;
  if (handshakes && observed) {
    const served = await readServedCertificates(handshakeTargets(observed, (n) => hasControlPlaneRole(n.roles), handshakes), handshakes);
    certificates.push(...served.certificates);
    certificatesUnread = served.unread;
  }
  const notReady = pods.status === 'fulfilled' ? (pods.value as PodLike[]).filter((p) => !podReady(p)).map((p) => p.metadata?.name ?? '') : undefined;
  return {
    reachable: true,
    readyz: readyz.status === 200 ? { ok: true } : { ok: false, message: readyzMessage(readyz) },
    ...(gitVersion ? { version: gitVersion } : {}),
    ...(observed ? { nodes: observed } : { nodesError: failureOf((nodes as PromiseRejectedResult).reason, c.server).message }),
    ...(notReady ? { notReadyPods: { names: notReady.slice(0, NAMED_PODS), count: notReady.length } } : { podsError: failureOf((pods as PromiseRejectedResult).reason, c.server).message }),
    certificates,
    ...(certificatesUnread ? { certificatesUnread } : {}),
  };
}

function unreachable(f: ProbeFailure, certificates: CertificateDate[]): UnreachableObservation {
  return { reachable: false, reason: f.reason, message: f.message, certificates };
}
