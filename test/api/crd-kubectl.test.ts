/**
 * What kubectl shows of the CRDs, asked of the test apiserver with the real kubectl: short
 * names and categories resolve, `kubectl explain` has a description for every field, and the
 * printer columns tell a cluster's and an operation's story.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { execa } from 'execa';
import {
  API_VERSION,
  CLUSTER_KIND,
  CLUSTER_OPERATION_KIND,
  CLUSTER_OPERATION_PLURAL,
  CLUSTER_PLURAL,
  GROUP,
  VERSION,
  type Cluster,
  type ClusterOperation,
} from '../../src/api/types.js';
import { loadTestEnv } from '../env/index.js';
import { resolveKubeBinaries } from '../env/kube-binaries.js';

const env = loadTestEnv();
const api = env.kubeConfig.makeApiClient(CustomObjectsApi);
const kubectlBin = resolveKubeBinaries().kubectl;
let cacheDir = '';

async function kubectl(...args: string[]): Promise<string> {
  const r = await execa(kubectlBin, [`--kubeconfig=${env.kubeconfigPath}`, `--cache-dir=${cacheDir}`, ...args]);
  return r.stdout;
}

/** kubectl's table output as header → cell records (columns are separated by 3+ spaces). */
function table(text: string): Record<string, string>[] {
  const [head, ...rows] = text.split('\n').filter((l) => l.trim() !== '');
  assert.ok(head);
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(head); m; m = re.exec(head)) starts.push(m.index);
  const names = starts.map((s, i) => head.slice(s, starts[i + 1]).trim());
  return rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row.slice(starts[i], starts[i + 1]).trim()])));
}

interface OpenApiSchema {
  description?: string;
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  $ref?: string;
}

/** Field paths without a description, and the paths of object fields (what `kubectl explain` lists). */
function walk(node: OpenApiSchema, path: string, missing: string[], objects: string[]): void {
  const inner = node.items ?? node;
  if (inner.properties) objects.push(path);
  for (const [name, child] of Object.entries(inner.properties ?? {})) {
    const here = `${path}.${name}`;
    if (!child.description?.trim()) missing.push(here);
    if (!child.$ref && !child.allOf) walk(child, here, missing, objects);
  }
}

before(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'slipway-kubectl-cache-'));
});
after(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('the CRDs as kubectl serves them', () => {
  it('resolves the short names and the categories, and only to kubean.io', async () => {
    const resources = table(await kubectl('api-resources', '--api-group=kubean.io'));
    assert.deepEqual(
      resources.map((r) => [r['NAME'], r['SHORTNAMES'], r['KIND']]).sort(),
      [
        ['clusteroperations', 'kco,clusterops', CLUSTER_OPERATION_KIND],
        ['clusters', 'kcl', CLUSTER_KIND],
      ],
    );
    const explained = await kubectl('explain', 'kcl');
    assert.match(explained, /GROUP:\s+kubean\.io/);
    assert.match(await kubectl('explain', 'kco'), /KIND:\s+ClusterOperation/);
    for (const category of ['kubean', 'slipway']) {
      const out = await kubectl('get', category, '-o', 'name', '--ignore-not-found');
      assert.doesNotMatch(out, /error/i, category);
    }
  });

  it('has a description for every field of the served schemas, as kubectl explain shows them', async () => {
    const doc = JSON.parse(await kubectl('get', '--raw', `/openapi/v3/apis/${GROUP}/${VERSION}`)) as { components: { schemas: Record<string, OpenApiSchema> } };
    const targets: string[] = [];
    for (const kind of [CLUSTER_KIND, CLUSTER_OPERATION_KIND]) {
      const schema = doc.components.schemas[`io.kubean.${VERSION}.${kind}`];
      assert.ok(schema, `served schema of ${kind}`);
      const missing: string[] = [];
      const objects: string[] = [];
      walk(schema, kind === CLUSTER_KIND ? 'kcl' : 'kco', missing, objects);
      assert.deepEqual(missing, [], `${kind}: fields without description`);
      assert.ok(objects.length > 5);
      targets.push(...objects);
    }
    for (const target of targets) {
      const out = await kubectl('explain', target);
      assert.doesNotMatch(out, /<no description>/, `kubectl explain ${target}`);
      assert.match(out, /FIELDS:/, target);
    }
  });

  it('prints a cluster with its phase, ready nodes, version and last operation, and an operation with its story', async () => {
    const name = env.randomName('printed');
    const opName = env.randomName('printed-op');
    const cluster: Cluster = {
      apiVersion: API_VERSION,
      kind: CLUSTER_KIND,
      metadata: { name },
      spec: { hostsConfRef: { namespace: 'kubean-system', name: 'hosts' }, varsConfRef: { namespace: 'kubean-system', name: 'vars' } },
    };
    await api.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: cluster });
    const op: ClusterOperation = {
      apiVersion: API_VERSION,
      kind: CLUSTER_OPERATION_KIND,
      metadata: { name: opName },
      spec: { cluster: name, actionType: 'playbook', action: 'scale.yml' },
    };
    await api.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body: op });
    try {
      const t = '2026-12-01T10:00:00Z';
      await api.replaceClusterCustomObjectStatus({
        group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name,
        body: {
          ...(await api.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name }) as object),
          status: {
            phase: 'Scaling Out',
            conditions: [
              { clusterOps: 'first-install', status: 'Succeeded', startTime: t, endTime: t },
              { clusterOps: opName, status: 'Running', startTime: t },
            ],
            controlPlaneCount: 1, workerCount: 2, desiredVersion: 'v1.34.4', observedVersion: 'v1.34.3',
            nodeCount: 3, readyNodeCount: 2, nodesReady: '2/3',
          },
        },
      });
      await api.replaceClusterCustomObjectStatus({
        group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: opName,
        body: {
          ...(await api.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: opName }) as object),
          status: { status: 'Running', startTime: t, progress: { summary: 'step 1/1 · download files', step: 1, totalSteps: 1 } },
        },
      });

      const [row] = table(await kubectl('get', 'kcl', name));
      assert.deepEqual({ ...row, AGE: undefined }, { NAME: name, PHASE: 'Scaling Out', NODES: '2/3', VERSION: 'v1.34.3', 'LAST OPERATION': opName, AGE: undefined });
      assert.match(row?.['AGE'] ?? '', /^\d+s$/);
      const [wide] = table(await kubectl('get', 'clusters.kubean.io', name, '-o', 'wide'));
      assert.deepEqual([wide?.['CONTROL-PLANE'], wide?.['WORKERS'], wide?.['DESIRED VERSION']], ['1', '2', 'v1.34.4']);

      const [opRow] = table(await kubectl('get', 'kco', opName));
      assert.deepEqual({ ...opRow, AGE: undefined }, { NAME: opName, CLUSTER: name, ACTION: 'scale.yml', STATUS: 'Running', PROGRESS: 'step 1/1 · download files', AGE: undefined });

      const both = await kubectl('get', 'slipway', '-o', 'name');
      assert.ok(both.includes(`cluster.kubean.io/${name}`) && both.includes(`clusteroperation.kubean.io/${opName}`), both);
    } finally {
      await api.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: opName });
      await api.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name });
    }
  });
});
