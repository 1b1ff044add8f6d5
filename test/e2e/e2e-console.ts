/** The chart's console reached as its README says: `kubectl port-forward` to its Service, then HTTPS. */
import { request } from 'node:https';
import { execa } from 'execa';
import type { LocalKubectl } from './e2e-cluster.js';

export interface ConsoleVisit {
  page: string;
  /** The user the console signed in, as its /api/login answered. */
  user: string | undefined;
}

/** Forwards a free local port to the console's Service, loads its page and signs in with a token. */
export async function visitConsole(kubectl: LocalKubectl, namespace: string, service: string, token: string): Promise<ConsoleVisit> {
  const forward = execa(kubectl.kubectl, ['--kubeconfig', kubectl.kubeconfig, '-n', namespace, 'port-forward', `svc/${service}`, ':443'], { reject: false, buffer: false });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('kubectl port-forward printed no port in 60 s')), 60_000);
      let seen = '';
      forward.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      void forward.then((r) => reject(new Error(`kubectl port-forward ended: ${String(r.stderr ?? '')}`)));
    });
    const page = await call(port, 'GET', '/');
    const login = await call(port, 'POST', '/api/login', JSON.stringify({ token }));
    return { page: page.body, user: login.status === 200 ? (JSON.parse(login.body) as { user?: string }).user : undefined };
  } finally {
    forward.kill('SIGTERM');
    await forward;
  }
}

/** The console serves a self-signed certificate here (no tlsSecret): this test trusts it as a user who compared its fingerprint would. */
function call(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, rejectUnauthorized: false, timeout: 30_000, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
