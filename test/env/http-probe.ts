import http from 'node:http';
import https from 'node:https';

export interface ProbeTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Skip server verification; only for readiness of self-signed component endpoints. */
  insecure?: boolean;
}

export interface ProbeResponse {
  status: number;
  body: string;
}

/** One GET with a short timeout, for readiness checks. Rejects on connection errors. */
export function httpGet(url: string, tls: ProbeTls = {}, timeoutMs = 2000): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req = url.startsWith('https:')
      ? https.get(url, { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure, timeout: timeoutMs }, onResponse)
      : http.get(url, { timeout: timeoutMs }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** True when GET `url` answers 200. */
export async function answersOk(url: string, tls: ProbeTls = {}): Promise<boolean> {
  const res = await httpGet(url, tls);
  return res.status === 200;
}
