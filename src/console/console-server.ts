/**
 * `slipway console`'s HTTP(S) server. Sign-in takes a Kubernetes bearer token, verified with a
 * TokenReview (the console's only use of its own credentials); the session then makes every
 * apiserver call with that token, so RBAC decides what the user sees and may do. The session
 * id is an HttpOnly, SameSite=Strict cookie (Secure, with the __Host- prefix, under TLS); every
 * write must also carry the session's CSRF token in a header. The token never leaves the
 * server again: not in a page, a URL, or a log line.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { clusterDetailsFeed, clusterListFeed, operationFeed, type Feed } from './event-feeds.js';
import { BadRequest, cookie, eventStream, readJson, sendError, sendJson } from './http-util.js';
import { growControlPlaneOf, scaleInCluster, scaleOutCluster, shrinkControlPlaneOf, upgradeCluster } from './cluster-change-actions.js';
import { deleteCluster, finishDeletion } from './cluster-deletion-actions.js';
import type { HostRow, NewClusterForm } from './new-cluster.js';
import { createCheckedCluster, discardNodeCheck, nodeCheckOf, startNodeCheck } from './node-check-actions.js';
import { cancelOperation, readKubeconfig, retryFailedOperation } from './operation-actions.js';
import { DEFAULT_SESSION_LIMITS, SessionStore, type Session, type SessionLimits } from './session-store.js';
import { indexPage, staticFile } from './static-files.js';
import { ApiRefusal, apiServerOf } from './user-api.js';

export interface ConsoleOptions {
  /** The console's own credentials: used for TokenReview only; its cluster is where users' calls go. */
  kubeConfig: KubeConfig;
  host: string;
  port: number;
  /** PEM key and certificate; absent: plain HTTP (only for a proxy in front that terminates TLS). */
  tls?: { key: string; cert: string };
  sessions?: SessionLimits;
  /** The releases the offline bundle serves (as the controller's --kube-versions): what Upgrade offers. */
  kubeVersions?: string[];
  logger: Logger;
}

export interface RunningConsole {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_TOKEN_LENGTH = 16 * 1024;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const CSRF_HEADER = 'x-csrf-token';

export async function startConsole(o: ConsoleOptions): Promise<RunningConsole> {
  const server = apiServerOf(o.kubeConfig);
  const authn = o.kubeConfig.makeApiClient(AuthenticationV1Api);
  const sessions = new SessionStore(o.sessions ?? DEFAULT_SESSION_LIMITS);
  const cookieName = o.tls ? '__Host-slipway-session' : 'slipway-session';
  const cookieAttrs = `Path=/; HttpOnly; SameSite=Strict${o.tls ? '; Secure' : ''}`;
  const sweeper = setInterval(() => sessions.sweep(), 30_000);
  sweeper.unref();
  /** Work waiting for an operation the console created to succeed, by key: one each, ended with its session. */
  const waiting = new Map<string, AbortController>();
  const afterOperation = (session: Session, key: string, work: (signal: AbortSignal) => Promise<unknown>): void => {
    if (waiting.has(key)) return;
    const stop = new AbortController();
    waiting.set(key, stop);
    const forget = sessions.onEnd(session.id, () => stop.abort());
    work(stop.signal)
      .then(
        (done) => o.logger.info({ user: session.user, key, done }, 'console: follow-up done'),
        (err: unknown) => o.logger.warn({ user: session.user, key, err }, 'console: follow-up not done'),
      )
      .finally(() => {
        forget();
        waiting.delete(key);
      });
  };

  /**
   * Clusters a session's node check made and no Create followed yet, each with what forgets it:
   * when the session ends first, the check's objects are removed (as a page that closed would).
   */
  const checked = new Map<string, () => void>();
  const keepUntilCreated = (session: Session, cluster: string): void => {
    if (checked.has(cluster)) return;
    const forget = sessions.onEnd(session.id, () => {
      checked.delete(cluster);
      discardNodeCheck(server, session.token, cluster).then(
        (removed) => o.logger.info({ user: session.user, cluster, removed }, 'console: node check discarded with its session'),
        (err: unknown) => o.logger.warn({ user: session.user, cluster, err }, 'console: node check not discarded'),
      );
    });
    checked.set(cluster, () => {
      forget();
      checked.delete(cluster);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (o.tls) res.setHeader('Strict-Transport-Security', 'max-age=31536000');

    if (!path.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, 'method not allowed');
      if (path === '/' || path === '/index.html') {
        const nonce = randomBytes(16).toString('base64');
        const page = await indexPage(nonce);
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
          'Content-Security-Policy': `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
        });
        return void res.end(page);
      }
      const file = await staticFile(path);
      if (!file) return sendError(res, 404, 'not found');
      res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-cache' });
      return void res.end(file.body);
    }

    if (path === '/api/login' && method === 'POST') return login(req, res);
    const session = sessions.touch(cookie(req, cookieName));
    if (!session) return sendError(res, 401, 'not signed in (or the session ended): sign in again');
    if (method !== 'GET' && !sessions.csrfMatches(session, header(req, CSRF_HEADER))) return sendError(res, 403, 'missing or wrong CSRF token');

    if (path === '/api/session' && method === 'GET') return sendJson(res, 200, { user: session.user, groups: session.groups, csrf: session.csrf });
    if (path === '/api/logout' && method === 'POST') {
      sessions.end(session.id);
      o.logger.info({ user: session.user }, 'console: signed out');
      return sendJson(res, 200, { ok: true }, { 'Set-Cookie': `${cookieName}=; ${cookieAttrs}; Max-Age=0` });
    }
    if (method === 'GET' && path === '/api/events/clusters') return feed(req, res, session, (f) => clusterListFeed(server, session.token, f));
    let m = /^\/api\/events\/clusters\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) return feed(req, res, session, (f) => clusterDetailsFeed(server, session.token, named(m![1]!), o.kubeVersions ?? [], f));
    m = /^\/api\/events\/operations\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) return feed(req, res, session, (f) => operationFeed(server, session.token, named(m![1]!), f));
    m = /^\/api\/clusters\/([^/]+)\/kubeconfig$/.exec(path);
    if (method === 'GET' && m) {
      const name = named(m[1]!);
      const text = await readKubeconfig(server, session.token, name);
      res.writeHead(200, { 'Content-Type': 'application/yaml', 'Cache-Control': 'no-store', 'Content-Disposition': `attachment; filename="${name}.kubeconfig"` });
      return void res.end(text);
    }
    if (method === 'POST' && path === '/api/node-checks') {
      const started = await startNodeCheck(server, session.token, (await readJson(req)) as NewClusterForm);
      keepUntilCreated(session, started.cluster);
      o.logger.info({ user: session.user, ...started }, 'console: node check started');
      return sendJson(res, 201, started);
    }
    m = /^\/api\/node-checks\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) return sendJson(res, 200, await nodeCheckOf(server, session.token, named(m[1]!)));
    m = /^\/api\/node-checks\/([^/]+)\/discard$/.exec(path);
    if (method === 'POST' && m) {
      const name = named(m[1]!);
      const removed = await discardNodeCheck(server, session.token, name);
      checked.get(name)?.();
      o.logger.info({ user: session.user, cluster: name, removed }, 'console: node check discarded');
      return sendJson(res, 200, { removed });
    }
    if (method === 'POST' && path === '/api/clusters') {
      const body = (await readJson(req)) as NewClusterForm & { check?: unknown };
      const made = await createCheckedCluster(server, session.token, body, body?.check);
      checked.get(made.cluster)?.();
      o.logger.info({ user: session.user, cluster: made.cluster, operation: made.operation }, 'console: cluster created');
      return sendJson(res, 201, made);
    }
    m = /^\/api\/clusters\/([^/]+)\/(scale-out|scale-in|upgrade)$/.exec(path);
    if (method === 'POST' && m) {
      const name = named(m[1]!);
      const body = (await readJson(req)) as { workers?: HostRow[]; node?: string; version?: string; confirm?: unknown };
      const operation =
        m[2] === 'scale-out'
          ? await scaleOutCluster(server, session.token, name, body.workers ?? [])
          : m[2] === 'scale-in'
            ? await scaleInCluster(server, session.token, name, body.node ?? '')
            : await upgradeCluster(server, session.token, name, body.version ?? '', body.confirm, o.kubeVersions ?? []);
      o.logger.info({ user: session.user, cluster: name, operation }, `console: ${m[2]} created`);
      return sendJson(res, 201, { operation });
    }
    m = /^\/api\/clusters\/([^/]+)\/control-plane\/(grow|shrink)$/.exec(path);
    if (method === 'POST' && m) {
      const name = named(m[1]!);
      const body = (await readJson(req)) as { controlPlanes?: HostRow[]; nodes?: string[] };
      const operation =
        m[2] === 'grow'
          ? await growControlPlaneOf(server, session.token, name, body?.controlPlanes ?? [])
          : await shrinkControlPlaneOf(server, session.token, name, body?.nodes ?? [], (then) => afterOperation(session, `shrink/${name}`, then));
      o.logger.info({ user: session.user, cluster: name, operation }, `console: control plane ${m[2]} created`);
      return sendJson(res, 201, { operation });
    }
    m = /^\/api\/clusters\/([^/]+)\/delete$/.exec(path);
    if (method === 'POST' && m) {
      const name = named(m[1]!);
      const body = (await readJson(req)) as { confirm?: unknown; understood?: unknown };
      const answer = await deleteCluster(server, session.token, name, body?.confirm, body?.understood, (op) => afterOperation(session, `delete/${name}`, (signal) => finishDeletion(server, session.token, name, op, signal)));
      o.logger.info({ user: session.user, cluster: name, ...answer }, 'console: delete requested');
      return sendJson(res, 'removed' in answer ? 200 : 202, answer);
    }
    m = /^\/api\/operations\/([^/]+)\/(cancel|retry)$/.exec(path);
    if (method === 'POST' && m) {
      const name = named(m[1]!);
      if (m[2] === 'cancel') {
        await cancelOperation(server, session.token, name);
        o.logger.info({ user: session.user, operation: name }, 'console: cancel requested');
        return sendJson(res, 200, { ok: true });
      }
      const retry = await retryFailedOperation(server, session.token, name);
      o.logger.info({ user: session.user, operation: name, retry: retry.name }, 'console: retry created');
      return sendJson(res, 201, retry);
    }
    return sendError(res, 404, 'not found');
  };

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // A login form posted from another site would sign the victim in as the attacker.
    const origin = header(req, 'origin');
    if (origin && origin !== `${o.tls ? 'https' : 'http'}://${req.headers.host}`) return sendError(res, 403, 'cross-origin sign-in refused');
    const body = (await readJson(req)) as { token?: unknown };
    const token = typeof body?.token === 'string' ? body.token.trim() : '';
    if (!token || token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) return sendError(res, 400, 'paste a Kubernetes bearer token');
    const review = await authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username) {
      o.logger.info('console: a sign-in was refused (the token was not accepted)');
      return sendError(res, 401, 'Kubernetes did not accept this token');
    }
    const session = sessions.create(token, user.username, user.groups ?? []);
    o.logger.info({ user: user.username }, 'console: signed in');
    sendJson(res, 200, { user: session.user, groups: session.groups, csrf: session.csrf }, { 'Set-Cookie': `${cookieName}=${session.id}; ${cookieAttrs}` });
  };

  const feed = (req: IncomingMessage, res: ServerResponse, session: Session, start: (f: Feed) => void): void => {
    const stream = eventStream(req, res);
    const forget = sessions.onEnd(session.id, () => {
      stream.send('session-ended', { message: 'the session ended: sign in again' });
      stream.close();
    });
    stream.closed.addEventListener('abort', forget);
    start(stream);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof BadRequest || err instanceof ApiRefusal ? err.status : 500;
      if (status === 500) o.logger.error({ err, path: new URL(req.url ?? '/', 'http://console').pathname }, 'console: request failed');
      if (res.headersSent) return void res.end();
      sendError(res, status, status === 500 ? 'the console failed to answer (see its log)' : (err as Error).message);
    });
  };

  const httpServer = o.tls ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(o.port, o.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host}:${port}/`,
    port,
    close: async () => {
      clearInterval(sweeper);
      for (const stop of waiting.values()) stop.abort();
      sessions.endAll();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function named(raw: string): string {
  const name = decodeURIComponent(raw);
  if (!NAME.test(name)) throw new BadRequest(`not an object name: ${JSON.stringify(name.slice(0, 80))}`);
  return name;
}

