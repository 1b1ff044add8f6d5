/**
 * /metrics as controller-runtime serves it securely: HTTPS, a bearer token the API server
 * authenticates (TokenReview) for a user it allows `get` on the non-resource URL /metrics
 * (SubjectAccessReview). Tokens are real ServiceAccount tokens of the test API server.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { Registry, Counter } from 'prom-client';
import { kubernetesMetricsAuthorizer } from '../../src/controller/metrics-auth.js';
import { serveMetrics, type MetricsServer } from '../../src/controller/metrics-server.js';
import { createSelfSignedCert, type KeyAndCert } from '../../src/util/x509.js';
import { eventually, spawnController, testLifecycle } from './controller-harness.js';
import { loadTestEnv } from '../env/index.js';
import { startPersistentRedis } from './persistent-redis.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
const { cleanups, running } = testLifecycle();

/** GET over HTTPS, trusting exactly `cert`. */
function get(url: string, cert: string | undefined, token?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...(cert ? { ca: cert, servername: 'localhost' } : { rejectUnauthorized: false }), headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 10_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serviceAccountToken(ns: string, name: string): Promise<string> {
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } });
  const tr = await core.createNamespacedServiceAccountToken({ namespace: ns, name, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  return tr.status!.token;
}

describe('/metrics behind TokenReview and SubjectAccessReview', () => {
  let ns: string;
  let reader: string;
  let stranger: string;
  const role = env.randomName('metrics-reader');
  let cert: KeyAndCert;
  let server: MetricsServer;

  before(async () => {
    ns = await env.namespace('metrics-auth');
    reader = await serviceAccountToken(ns, 'prometheus');
    stranger = await serviceAccountToken(ns, 'operation-pod');
    await rbac.createClusterRole({ body: { metadata: { name: role }, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] } });
    await rbac.createClusterRoleBinding({
      body: { metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: ns }] },
    });
    cleanups.push(() => rbac.deleteClusterRoleBinding({ name: role }), () => rbac.deleteClusterRole({ name: role }));
    const registry = new Registry();
    new Counter({ name: 'slipway_test_scrapes_total', help: 'a sample', registers: [registry] }).inc();
    cert = createSelfSignedCert(['localhost', '127.0.0.1'], 365);
    server = await serveMetrics({
      addr: '127.0.0.1:0',
      registry,
      health: { unhealthy: () => undefined, notReady: () => undefined },
      tls: cert,
      authorizer: kubernetesMetricsAuthorizer(env.kubeConfig),
    });
  });
  after(() => server?.close());

  it('no token: 401; a token the API server does not know: 401', async () => {
    const url = `https://127.0.0.1:${server.port}/metrics`;
    assert.equal((await get(url, cert.cert)).status, 401);
    assert.equal((await get(url, cert.cert, 'not-a-token')).status, 401);
  });

  it('a valid token of a user without get on /metrics: 403', async () => {
    const r = await get(`https://127.0.0.1:${server.port}/metrics`, cert.cert, stranger);
    assert.equal(r.status, 403);
    assert.doesNotMatch(r.text, /slipway_test_scrapes_total/);
  });

  it('a user allowed get on /metrics: the metrics', async () => {
    const r = await get(`https://127.0.0.1:${server.port}/metrics`, cert.cert, reader);
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /^slipway_test_scrapes_total 1$/m);
  });

  it('the probes stay open, over the same TLS', async () => {
    assert.equal((await get(`https://127.0.0.1:${server.port}/healthz`, cert.cert)).status, 200);
    assert.equal((await get(`https://127.0.0.1:${server.port}/readyz`, cert.cert)).status, 200);
  });

  it('slipway controller serves it so by default: HTTPS, open probes, /metrics only for the reader', async () => {
    const redis = await startPersistentRedis();
    cleanups.push(() => redis.destroy());
    const ctl = await spawnController({ ns, redisUrl: `redis://${redis.host}:${redis.port}`, podName: 'metrics-auth', running, extraArgs: ['--metrics-auth=kubernetes'], waitReady: false });
    const base = ctl.metricsUrl.replace(/^http:/, 'https:');
    await eventually('readyz over HTTPS', async () => ((await get(`${base}/readyz`, undefined).catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000);
    assert.equal((await get(`${base}/metrics`, undefined)).status, 401);
    assert.equal((await get(`${base}/metrics`, undefined, stranger)).status, 403);
    const allowed = await get(`${base}/metrics`, undefined, reader);
    assert.equal(allowed.status, 200);
    assert.match(allowed.text, /^process_cpu_user_seconds_total /m);
  });
});
