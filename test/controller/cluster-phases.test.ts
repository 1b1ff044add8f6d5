/**
 * The Cluster's phase through a cluster's life, as a watch delivers every write of its status:
 * one Cluster and kubean's operations on it in turn, with the hosts and vars ConfigMaps changed
 * between them as kubean's examples/ say. Jobs run in a held-* namespace, so kwok keeps each pod
 * Running until the test completes or fails it: the phase shown while an operation runs is seen
 * before it ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, type Cluster, type ClusterOperation, type ClusterOperationSpec, type ClusterPhase } from '../../src/api/types.js';
import { isFinished } from '../../src/controller/history.js';
import { FAKE_NODE_LABEL } from '../env/index.js';
import type { EventRecorder } from './event-recorder.js';
import {
  batch,
  clusterFixture,
  core,
  createOperation,
  env,
  eventually,
  failPod,
  getCluster,
  getOp,
  gone,
  releasePod,
  runningPod,
  startController,
  testLifecycle,
  watchCaughtUp,
  watchKubean,
} from './controller-harness.js';

const { cleanups, running } = testLifecycle();

/** No run-duration: a held pod ends as soon as the test releases or fails it. */
const HELD_JOB_POD = { jobPod: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value } } };

/**
 * kubean's hosts.yml (examples/scale/1.addWorkNode/HostsConfCM.yml without the password): node1
 * is control plane, etcd and worker; `workers` are joined to kube_node.
 */
function hostsYml(workers: string[]): string {
  const nodes = ['node1', ...workers];
  const host = (name: string, i: number) => `    ${name}:\n      ip: 10.6.0.${11 + i}\n      access_ip: 10.6.0.${11 + i}\n      ansible_host: 10.6.0.${11 + i}\n`;
  const members = (names: string[]) => names.map((n) => `        ${n}:\n`).join('');
  return (
    `all:\n  hosts:\n${nodes.map(host).join('')}  children:\n` +
    `    kube_control_plane:\n      hosts:\n${members(['node1'])}` +
    `    kube_node:\n      hosts:\n${members(nodes)}` +
    `    etcd:\n      hosts:\n${members(['node1'])}` +
    '    k8s_cluster:\n      children:\n        kube_control_plane:\n        kube_node:\n' +
    '    calico_rr:\n      hosts: {}\n'
  );
}

/** What the Cluster's status.phase is in one version; a Cluster without a phase shows `no phase`. */
type Shown = ClusterPhase | 'no phase';

/** The phases of `cluster` in the versions seen from index `from` on, each change once. */
function phasesSince(versions: EventRecorder<Cluster>, cluster: string, from: number): Shown[] {
  // A version that changed only metadata (the controller's finalizer) shows the phase it had.
  const before = versions.events.slice(0, from).findLast((c) => c.metadata.name === cluster);
  const baseline = before ? (before.status?.phase ?? 'no phase') : undefined;
  const shown: Shown[] = [];
  for (const c of versions.events.slice(from)) {
    if (c.metadata.name !== cluster) continue;
    const phase = c.status?.phase ?? 'no phase';
    if ((shown.at(-1) ?? baseline) !== phase) shown.push(phase);
  }
  return shown;
}

interface Watched {
  ns: string;
  cluster: string;
  clusters: EventRecorder<Cluster>;
  operations: EventRecorder<ClusterOperation>;
}

interface Observed {
  /** The phases shown from the operation's creation until its pod was let go. */
  whileRunning: Shown[];
  /** The phases shown from its creation until its final status. */
  phases: Shown[];
  op: ClusterOperation;
}

/**
 * Creates the operation, waits until its held pod runs, completes or fails the pod, and returns
 * what the Cluster showed meanwhile, once the watch has delivered the Cluster as it is at the end.
 */
async function observe(w: Watched, spec: Partial<ClusterOperationSpec> & { action: string }, pod: 'completes' | 'fails'): Promise<Observed> {
  const name = env.randomName(spec.action.replace(/\.yml$/, ''));
  const from = w.clusters.events.length;
  const created = await createOperation(name, { cluster: w.cluster, ...spec }, cleanups);
  const run = await runningPod(w.ns, created);
  const whileRunning = await phasesNow(w, from);
  await (pod === 'completes' ? releasePod : failPod)(w.ns, run.pod);
  return finish(w, name, from, whileRunning);
}

/** The phases shown since `from`, up to the Cluster's version now (the watch may lag behind a read). */
async function phasesNow(w: Watched, from: number): Promise<Shown[]> {
  await watchCaughtUp(w.clusters, () => getCluster(w.cluster));
  return phasesSince(w.clusters, w.cluster, from);
}

/** Waits (on the watch) for the operation's final status and for the Cluster's latest version. */
async function finish(w: Watched, name: string, from: number, whileRunning: Shown[]): Promise<Observed> {
  await w.operations.waitFor(`${name} to finish`, (seen) => seen.some((o) => o.metadata.name === name && isFinished(o)), 120_000);
  return { whileRunning, phases: await phasesNow(w, from), op: await getOp(name) };
}

async function watched(prefix: string, hosts: string): Promise<Watched> {
  const clusters = await watchKubean<Cluster>(CLUSTER_PLURAL, running);
  const operations = await watchKubean<ClusterOperation>(CLUSTER_OPERATION_PLURAL, running);
  const { ns, cluster } = await clusterFixture(prefix, cleanups, { hosts });
  return { ns, cluster, clusters, operations };
}

async function setConfigMap(ns: string, name: string, key: string, text: string): Promise<void> {
  await core.replaceNamespacedConfigMap({ name, namespace: ns, body: { metadata: { name, namespace: ns }, data: { [key]: text } } });
}

describe('the Cluster phase through its life (Jobs on kwok, phases as watched)', () => {
  it('install, scale out, upgrade, scale in, reset and a failed reinstall show exactly their phases, in order', async (t) => {
    const w = await watched('held-phases', hostsYml([]));
    await startController(w.ns, running, HELD_JOB_POD);
    const start = w.clusters.events.length;
    const seen: [string, Observed][] = [];
    const step = async (label: string, spec: Partial<ClusterOperationSpec> & { action: string }, pod: 'completes' | 'fails' = 'completes') => {
      const o = await observe(w, spec, pod);
      t.diagnostic(`${label}: ${o.phases.join(' → ')}`);
      seen.push([label, o]);
    };

    await step('install', { action: 'cluster.yml' });
    // examples/scale/1.addWorkNode: node2 joins hosts.yml, then scale.yml --limit=node2.
    await setConfigMap(w.ns, 'hosts', 'hosts.yml', hostsYml(['node2']));
    await step('scale out', { action: 'scale.yml', extraArgs: '--limit=node2' });
    // examples/upgrade: kube_version raised in the vars ConfigMap, then upgrade-cluster.yml.
    await setConfigMap(w.ns, 'vars', 'group_vars.yml', 'kube_version: v1.35.4\n');
    await step('upgrade', { action: 'upgrade-cluster.yml' });
    // examples/scale/2.delWorkNode: node2 stays in hosts.yml while remove-node.yml runs, then goes.
    await step('scale in', { action: 'remove-node.yml', extraArgs: '-e node=node2' });
    await setConfigMap(w.ns, 'hosts', 'hosts.yml', hostsYml([]));
    // examples/uninstall.
    await step('reset', { action: 'reset.yml' });
    await step('failed reinstall', { action: 'cluster.yml' }, 'fails');

    const expected: [string, Shown[]][] = [
      ['install', ['Installing', 'Healthy']],
      ['scale out', ['Scaling Out', 'Healthy']],
      ['upgrade', ['Upgrading', 'Healthy']],
      ['scale in', ['Scaling In', 'Healthy']],
      ['reset', ['Deleting', 'no phase']],
      ['failed reinstall', ['Installing', 'Abnormal']],
    ];
    assert.deepEqual(seen.map(([label, o]) => [label, o.whileRunning]), expected.map(([label, phases]) => [label, phases.slice(0, 1)]), 'the phase shown while each ran');
    assert.deepEqual(seen.map(([label, o]) => [label, o.phases]), expected, 'the phases shown from each creation to its end');
    assert.deepEqual(phasesSince(w.clusters, w.cluster, start), expected.flatMap(([, phases]) => phases), 'nothing else was shown in between');
    assert.deepEqual(seen.map(([label, o]) => [label, o.op.status?.status]), expected.map(([label]) => [label, label === 'failed reinstall' ? 'Failed' : 'Succeeded']));
    const final = await getCluster(w.cluster);
    assert.deepEqual(final.status?.conditions?.map((c) => [c.clusterOps, c.status]), seen.map(([, o]) => [o.op.metadata.name, o.op.status?.status]), "kubean's condition per operation");
  });

  it('an operation whose Job is gone when the controller comes back: Failed, and the Cluster Abnormal rather than Upgrading for good', async () => {
    const w = await watched('held-lost', hostsYml([]));
    const queue = { queueName: env.randomName('lost'), ...HELD_JOB_POD };
    const first = await startController(w.ns, running, queue);
    const from = w.clusters.events.length;
    const name = env.randomName('upgrade');
    const op = await createOperation(name, { cluster: w.cluster, action: 'upgrade-cluster.yml' }, cleanups);
    const { job } = await runningPod(w.ns, op);
    const whileRunning = await phasesNow(w, from);
    // The Job goes while no controller runs: the next one finds status.jobRef naming nothing.
    await first.stop();
    await batch.deleteNamespacedJob({ name: job, namespace: w.ns, propagationPolicy: 'Background' });
    await eventually(`Job ${job} to be gone`, () => gone(() => batch.readNamespacedJob({ name: job, namespace: w.ns })));
    await startController(w.ns, running, queue);
    const o = await finish(w, name, from, whileRunning);
    assert.equal(o.op.status?.status, 'Failed');
    assert.match(o.op.status?.message ?? '', /its Job .* is gone/);
    assert.deepEqual(o.whileRunning, ['Upgrading']);
    assert.deepEqual(o.phases, ['Upgrading', 'Abnormal']);
    const final = await getCluster(w.cluster);
    assert.deepEqual(final.status?.conditions?.map((c) => [c.clusterOps, c.status]), [[name, 'Failed']]);
  });
});
