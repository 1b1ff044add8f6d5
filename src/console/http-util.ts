/** Small helpers for the console's node:http handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const sendError = (res: ServerResponse, status: number, message: string): void => sendJson(res, status, { error: message });

/** A JSON request body (content type application/json, at most MAX_BODY_BYTES). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new BadRequest('the body must be application/json', 415);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest('the body is too large', 413);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('the body is not JSON');
  }
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A Server-Sent Events stream: `send` writes one event, a comment every 20 s keeps proxies from closing it. */
export function eventStream(req: IncomingMessage, res: ServerResponse): { send(event: string, data: unknown): void; close(): void; closed: AbortSignal } {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  res.write(': open\n\n');
  const done = new AbortController();
  const beat = setInterval(() => res.write(': keep-alive\n\n'), 20_000);
  const close = () => {
    if (done.signal.aborted) return;
    clearInterval(beat);
    done.abort();
    res.end();
  };
  req.on('close', close);
  return {
    send(event, data) {
      if (!done.signal.aborted) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close,
    closed: done.signal,
  };
}
