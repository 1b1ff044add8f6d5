/**
 * client-node's API calls over node:http(s) instead of node-fetch 2. node-fetch's check for a
 * truncated chunked body misfires when a kept-alive connection is handed to a call that waited
 * for it (node-fetch#1767): the call fails with "Premature close" though the body was whole.
 * Behind PooledKubeConfig's agents that failed about one turn in three under load. The body is
 * read whole (gzip accepted), as the generated clients read it anyway.
 */
import http from 'node:http';
import https from 'node:https';
import { createGunzip } from 'node:zlib';
import { ResponseContext, SelfDecodingBody, type PromiseHttpLibrary, type RequestContext } from '@kubernetes/client-node';

export const nodeHttpLibrary: PromiseHttpLibrary = { send };

function send(request: RequestContext): Promise<ResponseContext> {
  return new Promise((resolve, reject) => {
    const body = request.getBody();
    if (body !== undefined && typeof body !== 'string' && !(body instanceof URLSearchParams)) {
      reject(new Error('kube-http sends string bodies only'));
      return;
    }
    const payload = body === undefined ? undefined : String(body);
    const url = new URL(request.getUrl());
    const headers: Record<string, string | number> = { ...request.getHeaders(), 'Accept-Encoding': 'gzip' };
    if (payload !== undefined) headers['Content-Length'] = Buffer.byteLength(payload);
    const signal = request.getSignal();
    const call = (url.protocol === 'http:' ? http : https).request(
      url,
      { method: request.getHttpMethod(), headers, agent: request.getAgent(), ...(signal ? { signal } : {}) },
      (res) => {
        const stream = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        res.on('error', reject);
        stream.on('end', () => resolve(new ResponseContext(res.statusCode ?? 0, headersOf(res.headers), new SelfDecodingBody(Promise.resolve(Buffer.concat(chunks))))));
      },
    );
    call.on('error', reject);
    call.end(payload);
  });
}

function headersOf(raw: http.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}
