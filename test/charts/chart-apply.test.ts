/**
 * What `helm install` would create, through the real apiserver: the chart's CRDs for real,
 * then every rendered object with a server-side dry run (admission, schema and RBAC
 * validation included) for the default values, an external Redis and extra namespaces.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTestEnv } from '../env/index.js';
import { CHART_DIR, render, type KubeObject } from './helm.js';
import { ensureNamespace, kubectlOk } from './kube.js';

const env = loadTestEnv();

/** `kubectl apply --dry-run=server`, one line per object; every object must be accepted. */
async function dryRun(text: string, objects: KubeObject[]): Promise<void> {
  const out = await kubectlOk(['apply', '--dry-run=server', '-o', 'name', '-f', '-'], text);
  const names = out.split('\n').filter(Boolean).sort();
  const expected = objects.map((o) => `${o.kind}/${o.metadata.name}`.toLowerCase());
  // -o name prints kind.group/name; compare by kind and name.
  const strip = (n: string) => n.replace(/^([^./]+)(\.[^/]+)?\//, '$1/');
  assert.deepEqual(names.map(strip).sort(), expected.sort());
}

describe('the chart through the apiserver', () => {
  it("applies the chart's CRDs (already there from crds/, so unchanged) and they are Established", async () => {
    const out = await kubectlOk(['apply', '-f', join(CHART_DIR, 'crds')]);
    const lines = out.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, out);
    for (const line of lines) assert.match(line, /^customresourcedefinition\.apiextensions\.k8s\.io\/\S+ (unchanged|configured|created)$/);
    await kubectlOk(['wait', '--for=condition=Established', '--timeout=30s', 'crd/clusters.kubean.io', 'crd/clusteroperations.kubean.io']);
  });

  it('accepts every object of the default values (bundled Redis, kubean-system inputs)', async () => {
    await ensureNamespace('kubean-system');
    const namespace = await env.namespace('chart');
    const { text, objects } = await render({ release: env.randomName('rel'), namespace });
    assert.ok(objects.length >= 15, `${objects.length} objects`);
    await dryRun(text, objects);
  });

  it('accepts every object for an external Redis with a password, CRDs included', async () => {
    const namespace = await env.namespace('chart');
    const values = { redis: { url: 'redis://:pw@redis.example:6379/0' }, watchNamespaces: [] };
    const rendered = await render({ release: env.randomName('rel'), namespace, values });
    await dryRun(rendered.text, rendered.objects);
    const crds = await kubectlOk(['apply', '--dry-run=server', '-o', 'name', '-f', join(CHART_DIR, 'crds')]);
    assert.equal(crds.split('\n').filter(Boolean).length, 2);
  });

  it('accepts every object with every Job setting (image allowlist and mappings, resources, a NetworkPolicy with file servers and the apiserver\'s address)', async () => {
    const namespace = await env.namespace('chart');
    const job = {
      allowedImages: ['registry.local/tools/*'],
      imageMappings: [{ from: 'quay.io/kubespray/kubespray' }],
      resources: { sshAgent: { requests: { cpu: '5m', memory: '8Mi' }, limits: { cpu: '50m', memory: '32Mi' } } },
      networkPolicy: { sshPorts: [22, 2222], sshCIDRs: ['10.6.0.0/24'], fileServers: [{ cidr: '10.6.1.5/32', ports: [8080] }], apiServer: { cidrs: ['10.6.0.11/32'], ports: [6443] } },
    };
    const { text, objects } = await render({ release: env.randomName('rel'), namespace, values: { job, watchNamespaces: [] } });
    assert.equal(objects.filter((o) => o.kind === 'NetworkPolicy').length, 3);
    await dryRun(text, objects);
  });

  it('accepts every object with extra watch namespaces, an air-gapped registry and no PVC', async () => {
    const namespace = await env.namespace('chart');
    const extra = [await env.namespace('inputs'), await env.namespace('inputs')];
    const values = { watchNamespaces: extra, imageRegistry: 'registry.local:5000', redis: { bundled: { persistence: { enabled: false } } } };
    const { text, objects } = await render({ release: env.randomName('rel'), namespace, values });
    assert.deepEqual(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace).sort(), ['default', ...extra, namespace].sort());
    await dryRun(text, objects);
  });
});
