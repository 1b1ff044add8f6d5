/**
 * The connection details of a managed cluster's kubeconfig, from its text alone. The text comes
 * from a Secret an operation's run may have written, and the controller uses it with its own
 * rights: anything that would make the controller read a file or run a command (exec and
 * auth-provider plugins, *-file paths, tokenFile) or go through a proxy is refused.
 */
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';

export interface ClusterCredentials {
  server: URL;
  ca?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  clientCert?: Buffer;
  clientKey?: Buffer;
  token?: string;
  basic?: { username: string; password: string };
}

export class KubeconfigRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigRefusedError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const FILE_KEYS = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile', 'token-file'];
const PLUGIN_KEYS = ['exec', 'auth-provider', 'proxy-url', 'impersonate', 'as'];

function named(list: unknown, name: unknown, what: string, key: string): Obj {
  const entry = Array.isArray(list) ? list.find((e) => isObj(e) && e.name === name) : undefined;
  if (!isObj(entry) || !isObj(entry[key])) throw new KubeconfigRefusedError(`the kubeconfig has no ${what} ${String(name)}`);
  return entry[key];
}

function data(o: Obj, key: string): Buffer | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new KubeconfigRefusedError(`${key} is not a string`);
  return Buffer.from(v, 'base64');
}

/** The current context's cluster and user; KubeconfigRefusedError when it is unusable or asks for more than inline data. */
export function parseKubeconfig(text: string): ClusterCredentials {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 0 });
  } catch (err) {
    throw new KubeconfigRefusedError(`the kubeconfig is not YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (!isObj(doc)) throw new KubeconfigRefusedError('the kubeconfig is not a mapping');
  const context = named(doc.contexts, doc['current-context'], 'context', 'context');
  const cluster = named(doc.clusters, context.cluster, 'cluster', 'cluster');
  const user = context.user === undefined ? {} : named(doc.users, context.user, 'user', 'user');
  for (const [what, o] of [['cluster', cluster], ['user', user]] as const) {
    const bad = Object.keys(o).filter((k) => FILE_KEYS.includes(k) || PLUGIN_KEYS.includes(k));
    if (bad.length > 0) throw new KubeconfigRefusedError(`its ${what} uses ${bad.join(', ')}: only inline certificates, a token or a password are used`);
  }
  let server: URL;
  try {
    server = new URL(String(cluster.server));
  } catch {
    throw new KubeconfigRefusedError(`its server ${String(cluster.server)} is not a URL`);
  }
  if (server.protocol !== 'https:') throw new KubeconfigRefusedError(`its server ${server.href} is not https`);
  const ca = data(cluster, 'certificate-authority-data');
  const clientCert = data(user, 'client-certificate-data');
  const clientKey = data(user, 'client-key-data');
  return {
    server,
    ...(ca ? { ca } : {}),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    ...(typeof cluster['tls-server-name'] === 'string' ? { tlsServerName: cluster['tls-server-name'] } : {}),
    ...(clientCert && clientKey ? { clientCert, clientKey } : {}),
    ...(typeof user.token === 'string' ? { token: user.token } : {}),
    ...(typeof user.username === 'string' && typeof user.password === 'string' ? { basic: { username: user.username, password: user.password } } : {}),
  };
}

/** The client certificate's notAfter (ISO), undefined without one or when it does not parse. */
export function clientCertificateExpiry(c: ClusterCredentials): string | undefined {
  if (!c.clientCert) return undefined;
  try {
    return new Date(new X509Certificate(c.clientCert).validTo).toISOString();
  } catch {
    return undefined;
  }
}
