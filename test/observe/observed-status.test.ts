import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterOperation, ClusterStatus, Condition } from '../../src/api/types.js';
import { certificatesCondition, controlPlaneCondition, nameSome, setCondition, systemPodsCondition, workersCondition } from '../../src/observe/cluster-conditions.js';
import { observedNode, podReady } from '../../src/observe/cluster-prober.js';
import { KubeconfigRefusedError, parseKubeconfig } from '../../src/observe/kubeconfig-credentials.js';
import type { Observation, ObservedNode, ReachableObservation } from '../../src/observe/observation.js';
import { NODE_TABLE_LIMIT, nodeTable, statusWithObservation } from '../../src/observe/observed-status.js';
import { changedNothing } from '../../src/operations/summarise.js';
import type { OperationResult, StepResult } from '../../src/executors/types.js';
import { healthOf } from '../../src/status/cluster-health.js';
import { phaseBefore, phaseObserved, type ObservedHealth } from '../../src/status/cluster-phase.js';
import { clusterStatusFor } from '../../src/status/cluster-status.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const LATER = new Date('2026-12-07T12:05:00Z');
const FAR = '2027-12-07T00:00:00.000Z';
const node = (name: string, ready = true, roles: string[] = []): ObservedNode => ({ name, roles, version: 'v1.34.4', ready, address: `10.0.0.${name.length}` });
const seen = (o: Partial<ReachableObservation> = {}): ReachableObservation => ({
  reachable: true,
  readyz: { ok: true },
  version: 'v1.34.4',
  nodes: [node('cp1', true, ['control-plane']), node('w1'), node('w2')],
  notReadyPods: { names: [], count: 0 },
  certificates: [{ what: "the apiserver's serving certificate", notAfter: FAR }],
  ...o,
});
const down: Observation = { reachable: false, reason: 'ApiserverUnreachable', message: '127.0.0.1:1: connect ECONNREFUSED', certificates: [] };
const byType = (cs: Condition[] | undefined, type: string) => cs?.find((c) => c.type === type);

describe('the observed conditions', () => {
  const cases: [string, Observation, [string, string, string][]][] = [
    ['all ready', seen(), [['ControlPlaneAvailable', 'True', 'ApiserverReady'], ['WorkersReady', 'True', 'NodesReady'], ['SystemPodsReady', 'True', 'PodsReady']]],
    ['a worker NotReady', seen({ nodes: [node('cp1', true, ['control-plane']), node('w1', false), node('w2')] }), [['ControlPlaneAvailable', 'True', 'ApiserverReady'], ['WorkersReady', 'False', 'NodesNotReady'], ['SystemPodsReady', 'True', 'PodsReady']]],
    ['/readyz failing', seen({ readyz: { ok: false, message: 'etcd failed: reason withheld' } }), [['ControlPlaneAvailable', 'False', 'ApiserverNotReady'], ['WorkersReady', 'True', 'NodesReady'], ['SystemPodsReady', 'True', 'PodsReady']]],
    ['every control plane NotReady', seen({ nodes: [node('cp1', false, ['control-plane']), node('w1')] }), [['ControlPlaneAvailable', 'False', 'ControlPlaneNodesNotReady'], ['WorkersReady', 'True', 'NodesReady'], ['SystemPodsReady', 'True', 'PodsReady']]],
    ['a kube-system pod not ready', seen({ notReadyPods: { names: ['coredns-1'], count: 1 } }), [['ControlPlaneAvailable', 'True', 'ApiserverReady'], ['WorkersReady', 'True', 'NodesReady'], ['SystemPodsReady', 'False', 'PodsNotReady']]],
    ['nodes unreadable', seen({ nodes: undefined, nodesError: 'HTTP 500' }), [['ControlPlaneAvailable', 'True', 'ApiserverReady'], ['WorkersReady', 'Unknown', 'NodesUnreadable'], ['SystemPodsReady', 'True', 'PodsReady']]],
    ['unreachable', down, [['ControlPlaneAvailable', 'Unknown', 'ApiserverUnreachable'], ['WorkersReady', 'Unknown', 'ApiserverUnreachable'], ['SystemPodsReady', 'Unknown', 'ApiserverUnreachable']]],
  ];
  for (const [name, o, expected] of cases) {
    it(name, () => {
      assert.deepEqual([controlPlaneCondition(o), workersCondition(o), systemPodsCondition(o)].map((c) => [c.type, c.status, c.reason]), expected);
    });
  }

  it('name what is not ready, a few then how many more', () => {
    assert.match(workersCondition(seen({ nodes: [node('w1', false), node('w2')] })).message!, /not Ready: w1 \(1\/2 worker nodes Ready\)/);
    assert.equal(nameSome(['a', 'b', 'c', 'd', 'e', 'f', 'g']), 'a, b, c, d, e and 2 more');
    assert.equal(nameSome(['a'], 40), 'a and 39 more');
    assert.match(systemPodsCondition(seen({ notReadyPods: { names: ['coredns-1'], count: 3 } })).message!, /coredns-1 and 2 more/);
    assert.match(controlPlaneCondition(down).message!, /ECONNREFUSED/);
  });

  it('CertificatesExpiry: the nearest date, False within 30 days or past it, Unknown without one', () => {
    const certs = (...dates: string[]) => seen({ certificates: dates.map((d, i) => ({ what: `cert ${i}`, notAfter: d })) });
    const table: [Observation, string, string, RegExp][] = [
      [certs(FAR, '2027-06-01T00:00:00.000Z'), 'True', 'CertificatesValid', /cert 1 expires 2027-06-01/],
      [certs(FAR, '2026-12-20T00:00:00.000Z'), 'False', 'ExpiringSoon', /cert 1 expires 2026-12-20.*in 12 days/],
      [certs('2026-12-01T00:00:00.000Z'), 'False', 'Expired', /cert 0 expired 2026-12-01/],
      [certs(), 'Unknown', 'NoCertificate', /no certificate/],
      [down, 'Unknown', 'ApiserverUnreachable', /ECONNREFUSED/],
    ];
    for (const [o, status, reason, message] of table) {
      const c = certificatesCondition(o, NOW);
      assert.deepEqual([c.status, c.reason], [status, reason]);
      assert.match(c.message!, message);
    }
  });

  it('setCondition keeps lastTransitionTime while the status stays, and replaces the condition in place', () => {
    const first = setCondition(undefined, { type: 'WorkersReady', status: 'True', reason: 'NodesReady', message: '2/2' }, 't1');
    const same = setCondition(first, { type: 'WorkersReady', status: 'True', reason: 'NodesReady', message: '3/3' }, 't2');
    assert.deepEqual(same, [{ type: 'WorkersReady', status: 'True', reason: 'NodesReady', message: '3/3', lastTransitionTime: 't1' }]);
    const changed = setCondition([{ type: 'Other', status: 'True' }, ...same], { type: 'WorkersReady', status: 'False', reason: 'NodesNotReady' }, 't3');
    assert.deepEqual(changed, [{ type: 'Other', status: 'True' }, { type: 'WorkersReady', status: 'False', reason: 'NodesNotReady', lastTransitionTime: 't3' }]);
  });
});

describe('the node table', () => {
  it('lists control planes first, then by name', () => {
    const t = nodeTable([node('b'), node('cp2', true, ['control-plane']), node('a', false), node('cp1', true, ['control-plane', 'etcd'])]);
    assert.deepEqual(t.map((n) => n.name), ['cp1', 'cp2', 'a', 'b']);
    assert.deepEqual(t[0], { name: 'cp1', roles: ['control-plane', 'etcd'], version: 'v1.34.4', ready: true, address: '10.0.0.3' });
  });

  it(`keeps the first ${NODE_TABLE_LIMIT} of 5000 nodes and counts them all`, () => {
    const nodes = Array.from({ length: 5000 }, (_, i) => node(`n${String(i).padStart(4, '0')}`, i % 100 !== 7));
    const s = statusWithObservation(undefined, seen({ nodes: [...nodes, node('cp', true, ['control-plane'])] }), NOW);
    assert.equal(s.nodes!.length, NODE_TABLE_LIMIT);
    assert.equal(s.nodes![0]!.name, 'cp');
    assert.deepEqual([s.nodeCount, s.readyNodeCount, s.nodesReady], [5001, 4951, '4951/5001']);
    assert.match(byType(s.clusterConditions, 'WorkersReady')!.message!, /not Ready: n0007, n0107, n0207, n0307, n0407 and 45 more \(4950\/5000/);
    assert.ok(JSON.stringify(s).length < 20_000, 'the status stays small');
  });

  it('reads name, roles, kubelet version, Ready and InternalIP from a Node', () => {
    const n = observedNode({
      metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/': 'x', 'kubernetes.io/hostname': 'n1' } },
      status: { nodeInfo: { kubeletVersion: 'v1.34.4' }, conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }], addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.1.2.3' }] },
    });
    assert.deepEqual(n, { name: 'n1', roles: ['control-plane'], version: 'v1.34.4', ready: true, address: '10.1.2.3' });
    assert.equal(observedNode({ metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }).ready, false);
  });

  it('counts a pod ready when Running and Ready, or Succeeded', () => {
    const table: [Parameters<typeof podReady>[0], boolean][] = [
      [{ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, true],
      [{ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } }, false],
      [{ status: { phase: 'Pending' } }, false],
      [{ status: { phase: 'Succeeded' } }, true],
      [{ status: { phase: 'Failed' } }, false],
    ];
    for (const [pod, ready] of table) assert.equal(podReady(pod), ready, JSON.stringify(pod));
  });
});

describe('the phase an observation implies', () => {
  const table: [ClusterStatus['phase'], ObservedHealth, ObservedHealth, ClusterStatus['phase']][] = [
    ['Healthy', 'unhealthy', 'healthy', 'Abnormal'],
    ['Abnormal', 'healthy', 'unhealthy', 'Healthy'],
    ['Abnormal', 'healthy', 'healthy', 'Abnormal'], // a failed operation's Abnormal stays
    ['Abnormal', 'healthy', 'unknown', 'Abnormal'],
    [undefined, 'healthy', 'unknown', 'Healthy'],
    ['Healthy', 'unknown', 'healthy', 'Healthy'],
    [undefined, 'unknown', 'unknown', undefined],
    ['Upgrading', 'unhealthy', 'healthy', 'Upgrading'],
    ['Installing', 'healthy', 'unknown', 'Installing'],
    ['Scaling Out', 'unhealthy', 'healthy', 'Scaling Out'],
    ['Deleting', 'unhealthy', 'healthy', 'Deleting'],
  ];
  for (const [current, health, before, expected] of table) {
    it(`${current ?? 'no phase'}, ${health} (was ${before}) → ${expected ?? 'no phase'}`, () => assert.equal(phaseObserved(current, health, before), expected));
  }

  it('the phase before a refused operation: observed health first, else the operation before', () => {
    assert.equal(phaseBefore('healthy', 'Failed'), 'Healthy');
    assert.equal(phaseBefore('unhealthy', 'Succeeded'), 'Abnormal');
    assert.equal(phaseBefore('unknown', 'Succeeded'), 'Healthy');
    assert.equal(phaseBefore('unknown', 'Failed'), 'Abnormal');
    assert.equal(phaseBefore('unknown', undefined), undefined);
  });
});

describe('statusWithObservation', () => {
  const kubean = [{ clusterOps: 'install-1', status: 'Succeeded' as const, startTime: '2026-12-07T10:00:00Z', endTime: '2026-12-07T10:10:00Z' }];
  const installed: ClusterStatus = { phase: 'Healthy', conditions: kubean, desiredVersion: 'v1.35.0', controlPlaneCount: 1, workerCount: 2 };

  it('fills the node table, observedVersion and conditions; kubean\'s list and the desired version stay', () => {
    const s = statusWithObservation(installed, seen(), NOW);
    assert.deepEqual(s.conditions, kubean);
    assert.equal(s.desiredVersion, 'v1.35.0');
    assert.equal(s.observedVersion, 'v1.34.4');
    assert.equal(s.nodesReady, '3/3');
    assert.equal(s.certificatesExpiry, FAR);
    assert.equal(s.phase, 'Healthy');
    assert.equal(healthOf(s.clusterConditions), 'healthy');
    assert.ok(s.clusterConditions!.every((c) => c.lastTransitionTime === NOW.toISOString()));
  });

  it('turns Abnormal naming the node that is not Ready, and Healthy again once it is; the same look again changes nothing', () => {
    const healthy = statusWithObservation(installed, seen(), NOW);
    const sick = statusWithObservation(healthy, seen({ nodes: [node('cp1', true, ['control-plane']), node('w1', false), node('w2')] }), LATER);
    assert.equal(sick.phase, 'Abnormal');
    assert.match(byType(sick.clusterConditions, 'WorkersReady')!.message!, /w1/);
    assert.equal(byType(sick.clusterConditions, 'ControlPlaneAvailable')!.lastTransitionTime, NOW.toISOString(), 'unchanged conditions keep their time');
    assert.equal(byType(sick.clusterConditions, 'WorkersReady')!.lastTransitionTime, LATER.toISOString());
    const well = statusWithObservation(sick, seen(), LATER);
    assert.equal(well.phase, 'Healthy');
    assert.deepEqual(statusWithObservation(well, seen(), new Date('2026-12-07T13:00:00Z')), well, 'nothing new: nothing to write');
  });

  it('unreachable: the conditions say Unknown with the reason; the last nodes, version and phase stay', () => {
    const healthy = statusWithObservation(installed, seen(), NOW);
    const s = statusWithObservation(healthy, down, LATER);
    assert.deepEqual(byType(s.clusterConditions, 'ControlPlaneAvailable'), { type: 'ControlPlaneAvailable', status: 'Unknown', reason: 'ApiserverUnreachable', message: '127.0.0.1:1: connect ECONNREFUSED', lastTransitionTime: LATER.toISOString() });
    assert.deepEqual([s.phase, s.observedVersion, s.nodesReady], ['Healthy', 'v1.34.4', '3/3']);
  });

  it('never replaces a running operation\'s phase', () => {
    const s = statusWithObservation({ ...installed, phase: 'Upgrading' }, seen({ readyz: { ok: false, message: 'etcd' } }), NOW);
    assert.equal(s.phase, 'Upgrading');
    assert.equal(byType(s.clusterConditions, 'ControlPlaneAvailable')!.status, 'False');
  });
});

describe('an operation refused before it changed any host', () => {
  const op = (action: string, name: string): ClusterOperation => ({ apiVersion: 'kubean.io/v1alpha1', kind: 'ClusterOperation', metadata: { name }, spec: { cluster: 'c', actionType: 'playbook', action } });
  const facts = { controlPlane: ['node1'], workers: ['node2'], kubernetesVersion: 'v1.36.4', controlPlaneDigest: 'sha256:cp1' };
  const healthyConditions = statusWithObservation(undefined, seen(), NOW).clusterConditions;
  const host = (changed: number) => ({ ok: 2, changed, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 });
  const refusal = { play: 'Check the target version', task: 'Refuse', host: 'node1', unreachable: false, check: true, message: 'no host was changed' };
  const step = (hosts: StepResult['hosts'], status: StepResult['status'] = 'Failed', failures: StepResult['failures'] = [refusal]): StepResult => ({ name: 'action: upgrade-cluster.yml', role: 'action', status, exitCode: 2, startTime: 't', endTime: 't', hosts, failures });
  const result = (...steps: StepResult[]): OperationResult => ({ status: 'Failed', startTime: 't', endTime: 't', steps });

  it('is told by the recap and the failures: no host changed, failed only at assertions', () => {
    assert.equal(changedNothing(result(step({ node1: host(0), node2: host(0) }))), true);
    assert.equal(changedNothing(result(step({ node1: host(0), node2: host(1) }))), false);
    assert.equal(changedNothing(result(step({}))), false, 'no recap (a shell step, a run cut short): anything may have changed');
    assert.equal(changedNothing(result(step({ node1: host(0) }), step({}, 'Skipped'))), true);
    assert.equal(changedNothing(result(step({ node1: host(0) }, 'Failed', [{ ...refusal, check: undefined }]))), false, 'a failed command may have changed its host without saying so');
    assert.equal(changedNothing(result(step({ node1: host(0) }, 'Failed', [refusal, { ...refusal, host: 'node2', check: undefined, unreachable: true }]))), true, 'an unreachable host was not changed');
    assert.equal(changedNothing(result(step({ node1: host(0) }, 'TimedOut'))), false);
    assert.equal(changedNothing(result()), false);
  });

  it('leaves the phase it found (Healthy), where a run that changed hosts leaves Abnormal', () => {
    const before: ClusterStatus = { phase: 'Healthy', clusterConditions: healthyConditions, conditions: [{ clusterOps: 'install', status: 'Succeeded' }] };
    const running = clusterStatusFor({ previous: before, operation: op('upgrade-cluster.yml', 'jump'), cluster: facts, outcome: { succeeded: false, startTime: 't0' } });
    assert.equal(running.phase, 'Upgrading');
    const refused = clusterStatusFor({ previous: running, operation: op('upgrade-cluster.yml', 'jump'), cluster: facts, outcome: { succeeded: false, changedNothing: true, startTime: 't0', endTime: 't1' } });
    assert.equal(refused.phase, 'Healthy');
    assert.deepEqual(refused.conditions!.at(-1), { clusterOps: 'jump', status: 'Failed', startTime: 't0', endTime: 't1' });
    const broke = clusterStatusFor({ previous: running, operation: op('upgrade-cluster.yml', 'jump'), cluster: facts, outcome: { succeeded: false, changedNothing: false, startTime: 't0', endTime: 't1' } });
    assert.equal(broke.phase, 'Abnormal');
  });

  it('without an observation, the operation before decides; a first install refused leaves no phase', () => {
    const running = clusterStatusFor({ previous: { conditions: [{ clusterOps: 'old', status: 'Failed' }] }, operation: op('upgrade-cluster.yml', 'up'), cluster: facts });
    const refused = clusterStatusFor({ previous: running, operation: op('upgrade-cluster.yml', 'up'), cluster: facts, outcome: { succeeded: false, changedNothing: true, startTime: 't0', endTime: 't1' } });
    assert.equal(refused.phase, 'Abnormal');
    const first = clusterStatusFor({ previous: undefined, operation: op('cluster.yml', 'install'), cluster: facts });
    const refusedInstall = clusterStatusFor({ previous: first, operation: op('cluster.yml', 'install'), cluster: facts, outcome: { succeeded: false, changedNothing: true, startTime: 't0', endTime: 't1' } });
    assert.equal(refusedInstall.phase, undefined);
  });
});

describe('a kubeconfig from a Secret', () => {
  const config = (cluster: object, user: object) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }], users: [{ name: 'u', user }] });

  it('is used with inline data, a token or a password', () => {
    const c = parseKubeconfig(config({ 'certificate-authority-data': Buffer.from('CA').toString('base64') }, { token: 't0k' }));
    assert.equal(c.server.href, 'https://10.0.0.1:6443/');
    assert.equal(c.ca?.toString(), 'CA');
    assert.equal(c.token, 't0k');
    assert.equal(c.insecureSkipTlsVerify, false);
  });

  const refused: [string, string][] = [
    ['an exec plugin', config({}, { exec: { command: '/bin/sh', args: ['-c', 'id'] } })],
    ['an auth-provider', config({}, { 'auth-provider': { name: 'gcp' } })],
    ['a client certificate file', config({}, { 'client-certificate': '/etc/passwd', 'client-key': '/etc/shadow' })],
    ['a CA file', config({ 'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' }, {})],
    ['a token file', config({}, { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' })],
    ['a proxy', config({ 'proxy-url': 'http://127.0.0.1:6379' }, {})],
    ['plain http', config({ server: 'http://10.0.0.1:8080' }, {})],
    ['no current context', JSON.stringify({ clusters: [] })],
    ['not YAML', 'a: [b'],
  ];
  for (const [what, text] of refused) {
    it(`is refused with ${what}`, () => assert.throws(() => parseKubeconfig(text), KubeconfigRefusedError));
  }
});
