/**
 * `--metrics-addr`: GET /metrics (Prometheus text), /healthz (liveness) and /readyz (readiness)
 * on one server. Probes answer 200 "ok" or 503 with the reason, to anyone. With `tls` it serves
 * HTTPS; with an `authorizer` /metrics answers only a request whose bearer token the authorizer
 * accepts (401 without one or with a bad one, 403 for a user not allowed).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { KeyAndCert } from '../util/x509.js';
import type { MetricsAuthorizer } from './metrics-auth.js';

export interface Health {
  /** Liveness: undefined when healthy, else why not. */
  unhealthy(): string | undefined;
  /** Readiness: undefined when ready, else why not. */
  notReady(): string | undefined;
}

export interface MetricsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export class MetricsAddressError extends Error {
  constructor(readonly addr: string) {
    super(`--metrics-addr needs [host]:port (e.g. :8080 or 127.0.0.1:9090), got ${JSON.stringify(addr)}`);
    this.name = 'MetricsAddressError';
  }
}

/** `:8080` (every interface), `127.0.0.1:9090`, `[::1]:9090`; port 0 picks a free one. */
export function parseMetricsAddr(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65_535) throw new MetricsAddressError(addr);
  const host = m[1] ?? m[2];
  return { host: host ? host : undefined, port };
}

export interface MetricsServeOptions {
  addr: string;
  registry: Registry;
  health: Health;
  tls?: KeyAndCert;
  authorizer?: MetricsAuthorizer;
  /** Told about each refused or failed /metrics request. */
  onDenied?: (why: { status: number; reason: string }) => void;
}

export async function serveMetrics(opts: MetricsServeOptions): Promise<MetricsServer> {
  const { host, port } = parseMetricsAddr(opts.addr);
  const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(`${body}\n`);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const probe = (why: string | undefined): void => {
      res.writeHead(why === undefined ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(why === undefined ? 'ok\n' : `${why}\n`);
    };
    if (path === '/healthz') return probe(opts.health.unhealthy());
    if (path === '/readyz') return probe(opts.health.notReady());
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const allowed = opts.authorizer ? opts.authorizer.check(req.headers.authorization, '/metrics') : Promise.resolve({ allowed: true as const, user: '' });
    allowed
      .then(async (access) => {
        if (!access.allowed) {
          opts.onDenied?.(access);
          text(res, access.status, access.status === 401 ? 'Unauthorized' : 'Forbidden', access.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
          return;
        }
        const body = await opts.registry.metrics();
        res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body);
      })
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        opts.onDenied?.({ status: 500, reason });
        text(res, 500, opts.authorizer ? 'Internal Server Error' : reason);
      });
  };
  const server: Server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(host ? { host } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    host: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
