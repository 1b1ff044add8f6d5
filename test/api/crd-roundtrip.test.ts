/**
 * Every object in examples/ goes through the real apiserver and reads back as sent: the CRDs
 * keep every field kubean's manifests use (nothing pruned, nothing refused).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { KubernetesObjectApi, type V1ObjectMeta } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { crdDir } from '../../src/api/crd-schema.js';
import {
  API_VERSION,
  CLUSTER_KIND,
  CLUSTER_OPERATION_KIND,
  DEFAULT_ACTION_SOURCE,
  type ClusterOperationSpec,
  type Hook,
} from '../../src/api/types.js';
import { loadTestEnv } from '../env/index.js';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
  [field: string]: unknown;
}

const env = loadTestEnv();
const client = KubernetesObjectApi.makeApiClient(env.kubeConfig);
const examplesDir = join(dirname(crdDir()), 'examples');
const CLUSTER_SCOPED = new Set([CLUSTER_KIND, CLUSTER_OPERATION_KIND]);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort();
}

function manifests(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: Manifest[] = [];
  for (const doc of docs) {
    assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
    const value: unknown = doc.toJS();
    if (isManifest(value)) out.push(value);
  }
  return out;
}

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['apiVersion'] === 'string' && typeof v['kind'] === 'string';
}

/** Random names for the file's objects, namespaced ones moved into `namespace`, refs between them kept. */
function isolate(objects: Manifest[], namespace: string): Manifest[] {
  const renamed = new Map<string, string>();
  for (const o of objects) renamed.set(`${o.kind}/${o.metadata.name}`, env.randomName(o.metadata.name));
  const newName = (kind: string, name: string) => renamed.get(`${kind}/${name}`);

  const rewriteRefs = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(rewriteRefs);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key.endsWith('Ref') && typeof child === 'object' && child !== null) {
        const ref = child as { namespace: string; name: string };
        const target = newName(key === 'sshAuthRef' ? 'Secret' : 'ConfigMap', ref.name);
        if (target) Object.assign(ref, { namespace, name: target });
      } else {
        rewriteRefs(child);
      }
    }
  };

  return objects.map((original) => {
    const o = structuredClone(original);
    o.metadata.name = newName(o.kind, o.metadata.name) ?? o.metadata.name;
    if (CLUSTER_SCOPED.has(o.kind)) delete o.metadata.namespace;
    else o.metadata.namespace = namespace;
    const spec = o['spec'] as Record<string, unknown> | undefined;
    if (o.kind === CLUSTER_OPERATION_KIND && spec) {
      spec['cluster'] = newName(CLUSTER_KIND, spec['cluster'] as string) ?? spec['cluster'];
    }
    rewriteRefs(spec);
    return o;
  });
}

/** What the apiserver adds by itself: the CRD's default for actionSource, in the spec and every hook. */
function withServerDefaults(spec: ClusterOperationSpec): ClusterOperationSpec {
  const out = structuredClone(spec);
  const fill = (h: Hook | ClusterOperationSpec) => (h.actionSource ??= DEFAULT_ACTION_SOURCE);
  fill(out);
  out.preHook?.forEach(fill);
  out.postHook?.forEach(fill);
  return out;
}

/** Everything but apiVersion, kind, metadata and status, in the form the apiserver returns. */
function content(o: Manifest, sent: boolean): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  for (const key of ['apiVersion', 'kind', 'metadata', 'status']) delete out[key];
  if (!sent) return out;
  const stringData = out['stringData'] as Record<string, string> | undefined;
  delete out['stringData'];
  if (stringData) {
    const encoded = Object.fromEntries(
      Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    out['data'] = { ...(out['data'] as object | undefined), ...encoded };
  }
  if (o.kind === CLUSTER_OPERATION_KIND) out['spec'] = withServerDefaults(out['spec'] as ClusterOperationSpec);
  return out;
}

async function createAndReadBack(o: Manifest): Promise<Manifest> {
  await client.create(o);
  const { apiVersion, kind, metadata } = o;
  return (await client.read({ apiVersion, kind, metadata })) as Manifest;
}

const files = yamlFiles(examplesDir);

describe('examples/ through the apiserver', () => {
  it('covers every kind kubean users apply', () => {
    const kinds = new Set(files.flatMap((f) => manifests(f).map((m) => m.kind)));
    for (const kind of ['ConfigMap', 'Secret', CLUSTER_KIND, CLUSTER_OPERATION_KIND]) {
      assert.ok(kinds.has(kind), `no ${kind} in examples/`);
    }
  });

  for (const file of files) {
    it(`${relative(examplesDir, file)} is created and reads back as sent`, async (t) => {
      const objects = manifests(file);
      if (objects.length === 0) return t.skip('no Kubernetes objects');
      for (const o of objects) {
        if (CLUSTER_SCOPED.has(o.kind)) assert.equal(o.apiVersion, API_VERSION, `${o.kind} ${o.metadata.name}`);
      }
      const namespace = await env.namespace('examples');
      const created: Manifest[] = [];
      try {
        for (const sent of isolate(objects, namespace)) {
          const back = await createAndReadBack(sent);
          created.push(sent);
          const what = `${sent.kind} ${sent.metadata.name} from ${relative(examplesDir, file)}`;
          assert.equal(back.kind, sent.kind);
          assert.equal(back.metadata.name, sent.metadata.name);
          assert.deepEqual(back.metadata.labels, sent.metadata.labels, `${what}: labels`);
          assert.deepEqual(content(back, false), content(sent, true), what);
        }
      } finally {
        // Namespaced objects go with their namespace; cluster-scoped ones are ours to delete.
        await Promise.allSettled(created.filter((o) => CLUSTER_SCOPED.has(o.kind)).map((o) => client.delete(o)));
      }
    });
  }
});
