/**
 * Calls to the apiserver made with the signed-in user's bearer token, never the console's own
 * credentials: only the apiserver's address and CA are taken from the console's kubeconfig, so
 * RBAC decides what each user sees and may do.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

/** Where the apiserver is and how to trust it; no credentials. */
export interface ApiServer {
  url: URL;
  ca?: Buffer;
  skipTlsVerify: boolean;
}

export function apiServerOf(kc: KubeConfig): ApiServer {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : cluster.caFile ? readFileSync(cluster.caFile) : undefined;
  return { url: new URL(cluster.server), ...(ca ? { ca } : {}), skipTlsVerify: cluster.skipTLSVerify === true };
}

/** A KubeConfig holding only the user's token, for the client-node APIs shared with the CLI. */
export function userKubeConfig(server: ApiServer, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'apiserver', server: server.url.toString().replace(/\/$/, ''), skipTLSVerify: server.skipTlsVerify, ...(server.ca ? { caData: server.ca.toString('base64') } : {}) }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'user', cluster: 'apiserver', user: 'user' }],
    currentContext: 'user',
  });
  return kc;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** The apiserver answered with an error status: its Status message is shown to the user as is. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRefusal';
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

function requestOf(server: ApiServer, token: string, path: string, o: RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
  const url = new URL(path, server.url);
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  const headers: Record<string, string | number> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (payload !== undefined) {
    headers['Content-Type'] = o.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  const options: https.RequestOptions = { method: o.method ?? 'GET', headers, ...(o.signal ? { signal: o.signal } : {}) };
  if (url.protocol === 'https:') Object.assign(options, { ...(server.ca ? { ca: server.ca } : {}), rejectUnauthorized: !server.skipTlsVerify });
  const req = (url.protocol === 'http:' ? http : https).request(url, options, onResponse);
  req.end(payload);
  return req;
}

/** One call; a status of 400 or more is thrown as an {@link ApiRefusal} with the apiserver's message. */
export function apiCall<T>(server: ApiServer, token: string, path: string, o: RequestOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = requestOf(server, token, path, o, (res) => {
      readBody(res).then((body) => {
        const status = res.statusCode ?? 0;
        if (status >= 400) reject(new ApiRefusal(status, statusMessage(body, status)));
        else resolve(body as T);
      }, reject);
    });
    req.on('error', reject);
  });
}

/** A whole response body: parsed JSON, or the text when it is not JSON. */
function readBody(res: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(text);
      }
    });
  });
}

export function statusMessage(body: unknown, status: number): string {
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  return typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${status}`;
}

/**
 * A streaming GET (a watch): each JSON line goes to `onLine`; resolves when the stream ends.
 * An error status rejects with an {@link ApiRefusal} before any line.
 */
export function apiStream(server: ApiServer, token: string, path: string, onLine: (value: unknown) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = requestOf(server, token, path, { signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 400) {
        readBody(res).then((body) => reject(new ApiRefusal(status, statusMessage(body, status))), reject);
        return;
      }
      let rest = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        rest += chunk;
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, nl).trim();
          rest = rest.slice(nl + 1);
          if (line) onLine(JSON.parse(line));
        }
      });
      res.on('error', reject);
      res.on('end', () => resolve());
      res.on('close', () => resolve());
    });
    req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
  });
}
