/**
 * `--metrics-addr`: GET /metrics (Prometheus text), /healthz (liveness) and /readyz (readiness)
 * on one plain node:http server. Probes answer 200 "ok" or 503 with the reason.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

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

export async function serveMetrics(opts: { addr: string; registry: Registry; health: Health }): Promise<MetricsServer> {
  const { host, port } = parseMetricsAddr(opts.addr);
  const server: Server = createServer((req, res) => {
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
    opts.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
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
