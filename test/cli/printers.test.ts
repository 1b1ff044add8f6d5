/**
 * Golden outputs of the pure printers behind get and describe (test/cli/golden/). To accept a
 * deliberate change: SLIPWAY_UPDATE_GOLDEN=1, then review the diff.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CoreV1Event } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { Cluster, ClusterOperation } from '../../src/api/types.js';
import { renderClusterTree, renderOperation } from '../../src/cli/print-describe.js';
import { renderObjects } from '../../src/cli/print-resources.js';
import { humanAge, renderTable } from '../../src/cli/print-table.js';
import { REPO } from './cli-fixture.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

async function golden(name: string, actual: string): Promise<void> {
  const file = join(REPO, 'test', 'cli', 'golden', name);
  if (process.env.SLIPWAY_UPDATE_GOLDEN === '1' || !existsSync(file)) await writeFile(file, actual);
  assert.equal(actual, await readFile(file, 'utf8'), `golden ${name}`);
}

export const CLUSTER: Cluster = {
  apiVersion: 'kubean.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'prod', creationTimestamp: ago(3 * 86400 + 7200) as unknown as Date },
  spec: { hostsConfRef: { namespace: 'kubean-system', name: 'prod-hosts' }, varsConfRef: { namespace: 'kubean-system', name: 'prod-vars' } },
  status: {
    phase: 'Upgrading',
    controlPlaneCount: 1,
    workerCount: 2,
    desiredVersion: 'v1.35.4',
    observedVersion: 'v1.34.4',
    nodes: [
      { name: 'cp1', roles: ['control-plane'], version: 'v1.34.4', ready: true, address: '10.0.0.11' },
      { name: 'w1', roles: [], version: 'v1.34.4', ready: true, address: '10.0.0.21' },
      { name: 'w2', version: 'v1.34.4', ready: false, address: '10.0.0.22' },
    ],
    nodeCount: 3,
    readyNodeCount: 2,
    nodesReady: '2/3',
    certificatesExpiry: '2027-05-01T00:00:00Z',
    conditions: [
      { clusterOps: 'prod-install', status: 'Succeeded', startTime: ago(3 * 86400), endTime: ago(3 * 86400 - 1500) },
      { clusterOps: 'prod-upgrade', status: 'Running', startTime: ago(300) },
    ],
    clusterConditions: [
      { type: 'ControlPlaneAvailable', status: 'True', reason: 'APIServerAnswers', lastTransitionTime: ago(3 * 86400) },
      { type: 'WorkersReady', status: 'False', reason: 'NodesNotReady', message: 'w2 is not Ready', lastTransitionTime: ago(240) },
    ],
  },
};

const op = (name: string, cluster: string, status: ClusterOperation['status'], created: number): ClusterOperation => ({
  apiVersion: 'kubean.io/v1alpha1',
  kind: 'ClusterOperation',
  metadata: { name, creationTimestamp: ago(created) as unknown as Date },
  spec: { cluster, actionType: 'playbook', action: name.endsWith('install') ? 'cluster.yml' : 'upgrade-cluster.yml' },
  ...(status ? { status } : {}),
});

export const OPERATIONS: ClusterOperation[] = [
  op('prod-install', 'prod', {
    status: 'Succeeded', startTime: ago(3 * 86400), endTime: ago(3 * 86400 - 1500),
    steps: [{ name: 'action: cluster.yml', role: 'action', status: 'Succeeded', startTime: ago(3 * 86400), endTime: ago(3 * 86400 - 1490) }],
  }, 3 * 86400 + 10),
  op('prod-upgrade', 'prod', {
    status: 'Running', startTime: ago(300), activeDeadlineSeconds: 21600,
    steps: [
      { name: 'preHook: check.sh', role: 'preHook', status: 'Succeeded', startTime: ago(300), endTime: ago(288) },
      { name: 'action: upgrade-cluster.yml', role: 'action', status: 'Running', startTime: ago(288) },
    ],
    progress: { summary: 'step 2/2 action: upgrade-cluster.yml: TASK Upgrade kubelet (40 tasks; 2 ok, 1 pending)', step: 2, totalSteps: 2, stepName: 'action: upgrade-cluster.yml', task: 'Upgrade kubelet', tasksStarted: 40, hosts: { pending: 1, ok: 2, changed: 0, failed: 0, unreachable: 0 } },
  }, 305),
  op('prod-scale-failed', 'prod', {
    status: 'Failed', startTime: ago(86400), endTime: ago(86400 - 95), message: 'task "Join node" failed on w2: kubeadm join timed out\nmore', failedStep: 'action: scale.yml', failedTask: 'Join node', failedHosts: ['w2'],
    steps: [{ name: 'action: scale.yml', role: 'action', status: 'Failed', startTime: ago(86400), endTime: ago(86400 - 95), message: 'task "Join node" failed on w2' }],
  }, 86400 + 5),
  op('other-install', 'other', undefined, 30),
];

describe('printers (golden)', () => {
  it('lays out tables as kubectl does, with its ages', () => {
    assert.equal(renderTable(['A', 'LONGER', 'C'], [['x', 'y', ''], ['xxxx', '', 'z']]), 'A      LONGER   C\nx      y\nxxxx            z\n');
    const ages: [number, string][] = [[5, '5s'], [119, '119s'], [330, '5m30s'], [5700, '95m'], [19800, '5h30m'], [72000, '20h'], [273600, '3d4h'], [12 * 86400, '12d'], [800 * 86400, '2y70d']];
    for (const [s, want] of ages) assert.equal(humanAge(ago(s), NOW), want, `${s}s`);
  });

  it('get clusters and operations: table, wide, name', async () => {
    await golden('get-clusters.txt', renderObjects({ kind: 'clusters', items: [CLUSTER] }, 'table', NOW));
    await golden('get-clusters-wide.txt', renderObjects({ kind: 'clusters', items: [CLUSTER] }, 'wide', NOW));
    await golden('get-operations.txt', renderObjects({ kind: 'operations', items: OPERATIONS }, 'table', NOW));
    await golden('get-operations-wide.txt', renderObjects({ kind: 'operations', items: OPERATIONS }, 'wide', NOW));
    assert.equal(renderObjects({ kind: 'operations', items: OPERATIONS.slice(0, 2) }, 'name', NOW), 'clusteroperation.kubean.io/prod-install\nclusteroperation.kubean.io/prod-upgrade\n');
  });

  it('get -o json|yaml: the objects exactly (a List, or the one named)', () => {
    assert.deepEqual(JSON.parse(renderObjects({ kind: 'clusters', items: [CLUSTER] }, 'json', NOW)), { apiVersion: 'v1', kind: 'List', items: [CLUSTER] });
    assert.deepEqual(JSON.parse(renderObjects({ kind: 'clusters', items: [CLUSTER] }, 'json', NOW, true)), CLUSTER);
    assert.deepEqual(parse(renderObjects({ kind: 'operations', items: OPERATIONS }, 'yaml', NOW)), { apiVersion: 'v1', kind: 'List', items: OPERATIONS });
  });

  it('describe cluster: a tree of conditions, nodes and operations', async () => {
    await golden('describe-cluster.txt', renderClusterTree(CLUSTER, OPERATIONS, NOW));
    const bare: Cluster = { ...CLUSTER, metadata: { name: 'new' }, status: {} };
    await golden('describe-cluster-new.txt', renderClusterTree(bare, [], NOW));
  });

  it('describe operation: spec, status, steps with durations, progress, Events', async () => {
    const events = [
      { metadata: { name: 'e1' }, involvedObject: {}, type: 'Normal', reason: 'Started', message: 'running on 3 hosts', lastTimestamp: new Date(ago(300)) },
      { metadata: { name: 'e2' }, involvedObject: {}, type: 'Normal', reason: 'StepSucceeded', message: 'preHook: check.sh', lastTimestamp: new Date(ago(288)) },
    ] as CoreV1Event[];
    await golden('describe-operation-running.txt', renderOperation(OPERATIONS[1]!, events, NOW));
    await golden('describe-operation-failed.txt', renderOperation(OPERATIONS[2]!, '<not readable: you may not list Events in all namespaces (name the controller\'s with -n)>', NOW));
  });
});
