import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterOperationSpec } from '../../src/api/types.js';
import { digestAfter, proxyRestartReason } from '../../src/engine/control-plane-change.js';
import { preparePlan } from '../../src/engine/prepare-plan.js';
import { clusterStatusFor } from '../../src/status/cluster-status.js';
import { CATALOG, HOSTS_YML, inputOf, manifestText } from './operation-fixture.js';

/** HOSTS_YML with node2 a control-plane host too. */
const TWO_CONTROL_PLANES = HOSTS_YML.replace('    kube_control_plane:\n      hosts:\n        node1:\n', '    kube_control_plane:\n      hosts:\n        node1:\n        node2:\n');
/** HOSTS_YML with node1's address changed. */
const MOVED_CONTROL_PLANE = HOSTS_YML.replace('ip: 10.6.0.11', 'ip: 10.6.0.21');

async function planWith(op: Partial<ClusterOperationSpec>, hosts = HOSTS_YML, previousHosts?: string) {
  let previous: string | undefined;
  if (previousHosts !== undefined) previous = (await planWith({ action: 'cluster.yml' }, previousHosts)).clusterFacts.controlPlaneDigest;
  const input = await inputOf(manifestText({ op, hosts }));
  input.cluster.status = previous ? { controlPlaneDigest: previous } : {};
  return preparePlan(input, CATALOG);
}

const restartStep = (p: Awaited<ReturnType<typeof planWith>>) => p.steps.find((s) => s.action === 'restart-nginx-proxy.yml');

describe('restarting the workers\' nginx-proxy after a control-plane change', () => {
  const post = [{ actionType: 'playbook' as const, action: 'cluster-info.yml' }];
  const cases: { name: string; op: Partial<ClusterOperationSpec>; hosts?: string; previous?: string; restarts: boolean }[] = [
    { name: 'install without a previous digest', op: { action: 'cluster.yml', postHook: post }, restarts: true },
    { name: 'install with the same control plane', op: { action: 'cluster.yml' }, previous: HOSTS_YML, restarts: true },
    { name: 'scale.yml, same control plane', op: { action: 'scale.yml', extraArgs: '--limit=node3' }, previous: HOSTS_YML, restarts: false },
    { name: 'upgrade, same control plane', op: { action: 'upgrade-cluster.yml' }, previous: HOSTS_YML, restarts: false },
    { name: 'cluster.yml --limit=etcd,kube_control_plane adding node2', op: { action: 'cluster.yml', extraArgs: '--limit=etcd,kube_control_plane', postHook: [{ actionType: 'playbook', action: 'cluster-info.yml', extraArgs: '--limit=etcd,kube_control_plane' }] }, hosts: TWO_CONTROL_PLANES, previous: HOSTS_YML, restarts: true },
    { name: 'remove-node.yml after node2 left the control plane', op: { action: 'remove-node.yml', extraArgs: '-e node=node2' }, hosts: HOSTS_YML, previous: TWO_CONTROL_PLANES, restarts: true },
    { name: 'upgrade with a control-plane host at a new address', op: { action: 'upgrade-cluster.yml' }, hosts: MOVED_CONTROL_PLANE, previous: HOSTS_YML, restarts: true },
    { name: 'scale.yml without a previous digest (nothing known)', op: { action: 'scale.yml' }, hosts: TWO_CONTROL_PLANES, restarts: false },
    { name: 'ping.yml, same control plane', op: { action: 'ping.yml' }, previous: HOSTS_YML, restarts: false },
    { name: 'ping.yml, changed control plane (changes nothing itself)', op: { action: 'ping.yml' }, hosts: TWO_CONTROL_PLANES, previous: HOSTS_YML, restarts: false },
    { name: 'reset.yml, changed control plane', op: { action: 'reset.yml' }, hosts: TWO_CONTROL_PLANES, previous: HOSTS_YML, restarts: false },
  ];
  for (const c of cases) {
    it(`${c.restarts ? 'restarts' : 'does not restart'}: ${c.name}`, async () => {
      const p = await planWith(c.op, c.hosts, c.previous);
      assert.equal(restartStep(p) !== undefined, c.restarts, p.steps.map((s) => s.name).join(', '));
    });
  }

  it('is the last step, a builtin postHook on every worker whatever the action\'s --limit', async () => {
    const p = await planWith({ action: 'cluster.yml', extraArgs: '--limit=etcd,kube_control_plane', postHook: [{ actionType: 'playbook', action: 'cluster-info.yml' }] }, TWO_CONTROL_PLANES, HOSTS_YML);
    assert.deepEqual(p.steps.map((s) => [s.role, s.name]), [
      ['action', 'action: cluster.yml'],
      ['postHook', 'postHook 1: cluster-info.yml'],
      ['postHook', "postHook 2: restart-nginx-proxy.yml (the control-plane hosts differ from the last successful operation's)"],
    ]);
    const step = p.steps.at(-1)!;
    assert.equal(step.source, 'builtin');
    assert.ok(step.argv.includes('builtin/restart-nginx-proxy.yml'));
    assert.ok(!step.argv.some((a) => a.startsWith('--limit')), 'no --limit');
    assert.deepEqual(step.argv.slice(-2), p.steps[0]!.argv.slice(-2), 'ends with the controller overrides');
    assert.deepEqual(step.env, p.steps[0]!.env);
  });

  it('is refused when the builtin playbooks lack it', async () => {
    const input = await inputOf(manifestText({ op: { action: 'cluster.yml' } }));
    const playbooks = new Set([...CATALOG.playbooks].filter((p) => p !== 'restart-nginx-proxy.yml'));
    assert.throws(() => preparePlan(input, { ...CATALOG, playbooks }), /needs the builtin restart-nginx-proxy\.yml, but the builtin playbooks lack it/);
  });

  it('the digest depends on the control-plane hosts and their addresses only', async () => {
    const digest = async (hosts: string) => (await planWith({ action: 'ping.yml' }, hosts)).clusterFacts.controlPlaneDigest;
    const base = await digest(HOSTS_YML);
    assert.match(base, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await digest(HOSTS_YML.replace('ip: 10.6.0.13', 'ip: 10.6.0.33')), base, 'a worker\'s address is no part of it');
    assert.notEqual(await digest(MOVED_CONTROL_PLANE), base);
    assert.notEqual(await digest(TWO_CONTROL_PLANES), base);
  });
});

describe('the admin kubeconfig a plan fetches', () => {
  it("the builtin cluster.yml (an install) and kubean's kubeconfig.yml leave it in artifacts/admin.conf; nothing else does", async () => {
    const install = await planWith({ action: 'cluster.yml', postHook: [{ actionType: 'playbook', action: 'cluster-info.yml' }] });
    assert.deepEqual(install.steps.map((s) => s.action), ['cluster.yml', 'cluster-info.yml', 'restart-nginx-proxy.yml']);
    assert.equal(install.kubeconfigArtifact, 'artifacts/admin.conf');
    const hook = await planWith({ action: 'ping.yml', postHook: [{ actionType: 'playbook', action: 'kubeconfig.yml' }] }, HOSTS_YML, HOSTS_YML);
    assert.equal(hook.kubeconfigArtifact, 'artifacts/admin.conf');
    const cm = { actionSource: 'configmap' as const, actionSourceRef: { namespace: 'kubean-system', name: 'actions' } };
    for (const op of [{ action: 'scale.yml' }, { action: 'cluster.yml', extraArgs: '--limit=etcd,kube_control_plane' }, { action: 'ping.yml' }, { action: 'upgrade-cluster.yml' }]) {
      const p = await planWith(op, HOSTS_YML, HOSTS_YML);
      assert.equal(p.kubeconfigArtifact, undefined, op.action);
    }
    const extra = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: actions, namespace: kubean-system}\ndata:\n  cluster.yml: |\n    - name: Mine\n      hosts: all\n      tasks: []\n';
    const input = await inputOf(manifestText({ op: { action: 'cluster.yml', ...cm }, extra }));
    assert.equal(preparePlan(input, CATALOG).kubeconfigArtifact, undefined, 'a ConfigMap cluster.yml fetches nothing');
  });
});

describe('the control-plane digest in the Cluster\'s status', () => {
  const table: [kind: Parameters<typeof digestAfter>[0], succeeded: boolean, expected: string | undefined][] = [
    ['install', true, 'new'],
    ['install', false, 'old'],
    ['scale-out', true, 'new'],
    ['scale-in', true, 'new'],
    ['upgrade', true, 'new'],
    ['reset', true, undefined],
    ['reset', false, 'old'],
    ['other', true, 'old'],
  ];
  for (const [kind, succeeded, expected] of table) {
    it(`${kind} ${succeeded ? 'succeeded' : 'failed'} → ${expected ?? 'none'}`, () => assert.equal(digestAfter(kind, succeeded, 'new', 'old'), expected));
  }

  it('is written with the Cluster\'s status on success only, kept while running', () => {
    const op = { apiVersion: 'kubean.io/v1alpha1' as const, kind: 'ClusterOperation' as const, metadata: { name: 'op' }, spec: { cluster: 'c', actionType: 'playbook' as const, action: 'cluster.yml' } };
    const cluster = { controlPlane: ['node1'], workers: ['node2'], controlPlaneDigest: 'sha256:new' };
    const previous = { controlPlaneDigest: 'sha256:old' };
    assert.equal(clusterStatusFor({ previous, operation: op, cluster, outcome: { succeeded: false, startTime: 't0' } }).controlPlaneDigest, 'sha256:old');
    assert.equal(clusterStatusFor({ previous, operation: op, cluster, outcome: { succeeded: false, startTime: 't0', endTime: 't1' } }).controlPlaneDigest, 'sha256:old');
    assert.equal(clusterStatusFor({ previous, operation: op, cluster, outcome: { succeeded: true, startTime: 't0', endTime: 't1' } }).controlPlaneDigest, 'sha256:new');
  });

  it('proxyRestartReason: an install always, other kinds only on a known, different digest', () => {
    assert.ok(proxyRestartReason({ kind: 'install', digest: 'a', previous: 'a' }));
    assert.equal(proxyRestartReason({ kind: 'upgrade', digest: 'a', previous: undefined }), undefined);
    assert.ok(proxyRestartReason({ kind: 'upgrade', digest: 'a', previous: 'b' }));
    assert.equal(proxyRestartReason({ kind: 'other', digest: 'a', previous: 'b' }), undefined);
  });
});
