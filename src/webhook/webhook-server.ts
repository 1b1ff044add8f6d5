/**
 * The admission webhook's HTTPS endpoint: POST an AdmissionReview (v1), get it back with the
 * response (allowed, why not, and the stamp as a JSON patch). Anything else is a 4xx.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AdmissionRequest, AdmissionVerdict } from './admission-decision.js';

export const WEBHOOK_PATH = '/admit';
/** An AdmissionReview carries the object and its old version: twice the apiserver's 1.5 MiB request limit, with room. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface WebhookServer {
  port: number;
  close(): Promise<void>;
}

export async function serveWebhook(o: {
  host: string;
  port: number;
  key: string;
  cert: string;
  decide: (req: AdmissionRequest) => Promise<AdmissionVerdict>;
  logger: Logger;
}): Promise<WebhookServer> {
  const server: Server = createServer({ key: o.key, cert: o.cert, minVersion: 'TLSv1.2' }, (req, res) => void handle(req, res, o.decide, o.logger));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => (server.off('error', reject), resolve()));
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, decide: (r: AdmissionRequest) => Promise<AdmissionVerdict>, logger: Logger): Promise<void> {
  const reply = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== WEBHOOK_PATH) return reply(404, { error: `POST ${WEBHOOK_PATH} only` });
  let body: string;
  try {
    body = await readBody(req);
  } catch (err) {
    return reply(413, { error: (err as Error).message });
  }
  let review: { apiVersion?: string; kind?: string; request?: AdmissionRequest };
  try {
    review = JSON.parse(body) as typeof review;
  } catch {
    return reply(400, { error: 'not JSON' });
  }
  const request = review.request;
  if (review.kind !== 'AdmissionReview' || !request?.uid) return reply(400, { error: 'not an AdmissionReview with a request' });
  let verdict: AdmissionVerdict;
  try {
    verdict = await decide(request);
  } catch (err) {
    logger.warn({ err: (err as Error).message, kind: request.kind?.kind, name: request.object?.metadata?.name }, 'admission check failed');
    verdict = { allowed: false, message: `the admission check could not be made: ${(err as Error).message}` };
  }
  const response: Record<string, unknown> = { uid: request.uid, allowed: verdict.allowed };
  if (!verdict.allowed) response.status = { code: 403, reason: 'Forbidden', message: verdict.message ?? 'refused' };
  if (verdict.allowed && verdict.patch && verdict.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(verdict.patch)).toString('base64');
  }
  if (!verdict.allowed) logger.info({ kind: request.kind?.kind, name: request.object?.metadata?.name, user: request.userInfo?.username, message: verdict.message }, 'refused');
  reply(200, { apiVersion: review.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
