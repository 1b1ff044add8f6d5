import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHosts } from '../../src/inventory/parse-hosts.js';
import { hostRoles } from '../../src/desired/host-roles.js';
import { planConvergence } from '../../src/desired/plan-convergence.js';
import { upgradePath } from '../../src/desired/kube-version.js';
import type { ConvergenceGuards, HostRoles, ObservedCluster } from '../../src/desired/convergence-types.js';

const cp = (name: string): HostRoles => ({ name, controlPlane: true, etcd: true, worker: false });
const w = (name: string): HostRoles => ({ name, controlPlane: false, etcd: false, worker: true });
const nodesOf = (hosts: HostRoles[]) => hosts.map((h) => ({ name: h.name, controlPlane: h.controlPlane }));
const guards = (over: Partial<ConvergenceGuards> = {}): ConvergenceGuards => ({
  paused: false,
  approvedRemovals: [],
  maxRemovalsWithoutApproval: 1,
  availableVersions: ['v1.33.5', 'v1.34.2', 'v1.34.4', 'v1.35.4'],
  ...over,
});
const running = (hosts: HostRoles[], version = 'v1.34.4'): ObservedCluster => ({ installed: true, nodes: nodesOf(hosts), version, applied: hosts });
const summary = (p: ReturnType<typeof planConvergence>) => p.operations.map((o) => `${o.action} ${o.extraArgs ?? ''}`.trim() + (o.needsApproval ? ' [approval]' : ''));

describe('planConvergence', () => {
  const base = [cp('cp1'), w('w1')];

  const table: { name: string; desired: HostRoles[]; version?: string; observed: ObservedCluster; guards?: Partial<ConvergenceGuards>; want: string[]; blocked?: RegExp }[] = [
    { name: 'nothing changed: nothing to do', desired: base, observed: running(base), want: [] },
    { name: 'never installed: one install', desired: base, observed: { installed: false }, want: ['cluster.yml'] },
    { name: 'two new workers: one scale.yml limited to them', desired: [...base, w('w2'), w('w3')], observed: running(base), want: ['scale.yml --limit=w2,w3'] },
    {
      name: 'two new control planes: kubean addControlPlane',
      desired: [cp('cp1'), cp('cp2'), cp('cp3'), w('w1')],
      observed: running(base),
      want: ['cluster.yml --limit=etcd,kube_control_plane -e ignore_assert_errors=true'],
    },
    { name: 'one worker gone: remove-node.yml', desired: [cp('cp1')], observed: running(base), want: ['remove-node.yml -e node=w1'] },
    {
      name: 'two workers gone: more than the limit needs approval',
      desired: [cp('cp1')],
      observed: running([...base, w('w2')]),
      want: ['remove-node.yml -e node=w1,w2 [approval]'],
    },
    {
      name: 'two workers gone with approval',
      desired: [cp('cp1')],
      observed: running([...base, w('w2')]),
      guards: { approvedRemovals: ['w1', 'w2'] },
      want: ['remove-node.yml -e node=w1,w2'],
    },
    {
      name: 'an approval that does not name every node removed does not count',
      desired: [cp('cp1')],
      observed: running([...base, w('w2')]),
      guards: { approvedRemovals: ['w1'] },
      want: ['remove-node.yml -e node=w1,w2 [approval]'],
    },
    {
      name: 'a control plane replaced: the new one joins before the old one leaves, which needs approval, then the rest is reconfigured',
      desired: [cp('cp1'), cp('cp2'), cp('cp4'), w('w1')],
      observed: running([cp('cp1'), cp('cp2'), cp('cp3'), w('w1')]),
      want: ['cluster.yml --limit=etcd,kube_control_plane -e ignore_assert_errors=true', 'remove-node.yml -e node=cp3 [approval]', 'cluster.yml'],
    },
    { name: 'one minor up: one upgrade', desired: base, version: 'v1.35.4', observed: running(base), want: ['upgrade-cluster.yml -e kube_version=v1.35.4'] },
    { name: 'a patch up: one upgrade', desired: base, version: 'v1.34.4', observed: running(base, 'v1.34.2'), want: ['upgrade-cluster.yml -e kube_version=v1.34.4'] },
    {
      name: 'two minors up: a chained upgrade through the newest patch of the minor between',
      desired: base,
      version: 'v1.35.4',
      observed: running(base, 'v1.33.5'),
      want: ['upgrade-cluster.yml -e kube_version=v1.34.4', 'upgrade-cluster.yml -e kube_version=v1.35.4'],
    },
    {
      name: 'everything at once: leaving workers first, then the upgrade, then joins',
      desired: [cp('cp1'), cp('cp2'), cp('cp3'), w('w2')],
      version: 'v1.35.4',
      observed: running(base),
      want: ['remove-node.yml -e node=w1', 'upgrade-cluster.yml -e kube_version=v1.35.4', 'cluster.yml --limit=etcd,kube_control_plane -e ignore_assert_errors=true', 'scale.yml --limit=w2'],
    },
    { name: 'a downgrade is refused', desired: base, version: 'v1.33.5', observed: running(base), want: [], blocked: /never goes down/ },
    { name: 'no release for the minor between', desired: base, version: 'v1.36.1', observed: running(base), guards: { availableVersions: ['v1.36.1'] }, want: [], blocked: /no v1\.35 release/ },
    { name: 'an even etcd is refused', desired: [cp('cp1'), cp('cp2'), w('w1')], observed: running(base), want: [], blocked: /keep it odd/ },
    { name: 'no control plane is refused', desired: [{ ...w('w1'), etcd: true }], observed: running(base), want: [], blocked: /at least one control plane/ },
    { name: 'a worker turning control plane needs a person', desired: [cp('cp1'), cp('w1'), cp('cp3')], observed: running(base), want: [], blocked: /would change from worker to control plane/ },
    {
      name: 'a node in no hosts.yml Slipway ran with needs a person',
      desired: base,
      observed: { ...running(base), nodes: nodesOf([...base, w('stray')]) },
      want: [],
      blocked: /stray is in the cluster but in no hosts\.yml/,
    },
    { name: 'paused: nothing', desired: [...base, w('w2')], observed: running(base), guards: { paused: true }, want: [] },
    { name: 'unreadable: waits', desired: [...base, w('w2')], observed: { installed: true, unreadable: 'apiserver down' }, want: [] },
  ];

  for (const row of table) {
    it(row.name, () => {
      const plan = planConvergence({ hosts: row.desired, version: row.version ?? 'v1.34.4' }, row.observed, guards(row.guards));
      assert.deepEqual(summary(plan), row.want);
      if (row.blocked) assert.match(plan.blocked.join('\n'), row.blocked);
      else assert.deepEqual(plan.blocked, []);
      for (const op of plan.operations) assert.ok(op.reason.length > 0 && op.hosts.length > 0, `${op.action} says why and on which hosts`);
    });
  }

  it('says why it waits or is paused', () => {
    assert.match(planConvergence({ hosts: base, version: 'v1.34.4' }, { installed: true, unreadable: 'apiserver down' }, guards()).waiting ?? '', /apiserver down/);
    assert.equal(planConvergence({ hosts: base, version: 'v1.34.4' }, running(base), guards({ paused: true })).paused, true);
  });

  it('the addControlPlane operation carries kubean\'s upgrade-cluster.yml postHook', () => {
    const plan = planConvergence({ hosts: [cp('cp1'), cp('cp2'), cp('cp3'), w('w1')], version: 'v1.34.4' }, running(base), guards());
    assert.deepEqual(plan.operations[0]?.postHook, [{ actionType: 'playbook', action: 'upgrade-cluster.yml', extraArgs: '--limit=etcd,kube_control_plane -e ignore_assert_errors=true' }]);
  });

  it('reads roles from a kubean hosts.yml (children, control planes that are also workers)', () => {
    const text = [
      'all:',
      '  hosts:',
      '    node1: {ansible_host: 10.0.0.1}',
      '    node2: {ansible_host: 10.0.0.2}',
      '    node3: {ansible_host: 10.0.0.3}',
      '  children:',
      '    kube_control_plane:',
      '      hosts: {node1: }',
      '    kube_node:',
      '      hosts: {node1: , node2: , node3: }',
      '    etcd:',
      '      hosts: {node1: }',
      '    k8s_cluster:',
      '      children: {kube_control_plane: , kube_node: }',
      '',
    ].join('\n');
    const roles = hostRoles(parseHosts({ text, object: 'ConfigMap x', key: 'hosts.yml' }));
    assert.deepEqual(roles, [
      { name: 'node1', controlPlane: true, etcd: true, worker: true },
      { name: 'node2', controlPlane: false, etcd: false, worker: true },
      { name: 'node3', controlPlane: false, etcd: false, worker: true },
    ]);
    const plan = planConvergence({ hosts: roles, version: 'v1.34.4' }, running([cp('node1'), w('node2')]), guards());
    assert.deepEqual(summary(plan), ['scale.yml --limit=node3']);
  });
});

describe('upgradePath', () => {
  it('steps one minor at a time, refuses what kubeadm cannot do', () => {
    assert.deepEqual(upgradePath('v1.34.4', 'v1.34.4', []), { steps: [] });
    assert.deepEqual(upgradePath('v1.32.1', 'v1.35.0', ['v1.33.9', 'v1.33.10', 'v1.34.1']), { steps: ['v1.33.10', 'v1.34.1', 'v1.35.0'] });
    assert.match(JSON.stringify(upgradePath('v1.34.4', 'v2.0.0', [])), /major/);
    assert.match(JSON.stringify(upgradePath('latest', 'v1.34.4', [])), /not a release version/);
  });
});
