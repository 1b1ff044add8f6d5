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
import { jobImagePolicyFromFlags } from '../../src/cli/job-image-flags.js';
import { parseJobResources } from '../../src/executors/job-resources.js';
import { chooseJobImage } from '../../src/policy/job-image.js';
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

  it('tells the controller its namespace, job image, history limit, observe interval and metrics address', () => {
    assert.deepEqual(c.args, [
      'controller',
      `--namespace=${NS}`,
      `--job-image=slipway/job:${APP_VERSION}`,
      '--history-limit=30',
      '--observe-interval=300',
      '--metrics-addr=:8080',
      '--metrics-auth=kubernetes',
      '--admission=required',
      '--webhook-port=9443',
      '--webhook-service=slipway-webhook',
      '--webhook-secret=slipway-webhook',
      '--webhook-config=slipway',
    ]);
    assert.equal(c.image, `slipway/controller:${APP_VERSION}`);
    assert.equal(envVar(c, 'SLIPWAY_WATCH_NAMESPACES')?.value, `${NS},kubean-system`);
  });

  it('bundles a Redis with its AOF on a PVC, its password in a Secret both read, the controller in its URL', () => {
    const passwordRef = { name: 'slipway-redis', key: 'password' };
    assert.deepEqual(envVar(c, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef, passwordRef);
    // After REDIS_PASSWORD, so that Kubernetes expands it.
    assert.ok(c.env!.findIndex((e) => e.name === 'REDIS_PASSWORD') < c.env!.findIndex((e) => e.name === 'SLIPWAY_REDIS_URL'));
    assert.equal(envVar(c, 'SLIPWAY_REDIS_URL')?.value, `redis://:$(REDIS_PASSWORD)@slipway-redis.${NS}.svc:6379`);
    const secret = find(objects, 'Secret', 'slipway-redis') as KubeObject & { stringData: Record<string, string> };
    assert.deepEqual(Object.keys(secret.stringData), ['password']);
    assert.match(secret.stringData['password'] ?? '', /^[A-Za-z0-9]{32}$/);
    const conf = (find(objects, 'ConfigMap', 'slipway-redis') as KubeObject & { data: Record<string, string> }).data['redis.conf'] ?? '';
    for (const line of ['appendonly yes', 'dir /data', 'maxmemory-policy noeviction']) {
      assert.ok(conf.split('\n').includes(line), `redis.conf lacks "${line}"`);
    }
    assert.doesNotMatch(conf, /requirepass/);
    const redisContainer = (find(objects, 'Deployment', 'slipway-redis') as unknown as V1Deployment).spec?.template.spec?.containers[0];
    assert.deepEqual(redisContainer?.env?.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef, passwordRef);
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
    assert.ok((c.livenessProbe?.timeoutSeconds ?? 1) * (c.livenessProbe?.failureThreshold ?? 3) >= 30, 'a loaded controller is not restarted for one late answer');
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(c.livenessProbe?.httpGet?.port, 'metrics');
    assert.equal(c.livenessProbe?.httpGet?.scheme, 'HTTPS', '/metrics is served with TLS, and the probes with it');
    assert.equal(c.readinessProbe?.httpGet?.scheme, 'HTTPS');
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
    const { objects } = await render({ namespace: NS, values: { admission: { mode: 'off' }, metrics: { auth: 'none' } } });
    assert.ok(!objects.some((o) => o.kind === 'MutatingWebhookConfiguration' || o.metadata.name === 'slipway-webhook'));
    const c = controller(objects);
    assert.ok(c.args?.includes('--admission=off'));
    assert.ok(!c.args?.some((a) => a.startsWith('--webhook-')), String(c.args));
    assert.deepEqual(c.ports?.map((p) => p.name), ['metrics']);
    // With /metrics unauthenticated too, no review rights at all.
    const role = JSON.stringify(find(objects, 'ClusterRole', 'slipway'));
    assert.ok(!role.includes('subjectaccessreviews') && !role.includes('tokenreviews') && !role.includes('mutatingwebhookconfigurations'), role);
  });
});

describe('helm template, console', () => {
  it('renders nothing of the console unless enabled', async () => {
    const { objects } = await render({ namespace: NS });
    assert.deepEqual(objects.filter((o) => o.metadata.name.endsWith('-console')).map((o) => o.kind), []);
  });

  it('serves it from the controller image behind a Service, with rights to review tokens and nothing else', async () => {
    const { objects } = await render({ namespace: NS, values: { console: { enabled: true } } });
    const d = find(objects, 'Deployment', 'slipway-console') as unknown as V1Deployment;
    const ctr = d.spec?.template.spec?.containers[0];
    assert.equal(ctr?.image, `slipway/controller:${APP_VERSION}`);
    assert.deepEqual(ctr?.args?.slice(0, 3), ['console', '--host=0.0.0.0', '--port=8443']);
    assert.ok(ctr?.args?.includes(`--name=slipway-console.${NS}.svc`), 'the self-signed certificate names the Service');
    assert.equal(ctr?.readinessProbe?.httpGet?.scheme, 'HTTPS');
    assert.equal(d.spec?.template.spec?.serviceAccountName, 'slipway-console');
    const svc = find(objects, 'Service', 'slipway-console') as KubeObject & { spec: { ports: { port: number; targetPort: string }[] } };
    assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[443, 'https']]);
    const role = find(objects, 'ClusterRole', 'slipway-console') as KubeObject & { rules: unknown[] };
    assert.deepEqual(role.rules, [{ apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] }]);
    assert.ok(!objects.some((o) => o.kind === 'Ingress'), 'no Ingress unless asked');
  });

  it('mounts a TLS Secret instead of a self-signed certificate, and renders an Ingress to the Service when asked', async () => {
    const values = { console: { enabled: true, tlsSecret: 'console-tls', ingress: { enabled: true, host: 'console.example', className: 'nginx', tlsSecret: 'edge-tls' } } };
    const { objects } = await render({ namespace: NS, values });
    const pod = (find(objects, 'Deployment', 'slipway-console') as unknown as V1Deployment).spec?.template.spec;
    assert.ok(pod?.containers[0]?.args?.includes('--tls-cert-dir=/etc/slipway/console-tls'));
    assert.ok(!pod?.containers[0]?.args?.some((a) => a.startsWith('--name=')));
    assert.equal(pod?.volumes?.find((v) => v.name === 'console-tls')?.secret?.secretName, 'console-tls');
    const ing = find(objects, 'Ingress', 'slipway-console') as KubeObject & { spec: { ingressClassName: string; tls: { secretName: string }[]; rules: { host: string; http: { paths: { backend: { service: { name: string } } }[] } }[] } };
    assert.equal(ing.spec.ingressClassName, 'nginx');
    assert.equal(ing.spec.tls[0]?.secretName, 'edge-tls');
    assert.equal(ing.spec.rules[0]?.host, 'console.example');
    assert.equal(ing.spec.rules[0]?.http.paths[0]?.backend.service.name, 'slipway-console');
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

  it('gives imagePullSecrets to the controller, Redis and, through the controller, the operation Jobs', async () => {
    const { objects } = await render({ namespace: NS, values: { imagePullSecrets: [{ name: 'regcred' }, { name: 'mirror-cred' }] } });
    for (const name of ['slipway', 'slipway-redis']) {
      assert.deepEqual((find(objects, 'Deployment', name) as unknown as V1Deployment).spec?.template.spec?.imagePullSecrets, [{ name: 'regcred' }, { name: 'mirror-cred' }], name);
    }
    const args = controller(objects).args ?? [];
    assert.deepEqual(args.filter((a) => a.startsWith('--job-image-pull-secret')), ['--job-image-pull-secret=regcred', '--job-image-pull-secret=mirror-cred']);
    const none = await render({ namespace: NS });
    assert.ok(!controller(none.objects).args?.some((a) => a.startsWith('--job-image-pull-secret')));
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
    const sm = find(objects, 'ServiceMonitor', 'slipway') as KubeObject & { spec: { endpoints: Record<string, unknown>[] } };
    assert.equal(sm.metadata.labels?.['release'], 'prom');
    const [endpoint] = sm.spec.endpoints;
    assert.equal(endpoint?.['scheme'], 'https');
    assert.equal(endpoint?.['bearerTokenFile'], '/var/run/secrets/kubernetes.io/serviceaccount/token');
    assert.deepEqual(endpoint?.['tlsConfig'], { insecureSkipVerify: true });
  });

  it('lets the controller review tokens for /metrics, and gives its readers a ClusterRole', async () => {
    const { objects } = await render({ namespace: NS });
    const rules = (find(objects, 'ClusterRole', 'slipway') as KubeObject & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules;
    assert.ok(rules.some((r) => r.apiGroups.includes('authentication.k8s.io') && r.resources.includes('tokenreviews') && r.verbs.includes('create')));
    assert.ok(rules.some((r) => r.apiGroups.includes('authorization.k8s.io') && r.resources.includes('subjectaccessreviews') && r.verbs.includes('create')));
    const reader = find(objects, 'ClusterRole', 'slipway-metrics-reader') as KubeObject & { rules: unknown };
    assert.deepEqual(reader.rules, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  });

  it('with metrics.auth none serves plain HTTP without a token, probes and ServiceMonitor alike', async () => {
    const { objects } = await render({ namespace: NS, values: { metrics: { auth: 'none', serviceMonitor: { enabled: true } } } });
    const ctl = controller(objects);
    assert.ok(ctl.args?.includes('--metrics-auth=none'));
    assert.equal(ctl.livenessProbe?.httpGet?.scheme, 'HTTP');
    const sm = find(objects, 'ServiceMonitor', 'slipway') as KubeObject & { spec: { endpoints: Record<string, unknown>[] } };
    assert.equal(sm.spec.endpoints[0]?.['scheme'], undefined);
  });
});

describe('helm template, Job pods', () => {
  interface Policy { podSelector: { matchLabels?: Record<string, string>; matchExpressions?: object[] }; policyTypes: string[]; ingress?: unknown[]; egress?: { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number; protocol: string }[] }[] }
  const specOf = (objects: KubeObject[], name: string) => (find(objects, 'NetworkPolicy', name) as KubeObject & { spec: Policy }).spec;
  const ports = (p: Policy) => p.egress!.flatMap((e) => (e.ports ?? []).map((x) => `${x.port}/${x.protocol}`)).sort();

  it('selects the operations\' pods by their labels: no ingress; egress to DNS and the hosts\' SSH port only, the apiserver only for pods handing a kubeconfig back', async () => {
    const { objects } = await render({ namespace: NS });
    const ops = specOf(objects, 'slipway-operations');
    assert.deepEqual(ops.podSelector, { matchLabels: { 'app.kubernetes.io/managed-by': 'slipway' }, matchExpressions: [{ key: 'slipway.io/operation-uid', operator: 'Exists' }] });
    assert.deepEqual(ops.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(ops.ingress, [], 'nothing may connect to them');
    assert.deepEqual(ports(ops), ['22/TCP', '53/TCP', '53/UDP']);
    const upload = specOf(objects, 'slipway-kubeconfig-upload');
    assert.equal(upload.podSelector.matchLabels?.['slipway.io/kubeconfig-upload'], 'true');
    assert.deepEqual(upload.policyTypes, ['Egress'], 'adds egress, takes nothing away');
    assert.deepEqual(ports(upload), ['443/TCP', '6443/TCP']);
    // Neither reaches the controller's metrics port or Redis.
    for (const p of [ops, upload]) for (const forbidden of ['8080/TCP', '6379/TCP']) assert.ok(!ports(p).includes(forbidden), forbidden);
    // The controller's own pods are not selected.
    const controllerLabels = (find(objects, 'Deployment', 'slipway') as unknown as V1Deployment).spec!.template.metadata!.labels!;
    assert.notEqual(controllerLabels['app.kubernetes.io/managed-by'], 'slipway');
  });

  it('takes the hosts\' SSH ports and addresses, DNS servers, file servers and the apiserver\'s addresses from values, or renders no policy', async () => {
    const networkPolicy = { sshPorts: [22, 2222], sshCIDRs: ['10.6.0.0/24'], dnsCIDRs: ['10.96.0.10/32'], fileServers: [{ cidr: '10.6.1.5/32', ports: [8080, 8443] }], apiServer: { cidrs: ['10.6.0.11/32'], ports: [6443] } };
    const { objects } = await render({ namespace: NS, values: { job: { networkPolicy } } });
    const ops = specOf(objects, 'slipway-operations');
    assert.deepEqual(ops.egress, [
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.96.0.10/32' } }] },
      { ports: [{ port: 22, protocol: 'TCP' }, { port: 2222, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.6.0.0/24' } }] },
      { to: [{ ipBlock: { cidr: '10.6.1.5/32' } }], ports: [{ port: 8080, protocol: 'TCP' }, { port: 8443, protocol: 'TCP' }] },
    ]);
    assert.deepEqual(specOf(objects, 'slipway-kubeconfig-upload').egress, [{ ports: [{ port: 6443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.6.0.11/32' } }] }]);
    const off = await render({ namespace: NS, values: { job: { networkPolicy: { enabled: false } } } });
    assert.deepEqual(off.objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name), ['slipway-redis']);
  });

  it('tells the controller the image allowlist, mappings and pod resources; a job image may be pinned by digest', async () => {
    const digest = `@sha256:${'a'.repeat(64)}`;
    const job = {
      image: { tag: digest },
      allowedImages: ['registry.local/tools/kubespray:v2.27.0', 'registry.local/team-a/*'],
      imageMappings: [{ from: 'quay.io/kubespray/kubespray', to: 'registry.local/tools/kubespray:v2.27.0' }, { from: 'registry.local/old-job' }],
      mapKubeanImage: false,
      resources: { operation: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } } },
    };
    const { objects } = await render({ namespace: NS, values: { job } });
    const args = controller(objects).args ?? [];
    assert.equal(jobImageArg(controller(objects)), `slipway/job${digest}`);
    assert.deepEqual(args.filter((a) => /^--(allow|map)-job-image|^--no-kubean/.test(a)), [
      '--allow-job-image=registry.local/tools/kubespray:v2.27.0',
      '--allow-job-image=registry.local/team-a/*',
      '--map-job-image=quay.io/kubespray/kubespray=registry.local/tools/kubespray:v2.27.0',
      '--map-job-image=registry.local/old-job=',
      '--no-kubean-image-map',
    ]);
    // The controller reads them as they are rendered.
    const value = (flag: string) => args.filter((a) => a.startsWith(`${flag}=`)).map((a) => a.slice(flag.length + 1));
    const policy = jobImagePolicyFromFlags({ 'job-image': value('--job-image')[0]!, 'allow-job-image': value('--allow-job-image'), 'map-job-image': value('--map-job-image'), 'no-kubean-image-map': args.includes('--no-kubean-image-map') });
    assert.deepEqual(
      ['quay.io/kubespray/kubespray:v2.20', 'registry.local/old-job:3', 'registry.local/team-a/x:1', 'ghcr.io/kubean-io/spray-job:v0.37.0'].map((i) => { const c = chooseJobImage(i, policy); return [c.kind, c.kind === 'refused' ? undefined : c.image]; }),
      [['mapped', 'registry.local/tools/kubespray:v2.27.0'], ['mapped', `slipway/job${digest}`], ['allowed', 'registry.local/team-a/x:1'], ['refused', undefined]],
    );
    const [resources] = value('--job-resources');
    assert.deepEqual(parseJobResources(resources!).operation, job.resources.operation);
  });
});

describe('values.schema.json', () => {
  const refused: [string, object, RegExp][] = [
    ['a misspelt key', { controller: { replica: 3 } }, /replica/],
    ['replicas as a string', { controller: { replicas: 'two' } }, /replicas/],
    ['a Redis URL of another scheme', { redis: { url: 'http://redis.example' } }, /redis/],
    ['an invalid namespace name', { watchNamespaces: ['Team_A'] }, /watchNamespaces/],
    ['an unknown pull policy', { controller: { image: { pullPolicy: 'Sometimes' } } }, /pullPolicy/],
    ['a misspelt Job pod container', { job: { resources: { ansible: { limits: { cpu: '1' } } } } }, /ansible/],
    ['a port out of range', { job: { networkPolicy: { sshPorts: [70000] } } }, /sshPorts/],
    ['a file server without ports', { job: { networkPolicy: { fileServers: [{ cidr: '10.0.0.1/32' }] } } }, /ports/],
    ['an unknown admission mode', { admission: { mode: 'optional' } }, /mode/],
    ['a webhook timeout over 30 s', { admission: { timeoutSeconds: 31 } }, /timeoutSeconds/],
    ['two console replicas (its sessions are in the process)', { console: { enabled: true, replicas: 2 } }, /replicas/],
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
