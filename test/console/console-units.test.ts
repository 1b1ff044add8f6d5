/** The console's pure parts: the Add-cluster builder and node check, the views, and session expiry. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Cluster, ClusterOperation } from '../../src/api/types.js';
import { clusterDetails, clusterRow, nodeRows } from '../../src/console/cluster-views.js';
import { newClusterObjects, type NewClusterForm, type NewClusterObjects } from '../../src/console/new-cluster.js';
import { checkedInputsDigest, createRefusal, nodeCheckOperation, nodeCheckResult } from '../../src/console/node-check.js';
import { SessionStore } from '../../src/console/session-store.js';
import { scaleIn, scaleOut, upgrade, upgradeTargets } from '../../src/console/cluster-changes.js';
import { DELETION_ANNOTATION, deletionRefusal, deletionStep, deletionTargets, resetOperation } from '../../src/console/cluster-deletion-plan.js';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
const form = (over: Partial<NewClusterForm> = {}): NewClusterForm => ({
  name: 'prod',
  namespace: 'team-a',
  controlPlanes: [{ name: 'cp1', ip: '10.0.0.1', user: 'root' }],
  workers: [{ name: 'w1', ip: '10.0.0.2', user: 'ubuntu' }],
  privateKey: KEY,
  version: 'v1.33.2',
  ...over,
});

describe('newClusterObjects', () => {
  it('builds the kubean objects with the key in the Secret only', () => {
    const plan = newClusterObjects(form({ registry: 'reg.local:5000', podCidr: '10.1.0.0/16' }));
    assert.ok('objects' in plan);
    const { hosts, vars, secret, cluster, operation } = plan.objects;
    const inventory = parse(hosts.data['hosts.yml']!) as { all: { hosts: Record<string, Record<string, string>>; children: Record<string, { hosts?: Record<string, null> }> } };
    assert.deepEqual(inventory.all.hosts.w1, { ip: '10.0.0.2', access_ip: '10.0.0.2', ansible_host: '10.0.0.2', ansible_user: 'ubuntu' });
    assert.deepEqual(Object.keys(inventory.all.children.kube_control_plane!.hosts!), ['cp1']);
    assert.deepEqual(Object.keys(inventory.all.children.kube_node!.hosts!), ['w1']);
    assert.deepEqual(Object.keys(inventory.all.children.etcd!.hosts!), ['cp1']);
    const v = parse(vars.data['group_vars.yml']!) as Record<string, string>;
    assert.equal(v.kube_version, 'v1.33.2');
    assert.equal(v.kube_pods_subnet, '10.1.0.0/16');
    assert.equal(v.kube_image_repo, 'reg.local:5000/registry.k8s.io');
    assert.equal(secret.stringData['ssh-privatekey'], `${KEY}\n`);
    assert.ok(!JSON.stringify([hosts, vars, cluster, operation]).includes('PRIVATE KEY'));
    assert.deepEqual(cluster.spec, { hostsConfRef: { namespace: 'team-a', name: 'prod-hosts' }, varsConfRef: { namespace: 'team-a', name: 'prod-vars' }, sshAuthRef: { namespace: 'team-a', name: 'prod-ssh' } });
    assert.deepEqual(operation.spec, { cluster: 'prod', actionType: 'playbook', action: 'cluster.yml' });
  });

  it('puts the control planes in kube_node when there are no workers', () => {
    const plan = newClusterObjects(form({ workers: [] }));
    assert.ok('objects' in plan);
    assert.match(plan.objects.hosts.data['hosts.yml']!, /kube_node:\n\s+hosts:\n\s+cp1: null/);
  });

  const refusals: [string, Partial<NewClusterForm>, RegExp][] = [
    ['no control plane', { controlPlanes: [] }, /At least one control-plane node/],
    ['a bad IP', { workers: [{ name: 'w1', ip: '10.0.0.256', user: 'root' }] }, /Worker w1: "10\.0\.0\.256" is not an IP address/],
    ['a repeated IP', { workers: [{ name: 'w1', ip: '10.0.0.1', user: 'root' }] }, /the IP 10\.0\.0\.1 is used twice/],
    ['a repeated name', { workers: [{ name: 'cp1', ip: '10.0.0.3', user: 'root' }] }, /the name is used twice/],
    ['a user with a shell character', { workers: [{ name: 'w1', ip: '10.0.0.2', user: 'root;id' }] }, /is not a user name/],
    ['no key', { privateKey: 'hunter2' }, /SSH private key/],
    ['a bad version', { version: '1.33' }, /Kubernetes version/],
    ['an unknown CNI', { cni: 'weave' }, /CNI: one of calico, cilium, flannel/],
    ['a bad name', { name: 'Prod_1' }, /^Name:/],
  ];
  for (const [what, over, message] of refusals) {
    it(`refuses ${what}`, () => {
      const plan = newClusterObjects(form(over));
      assert.ok('problems' in plan);
      assert.ok(plan.problems.some((p) => message.test(p)), plan.problems.join('\n'));
    });
  }
});

describe('cluster views', () => {
  const op = (name: string, created: string, status?: string): ClusterOperation => ({
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'ClusterOperation',
    metadata: { name, creationTimestamp: new Date(created) },
    spec: { cluster: 'c', actionType: 'playbook', action: 'scale.yml' },
    ...(status ? { status: { status: status as 'Failed' } } : {}),
  });
  const cluster: Cluster = {
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'c' },
    spec: { hostsConfRef: { namespace: 'n', name: 'h' }, varsConfRef: { namespace: 'n', name: 'v' } },
    status: { phase: 'Healthy', nodeCount: 3, readyNodeCount: 2, observedVersion: 'v1.33.2', conditions: [{ clusterOps: 'old', status: 'Succeeded' }] },
  };

  it("a row's last operation is the newest of its operations, else the Cluster's own record", () => {
    const ops = [op('a', '2026-01-01T00:00:00Z', 'Succeeded'), op('b', '2026-01-02T00:00:00Z', 'Failed'), { ...op('x', '2026-02-01T00:00:00Z'), spec: { ...op('x', '').spec, cluster: 'other' } }];
    assert.deepEqual(clusterRow(cluster, ops), { name: 'c', phase: 'Healthy', nodesReady: 2, nodesTotal: 3, version: 'v1.33.2', lastOperation: { name: 'b', action: 'scale.yml', status: 'Failed' } });
    assert.deepEqual(clusterRow(cluster, []).lastOperation, { name: 'old', action: '', status: 'Succeeded' });
    assert.deepEqual(clusterDetails(cluster, ops).operations.map((o) => o.name), ['b', 'a']);
  });

  it('lists control planes first', () => {
    const rows = nodeRows([
      { name: 'a-worker', ready: true },
      { name: 'z-cp', roles: ['control-plane'], ready: true },
      { name: 'b-cp', roles: ['master'], ready: false },
    ]);
    assert.deepEqual(rows.map((r) => `${r.name}:${r.role}`), ['b-cp:control plane', 'z-cp:control plane', 'a-worker:worker']);
  });
});

describe('SessionStore', () => {
  it('ends a session after its idle time, and at its maximum age even when used', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 100, maxMs: 250 }, () => now);
    const s = store.create('token', 'alice', []);
    let stopped = 0;
    store.onEnd(s.id, () => stopped++);
    now = 90;
    assert.equal(store.touch(s.id)?.user, 'alice');
    now = 180;
    assert.ok(store.touch(s.id), 'used within the idle time');
    now = 260;
    assert.equal(store.touch(s.id), undefined, 'past its maximum age');
    assert.equal(stopped, 1, 'what it ran is stopped');
    const idle = store.create('token', 'bob', []);
    now = 400;
    store.sweep();
    assert.equal(store.touch(idle.id), undefined);
  });

  it('checks the CSRF token exactly', () => {
    const store = new SessionStore();
    const s = store.create('t', 'u', []);
    assert.equal(store.csrfMatches(s, s.csrf), true);
    assert.equal(store.csrfMatches(s, undefined), false);
    assert.equal(store.csrfMatches(s, `${s.csrf}x`), false);
    assert.notEqual(s.id, store.create('t', 'u', []).id);
  });
});

describe('cluster changes', () => {
  const HOSTS = `all:
  hosts:
    cp1: {ip: 10.0.0.1}
    cp2: {ip: 10.0.0.2}
    cp3: {ip: 10.0.0.3}
    w1: {ip: 10.0.0.4}
  children:
    kube_control_plane: {hosts: {cp1: , cp2: , cp3: }}
    kube_node: {hosts: {w1: }}
    etcd: {hosts: {cp1: , cp2: , cp3: }}
`;
  const ONE_CP = 'all:\n  hosts:\n    cp1: {ip: 10.0.0.1}\n  children:\n    kube_control_plane: {hosts: {cp1: }}\n    etcd: {hosts: {cp1: }}\n';

  it('scale in: remove-node.yml -e node=, refused for the last control plane, an even etcd, or a stranger', () => {
    const ok = scaleIn('c', HOSTS, 'w1');
    assert.ok('ok' in ok);
    assert.equal(ok.ok.spec.action, 'remove-node.yml');
    assert.equal(ok.ok.spec.extraArgs, '-e node=w1');
    assert.match((scaleIn('c', ONE_CP, 'cp1') as { refused: string }).refused, /cp1 is the last control plane of c/);
    assert.match((scaleIn('c', HOSTS, 'cp2') as { refused: string }).refused, /would leave 2 etcd members/);
    assert.match((scaleIn('c', HOSTS, 'nope') as { refused: string }).refused, /nope is not a host of c/);
  });

  it('scale out: the workers join all.hosts and kube_node, scale.yml limited to them', () => {
    const r = scaleOut('c', HOSTS, [{ name: 'w2', ip: '10.0.0.5', user: 'root' }]);
    assert.ok('ok' in r);
    const inv = parse(r.ok.hostsText) as { all: { hosts: Record<string, unknown>; children: { kube_node: { hosts: Record<string, null> } } } };
    assert.deepEqual(Object.keys(inv.all.children.kube_node.hosts), ['w1', 'w2']);
    assert.ok('cp3' in inv.all.hosts && 'w2' in inv.all.hosts);
    assert.equal(r.ok.operation.spec.extraArgs, '--limit=w2');
    assert.match((scaleOut('c', HOSTS, [{ name: 'w1', ip: '10.0.0.9', user: 'root' }]) as { refused: string }).refused, /has a host of that name/);
  });

  it('upgrade: higher and one minor at most', () => {
    const r = upgrade('c', 'kube_version: v1.33.2\nfoo: bar\n', 'v1.33.2', 'v1.34.1');
    assert.ok('ok' in r);
    assert.deepEqual(parse(r.ok.varsText), { kube_version: 'v1.34.1', foo: 'bar' });
    assert.equal(r.ok.operation.spec.action, 'upgrade-cluster.yml');
    for (const [target, why] of [['v1.35.0', /skips a minor/], ['v1.33.1', /not higher/], ['v1.33.2', /not higher/], ['1.34', /not a version/]] as const) {
      assert.match((upgrade('c', '', 'v1.33.2', target) as { refused: string }).refused, why);
    }
  });
});

describe('deleting a cluster (the pure part)', () => {
  const op = (name: string, status: string | undefined, created: string, deletion = true): ClusterOperation => ({
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'ClusterOperation',
    metadata: { name, creationTimestamp: created as unknown as Date, ...(deletion ? { annotations: { [DELETION_ANNOTATION]: 'true' } } : {}) },
    spec: { cluster: 'prod', actionType: 'playbook', action: 'reset.yml' },
    ...(status ? { status: { status: status as 'Succeeded' } } : {}),
  });

  it('refuses without the typed name and the acknowledgement', () => {
    assert.match(deletionRefusal('prod', 'pro', true) ?? '', /type the cluster's name \(prod\)/);
    assert.match(deletionRefusal('prod', 'prod', 'yes') ?? '', /I understand this is a deep deletion/);
    assert.equal(deletionRefusal('prod', 'prod', true), undefined);
  });

  it('runs a reset, waits for the one under way, removes once the newest succeeded', () => {
    assert.deepEqual(deletionStep('prod', [op('plain', 'Succeeded', '2026-01-01T00:00:00Z', false)]), { run: 'reset' });
    assert.deepEqual(deletionStep('prod', [op('a', 'Failed', '2026-01-01T00:00:00Z')]), { run: 'reset' });
    assert.deepEqual(deletionStep('prod', [op('a', 'Failed', '2026-01-01T00:00:00Z'), op('b', undefined, '2026-01-02T00:00:00Z')]), { wait: 'b' });
    assert.deepEqual(deletionStep('prod', [op('a', 'Succeeded', '2026-01-03T00:00:00Z'), op('b', 'Failed', '2026-01-02T00:00:00Z')]), { remove: 'objects' });
    const reset = resetOperation('prod');
    assert.equal(reset.spec.action, 'reset.yml');
    assert.equal(reset.metadata.annotations?.[DELETION_ANNOTATION], 'true');
  });

  it('leaves the inputs another Cluster names', () => {
    const c = (name: string, hosts: string, ssh?: string): Cluster => ({
      apiVersion: 'kubean.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name },
      spec: { hostsConfRef: { namespace: 'ns', name: hosts }, varsConfRef: { namespace: 'ns', name: `${name}-vars` }, ...(ssh ? { sshAuthRef: { namespace: 'ns', name: ssh } } : {}) },
    });
    const prod = c('prod', 'shared-hosts', 'prod-ssh');
    const t = deletionTargets(prod, [prod, c('other', 'shared-hosts', 'other-ssh')], [op('r', 'Succeeded', '2026-01-01T00:00:00Z')]);
    assert.deepEqual(t.configMaps, [{ namespace: 'ns', name: 'prod-vars' }]);
    assert.deepEqual(t.secrets, [{ namespace: 'ns', name: 'prod-ssh' }]);
    assert.deepEqual(t.shared, ['ConfigMap ns/shared-hosts']);
    assert.deepEqual(t.operations, ['r']);
  });

  it('shows Deleting from the reset request on, not after a failed reset', () => {
    const cluster: Cluster = { apiVersion: 'kubean.io/v1alpha1', kind: 'Cluster', metadata: { name: 'prod' }, spec: { hostsConfRef: { namespace: 'ns', name: 'h' }, varsConfRef: { namespace: 'ns', name: 'v' } }, status: { phase: 'Healthy' } };
    assert.equal(clusterRow(cluster, [op('a', undefined, '2026-01-01T00:00:00Z')]).phase, 'Deleting');
    assert.equal(clusterRow(cluster, [op('a', 'Failed', '2026-01-01T00:00:00Z')]).phase, 'Healthy');
  });
});

describe('upgradeTargets', () => {
  it('offers the served versions that are higher and one minor up at most, lowest first', () => {
    const served = ['v1.35.0', 'v1.34.1', 'v1.33.7', 'v1.33.2', 'v1.32.9', 'v1.34.1', 'v2.0.0'];
    assert.deepEqual(upgradeTargets('v1.33.2', served), ['v1.33.7', 'v1.34.1']);
    assert.deepEqual(upgradeTargets('v1.35.0', served), []);
    assert.deepEqual(upgradeTargets('', served), [], 'an unknown version is offered nothing');
    assert.match((upgrade('c', '', 'v1.33.2', 'v1.34.2', served) as { refused: string }).refused, /the bundle does not serve v1\.34\.2/);
  });
});

describe('the node check', () => {
  const LOG = [
    '==> step 1/2 action: ping.yml',
    'TASK [Ping the host] ***',
    'ok: [cp1]',
    'fatal: [w1]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh: ssh: connect to host 10.0.0.2 port 22: Connection refused", "unreachable": true}',
    '==> step 2/2 postHook 1: cluster-info.yml',
    "TASK [Show the host's facts] ***",
    'ok: [cp1] => {',
    '    "msg": "Debian 12, kernel 6.1.0, 2 vCPU, 3900 MiB"',
    '}',
  ].join('\n');
  const objects = (over: Partial<NewClusterForm> = {}) => (newClusterObjects(form(over)) as { objects: NewClusterObjects }).objects;
  const op = (status?: ClusterOperation['status']): ClusterOperation => ({ ...nodeCheckOperation('prod', 'd'), ...(status ? { status } : {}) });

  it('reads each host from what ansible printed: answered with its system, or its fatal message', () => {
    const r = nodeCheckResult(op({ status: 'Failed', failedHosts: ['w1'], message: 'task "Ping the host" could not reach w1: …' }), ['cp1', 'w1'], LOG);
    assert.deepEqual(r.hosts, [
      { name: 'cp1', state: 'reachable', system: 'Debian 12, kernel 6.1.0, 2 vCPU, 3900 MiB' },
      { name: 'w1', state: 'unreachable', message: 'Failed to connect to the host via ssh: ssh: connect to host 10.0.0.2 port 22: Connection refused' },
    ]);
    assert.equal(r.passed, false);
  });

  it('falls back to the status without a log, and passes only a Succeeded check', () => {
    const running = nodeCheckResult(op({ status: 'Running' }), ['cp1'], '');
    assert.deepEqual([running.finished, running.passed, running.hosts[0]?.state], [false, false, 'checking']);
    const failed = nodeCheckResult(op({ status: 'Failed', failedHosts: ['w1'], message: 'could not reach w1' }), ['cp1', 'w1'], '');
    assert.deepEqual(failed.hosts.map((h) => [h.state, h.message]), [['not checked', undefined], ['unreachable', 'could not reach w1']]);
    assert.equal(nodeCheckResult(op({ status: 'Succeeded' }), ['cp1', 'w1'], '').passed, true);
  });

  it('allows Create only after a passed check of the same hosts and credentials', () => {
    const digest = checkedInputsDigest(objects());
    assert.notEqual(checkedInputsDigest(objects({ workers: [{ name: 'w1', ip: '10.0.0.3', user: 'ubuntu' }] })), digest, 'another IP');
    assert.notEqual(checkedInputsDigest(objects({ privateKey: KEY.replace('abc', 'abd') })), digest, 'another key');
    assert.equal(checkedInputsDigest(objects({ version: 'v1.34.1', cni: 'cilium' })), digest, 'vars are not checked');
    const passed = { ...nodeCheckOperation('prod', digest), status: { status: 'Succeeded' as const } };
    assert.equal(createRefusal('prod', digest, passed, true), undefined);
    assert.match(createRefusal('prod', 'other', passed, true)!, /changed since the node check/);
    assert.match(createRefusal('prod', digest, { ...passed, status: { status: 'Failed' } }, true)!, /has not passed \(Failed\)/);
    assert.match(createRefusal('prod', digest, undefined, true)!, /run the node check first/);
    assert.match(createRefusal('prod', digest, passed, false)!, /exists and was not made by this form/);
  });
});
