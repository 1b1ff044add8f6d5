/**
 * The chart through the real helm: lint, the values schema, and what the controller is told
 * (args, env, images) for the bundled Redis, an external one and an air-gapped registry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { V1Container, V1Deployment, V1EnvVar } from '@kubernetes/client-node';
import { repoRoot } from '../env/repo-root.js';
import { CHART_DIR, find, helm, render, template, withValuesFile, type KubeObject } from './helm.js';

const NS = 'slipway-system';
const APP_VERSION = /^appVersion:\s*"?([^"\s]+)"?/m.exec(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8'))?.[1];

function controller(objects: KubeObject[]): V1Container {
  const d = find(objects, 'Deployment', 'slipway') as unknown as V1Deployment;
  const c = d.spec?.template.spec?.containers[0];
  assert.ok(c, 'controller container');
  return c;
}

const envVar = (c: V1Container, name: string): V1EnvVar | undefined => c.env?.find((e) => e.name === name);
const images = (objects: KubeObject[]): string[] =>
  objects.filter((o) => o.kind === 'Deployment')
    .flatMap((d) => (d as unknown as V1Deployment).spec?.template.spec?.containers.map((c) => c.image ?? '') ?? []);
const jobImageArg = (c: V1Container): string | undefined => c.args?.find((a) => a.startsWith('--job-image='))?.slice('--job-image='.length);

describe('helm lint', () => {
  it('passes with --strict for the default values', async () => {
    const r = await helm(['lint', '--strict', CHART_DIR]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  });

  it('passes with --strict for an external Redis and extra namespaces', async () => {
    const values = { redis: { url: 'rediss://:pw@redis.example:6380/2' }, watchNamespaces: ['kubean-system', 'team-a'] };
    const r = await withValuesFile(values, (file) => helm(['lint', '--strict', CHART_DIR, '--values', file]));
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  });
});

describe('chart CRDs', () => {
  it('are crds/, file for file and byte for byte (charts/slipway/sync-crds.sh copies them)', () => {
    const yamls = (dir: string) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
    const source = join(repoRoot(), 'crds');
    const chart = join(CHART_DIR, 'crds');
    assert.deepEqual(yamls(chart), yamls(source));
    for (const f of yamls(source)) {
      assert.equal(readFileSync(join(chart, f), 'utf8'), readFileSync(join(source, f), 'utf8'), `${f} differs: run charts/slipway/sync-crds.sh`);
    }
  });
});

describe('helm template, default values', async () => {
  const { objects } = await render({ namespace: NS });
  const c = controller(objects);

  it('tells the controller its namespace, job image, history limit and metrics address', () => {
    assert.deepEqual(c.args, [
      'controller',
      `--namespace=${NS}`,
      `--job-image=slipway/job:${APP_VERSION}`,
      '--history-limit=30',
      '--metrics-addr=:8080',
      '--admission=required',
      '--webhook-port=9443',
      '--webhook-service=slipway-webhook',
      '--webhook-secret=slipway-webhook',
      '--webhook-config=slipway',
    ]);
    assert.equal(c.image, `slipway/controller:${APP_VERSION}`);
    assert.equal(envVar(c, 'SLIPWAY_WATCH_NAMESPACES')?.value, `${NS},kubean-system`);
  });

  it('bundles a Redis with its AOF on a PVC, its password in a Secret the controller reads the URL from', () => {
    const ref = envVar(c, 'SLIPWAY_REDIS_URL')?.valueFrom?.secretKeyRef;
    assert.deepEqual(ref, { name: 'slipway-redis', key: 'url' });
    const secret = find(objects, 'Secret', 'slipway-redis') as KubeObject & { stringData: Record<string, string> };
    const password = secret.stringData['password'] ?? '';
    assert.match(password, /^[A-Za-z0-9]{32}$/);
    assert.equal(secret.stringData['url'], `redis://:${password}@slipway-redis.${NS}.svc:6379`);
    const conf = secret.stringData['redis.conf'] ?? '';
    for (const line of ['appendonly yes', 'dir /data', 'maxmemory-policy noeviction', `requirepass ${password}`]) {
      assert.ok(conf.split('\n').includes(line), `redis.conf lacks "${line}"`);
    }
    const redis = find(objects, 'Deployment', 'slipway-redis') as unknown as V1Deployment;
    assert.equal(redis.spec?.replicas, 1);
    assert.equal(redis.spec?.strategy?.type, 'Recreate');
    assert.equal(redis.spec?.template.spec?.containers[0]?.image, `slipway/redis:${APP_VERSION}`);
    const data = redis.spec?.template.spec?.volumes?.find((v) => v.name === 'data');
    assert.equal(data?.persistentVolumeClaim?.claimName, 'slipway-redis');
    find(objects, 'PersistentVolumeClaim', 'slipway-redis');
    find(objects, 'Service', 'slipway-redis');
    find(objects, 'NetworkPolicy', 'slipway-redis');
  });

  it('runs every container non-root, read-only, without capabilities, under RuntimeDefault seccomp', () => {
    for (const d of objects.filter((o) => o.kind === 'Deployment') as unknown as V1Deployment[]) {
      const pod = d.spec?.template.spec;
      assert.equal(pod?.securityContext?.runAsNonRoot, true, d.metadata?.name);
      assert.equal(pod?.securityContext?.seccompProfile?.type, 'RuntimeDefault', d.metadata?.name);
      for (const ctr of pod?.containers ?? []) {
        assert.equal(ctr.securityContext?.readOnlyRootFilesystem, true, ctr.name);
        assert.equal(ctr.securityContext?.allowPrivilegeEscalation, false, ctr.name);
        assert.deepEqual(ctr.securityContext?.capabilities?.drop, ['ALL'], ctr.name);
        assert.ok(ctr.resources?.requests && ctr.resources.limits, `${ctr.name}: resources`);
      }
    }
  });

  it('runs two controller replicas with /healthz and /readyz probes on the metrics port, behind a metrics Service', () => {
    const d = find(objects, 'Deployment', 'slipway') as unknown as V1Deployment;
    assert.equal(d.spec?.replicas, 2);
    assert.deepEqual(c.ports?.map((p) => [p.name, p.containerPort]), [['metrics', 8080], ['webhook', 9443]]);
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(c.livenessProbe?.httpGet?.port, 'metrics');
    const svc = find(objects, 'Service', 'slipway-metrics') as KubeObject & { spec: { ports: { port: number }[] } };
    assert.equal(svc.spec.ports[0]?.port, 8080);
    assert.ok(!objects.some((o) => o.kind === 'ServiceMonitor'), 'no ServiceMonitor unless asked');
  });
});

describe('helm template, admission webhook', () => {
  type Webhook = { name: string; clientConfig: { service?: { namespace: string; name: string; path: string; port: number }; caBundle?: string }; rules: unknown[]; failurePolicy: string; sideEffects: string; admissionReviewVersions: string[]; objectSelector?: unknown };
  const webhookOf = (objects: KubeObject[]): Webhook => {
    const config = find(objects, 'MutatingWebhookConfiguration', 'slipway') as KubeObject & { webhooks: Webhook[] };
    assert.equal(config.webhooks.length, 1);
    return config.webhooks[0]!;
  };

  it('sends CREATE and UPDATE of Clusters and ClusterOperations (not /status) to the controllers, failing closed', async () => {
    const { objects } = await render({ namespace: NS });
    const w = webhookOf(objects);
    assert.deepEqual(w.rules, [{ apiGroups: ['kubean.io'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['clusters', 'clusteroperations'], scope: 'Cluster' }]);
    assert.equal(w.failurePolicy, 'Fail');
    assert.equal(w.sideEffects, 'None');
    assert.deepEqual(w.admissionReviewVersions, ['v1']);
    assert.deepEqual(w.clientConfig.service, { namespace: NS, name: 'slipway-webhook', path: '/admit', port: 443 });
    assert.equal(w.clientConfig.caBundle, undefined, 'the controller sets the CA it made');
    assert.equal(w.objectSelector, undefined);
    const svc = find(objects, 'Service', 'slipway-webhook', NS) as KubeObject & { spec: { ports: { port: number; targetPort: string }[]; selector: Record<string, string> } };
    assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[443, 'webhook']]);
    const d = find(objects, 'Deployment', 'slipway') as unknown as V1Deployment;
    assert.deepEqual(svc.spec.selector, d.spec?.selector.matchLabels);
  });

  it('lets the controller review access and patch only its own webhook configuration', async () => {
    const { objects } = await render({ namespace: NS });
    const rules = (find(objects, 'ClusterRole', 'slipway') as KubeObject & { rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[] }).rules;
    assert.deepEqual(rules.find((r) => r.resources.includes('subjectaccessreviews')), { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] });
    assert.deepEqual(rules.find((r) => r.resources.includes('mutatingwebhookconfigurations')), { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: ['slipway'], verbs: ['get', 'patch'] });
  });

  it('passes an objectSelector and the timeout through', async () => {
    const { objects } = await render({ namespace: NS, values: { admission: { objectSelector: { matchLabels: { tenant: 'a' } }, timeoutSeconds: 5 } } });
    const w = webhookOf(objects) as Webhook & { timeoutSeconds: number };
    assert.deepEqual(w.objectSelector, { matchLabels: { tenant: 'a' } });
    assert.equal(w.timeoutSeconds, 5);
  });

  it('renders no webhook, Service, port or rights with admission off, and tells the controller', async () => {
    const { objects } = await render({ namespace: NS, values: { admission: { mode: 'off' } } });
    assert.ok(!objects.some((o) => o.kind === 'MutatingWebhookConfiguration' || o.metadata.name === 'slipway-webhook'));
    const c = controller(objects);
    assert.ok(c.args?.includes('--admission=off'));
    assert.ok(!c.args?.some((a) => a.startsWith('--webhook-')), String(c.args));
    assert.deepEqual(c.ports?.map((p) => p.name), ['metrics']);
    assert.ok(!JSON.stringify(find(objects, 'ClusterRole', 'slipway')).includes('subjectaccessreviews'));
  });
});

describe('helm template, external Redis', () => {
  it('passes a URL without credentials as --redis-url and bundles no Redis', async () => {
    const { objects } = await render({ namespace: NS, values: { redis: { url: 'redis://redis.example:6379/1' } } });
    const c = controller(objects);
    assert.ok(c.args?.includes('--redis-url=redis://redis.example:6379/1'), String(c.args));
    assert.equal(envVar(c, 'SLIPWAY_REDIS_URL'), undefined);
    assert.deepEqual(objects.filter((o) => o.metadata.name.startsWith('slipway-redis')).map((o) => o.kind), []);
  });

  it('keeps a URL with a password out of the Deployment: a Secret, read as SLIPWAY_REDIS_URL', async () => {
    const url = 'rediss://default:hunter2-pw@redis.example:6380';
    const { objects } = await render({ namespace: NS, values: { redis: { url } } });
    const deployment = JSON.stringify(find(objects, 'Deployment', 'slipway'));
    assert.ok(!deployment.includes('hunter2-pw'), 'the password is in the Deployment');
    const c = controller(objects);
    assert.ok(!c.args?.some((a) => a.startsWith('--redis-url')));
    assert.deepEqual(envVar(c, 'SLIPWAY_REDIS_URL')?.valueFrom?.secretKeyRef, { name: 'slipway-redis-url', key: 'url' });
    const secret = find(objects, 'Secret', 'slipway-redis-url') as KubeObject & { stringData: Record<string, string> };
    assert.equal(secret.stringData['url'], url);
    assert.ok(!objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'slipway-redis'));
  });

  it('reads the URL from an existing Secret and creates none', async () => {
    const { objects } = await render({ namespace: NS, values: { redis: { existingSecret: 'my-redis', existingSecretKey: 'uri' } } });
    assert.deepEqual(envVar(controller(objects), 'SLIPWAY_REDIS_URL')?.valueFrom?.secretKeyRef, { name: 'my-redis', key: 'uri' });
    assert.deepEqual(objects.filter((o) => o.kind === 'Secret'), []);
  });
});

describe('helm template, air-gapped registry and extra namespaces', () => {
  it('takes every image, the job image too, from imageRegistry; an image may override it', async () => {
    const values = { imageRegistry: 'registry.local:5000/', job: { image: { tag: '0.1.0-airgap' } }, redis: { bundled: { image: { registry: 'mirror.local' } } } };
    const { objects } = await render({ namespace: NS, values });
    assert.deepEqual(images(objects).sort(), [`mirror.local/slipway/redis:${APP_VERSION}`, `registry.local:5000/slipway/controller:${APP_VERSION}`]);
    assert.equal(jobImageArg(controller(objects)), 'registry.local:5000/slipway/job:0.1.0-airgap');
  });

  it('grants a read-only Role and RoleBinding in each watch namespace, the release namespace once', async () => {
    const values = { watchNamespaces: ['kubean-system', 'team-a', NS, 'team-a'] };
    const { objects } = await render({ namespace: NS, values });
    const roles = objects.filter((o) => o.kind === 'Role').map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
    assert.deepEqual(roles, ['default/slipway-events', 'kubean-system/slipway-inputs', `${NS}/slipway`, 'team-a/slipway-inputs']);
    for (const ns of ['kubean-system', 'team-a']) {
      const rules = (find(objects, 'Role', 'slipway-inputs', ns) as KubeObject & { rules: unknown }).rules;
      assert.deepEqual(rules, [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'] }]);
      find(objects, 'RoleBinding', 'slipway-inputs', ns);
    }
    assert.equal(envVar(controller(objects), 'SLIPWAY_WATCH_NAMESPACES')?.value, `${NS},kubean-system,team-a`);
  });

  it('renders a ServiceMonitor when asked', async () => {
    const { objects } = await render({ namespace: NS, values: { metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } } } });
    const sm = find(objects, 'ServiceMonitor', 'slipway');
    assert.equal(sm.metadata.labels?.['release'], 'prom');
  });
});

describe('values.schema.json', () => {
  const refused: [string, object, RegExp][] = [
    ['a misspelt key', { controller: { replica: 3 } }, /replica/],
    ['replicas as a string', { controller: { replicas: 'two' } }, /replicas/],
    ['a Redis URL of another scheme', { redis: { url: 'http://redis.example' } }, /redis/],
    ['an invalid namespace name', { watchNamespaces: ['Team_A'] }, /watchNamespaces/],
    ['an unknown pull policy', { controller: { image: { pullPolicy: 'Sometimes' } } }, /pullPolicy/],
    ['an unknown admission mode', { admission: { mode: 'optional' } }, /mode/],
    ['a webhook timeout over 30 s', { admission: { timeoutSeconds: 31 } }, /timeoutSeconds/],
  ];
  for (const [what, values, mentions] of refused) {
    it(`refuses ${what}`, async () => {
      const r = await template({ values });
      assert.notEqual(r.exitCode, 0, `accepted ${JSON.stringify(values)}`);
      assert.match(r.stderr, /values don't meet the specifications of the schema/);
      assert.match(r.stderr, mentions);
    });
  }
});
