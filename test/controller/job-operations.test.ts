/**
 * Following and stopping an operation run as a Job, by the real controller against the real
 * apiserver: kwok serves the pod's log from a file the test writes as the job image would (the
 * entrypoint's step lines, the callback plugin's event lines, ansible's text), so the operation's
 * progress and kept log fill in while the pod runs, and the log stays readable after the Job
 * and its pod are gone. Cancelling or deleting a running operation deletes its Job with its pod.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type OperationProgress } from '../../src/api/types.js';
import { CANCEL_ANNOTATION } from '../../src/controller/operation-cancel.js';
import { JOB_STEP_MARKER } from '../../src/engine/job-step-lines.js';
import { EVENT_MARKER } from '../../src/executors/ansible-event-parser.js';
import { JOB_CONTAINER } from '../../src/executors/job-builder.js';
import { readOperationLog } from '../../src/oplog/read-operation-log.js';
import { servePodLog } from '../fixtures/kwok-pod-log.js';
import {
  batch, clusterFixture, core, createOperation, custom, env, eventually, failPod, finished, getOp, gone, HELD_NAMESPACE_PREFIX, jobsOf, podsOfJob, runningPod, startController, testLifecycle,
} from './controller-harness.js';
import { TWO_NODE_HOSTS } from '../fixtures/kube-cluster.js';

const { cleanups, running } = testLifecycle();

const HOSTS = TWO_NODE_HOSTS;

const stepLine = (o: object) => `${JOB_STEP_MARKER}${JSON.stringify({ ...o, time: new Date().toISOString() })}`;
const eventLine = (o: object) => `${EVENT_MARKER}${JSON.stringify(o)}`;
const runner = (host: string, task: string, outcome: string, msg?: string) => eventLine({ e: 'runner', outcome, host, task, play: 'all', ...(msg ? { msg } : {}) });
const task = (name: string) => [eventLine({ e: 'task', name, play: 'all', handler: false }), `TASK [${name}] ${'*'.repeat(20)}`];
const count = (text: string, part: string) => text.split(part).length - 1;

describe('an operation run as a Job (kwok serves its pod log)', () => {
  it('shows progress while its pod runs, ends with what the log tells, and keeps its log after the Job and pod are deleted', async () => {
    const { ns, cluster } = await clusterFixture(`${HELD_NAMESPACE_PREFIX}joblog`, cleanups, { hosts: HOSTS });
    await startController(ns, running, { readPodLogs: true });
    const name = env.randomName('joblog');
    const op = await createOperation(name, { cluster }, cleanups);
    const held = await runningPod(ns, op);
    // The log is served only from now on: the controller's first requests were refused and are made again.
    const log = await servePodLog(env.kubeConfig, { namespace: ns, pod: held.pod, container: JOB_CONTAINER, file: join(env.runDir, `${held.pod}.log`) });
    await log.append(
      stepLine({ e: 'step-start', index: 0, total: 1, name: 'action: ping.yml' }),
      eventLine({ e: 'playbook', file: 'ping.yml' }),
      eventLine({ e: 'play', name: 'all' }),
      `PLAY [all] ${'*'.repeat(20)}`,
      ...task('answer'),
      runner('node1', 'answer', 'ok'),
      runner('node2', 'answer', 'ok'),
      ...task('hold the hosts'),
    );

    const during = await eventually<OperationProgress>('progress naming the task the log is at', async () => {
      const p = (await getOp(name)).status?.progress;
      return p?.task === 'hold the hosts' ? p : undefined;
    });
    assert.equal(during.step, 1);
    assert.equal(during.totalSteps, 1);
    assert.match(during.stepName ?? '', /ping\.yml/);
    assert.equal(during.tasksStarted, 2);
    assert.deepEqual(during.hosts, { pending: 0, ok: 2, changed: 0, failed: 0, unreachable: 0 });
    assert.equal((await getOp(name)).status?.status, 'Running');
    const partial = await eventually('the kept log so far', async () => {
      const kept = await readOperationLog(core, ns, op.metadata.uid!);
      return kept.text.includes('TASK [hold the hosts]') ? kept.text : undefined;
    });
    assert.match(partial, /^==> step 1\/1 .*ping\.yml$/m);
    assert.ok(!partial.includes(JOB_STEP_MARKER) && !partial.includes(EVENT_MARKER), 'the kept log is for people');

    // The rest arrives as the pod ends: what the stream has not passed on by then comes from the log read at the end.
    await log.append(
      runner('node1', 'hold the hosts', 'ok'),
      runner('node2', 'hold the hosts', 'failed', 'node2 says no'),
      'fatal: [node2]: FAILED! => {"msg": "node2 says no"}',
      eventLine({ e: 'stats', hosts: { node1: { ok: 2 }, node2: { ok: 1, failed: 1 } } }),
      stepLine({ e: 'step-end', index: 0, exitCode: 2 }),
      stepLine({ e: 'job-end', exitCode: 2, failedStep: 0 }),
    );
    await failPod(ns, held.pod);
    const done = await finished(name);
    assert.equal(done.status?.status, 'Failed', done.status?.message);
    assert.deepEqual(done.status?.failedHosts, ['node2'], 'the result is the log\'s');
    assert.equal(done.status?.failedTask, 'hold the hosts');
    assert.equal(done.status?.progress, undefined);

    await batch.deleteNamespacedJob({ name: held.job, namespace: ns, propagationPolicy: 'Foreground' });
    await eventually('the Job gone', () => gone(() => batch.readNamespacedJob({ name: held.job, namespace: ns })));
    await eventually('the pod gone', () => gone(() => core.readNamespacedPod({ name: held.pod, namespace: ns })));
    const kept = (await readOperationLog(core, ns, op.metadata.uid!)).text;
    for (const line of ['TASK [answer]', 'TASK [hold the hosts]', 'fatal: [node2]: FAILED!']) assert.equal(count(kept, line), 1, `${line} once in:\n${kept}`);
    assert.match(kept, /==> step action: ping\.yml Failed/);
  });

  it('a cancel request deletes the running Job with its pod and ends the operation Cancelled, though its log is never served', async () => {
    const { ns, cluster } = await clusterFixture(`${HELD_NAMESPACE_PREFIX}jobcancel`, cleanups, { hosts: HOSTS });
    await startController(ns, running, { readPodLogs: true });
    const name = env.randomName('jobcancel');
    const op = await createOperation(name, { cluster }, cleanups);
    const held = await runningPod(ns, op);
    await custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name, body: { metadata: { annotations: { [CANCEL_ANNOTATION]: 'test' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const done = await finished(name);
    assert.equal(done.status?.status, 'Cancelled', done.status?.message);
    assert.match(done.status?.message ?? '', /cancelled on request \(slipway\.io\/cancel: test\)/);
    assert.deepEqual(await jobsOf(ns, op.metadata.uid!), [], 'no Job left');
    assert.deepEqual(await podsOfJob(ns, held.job), [], 'no pod left');
  });

  it('a Job whose pod the apiserver refuses (a quota) fails the operation with the refusal, well before its deadline', async () => {
    const { ns, cluster } = await clusterFixture('jobrefused', cleanups, { hosts: HOSTS });
    await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } } });
    await eventually('the quota counted', async () => ((await core.readNamespacedResourceQuota({ name: 'no-pods', namespace: ns })).status?.hard?.pods === '0' ? true : undefined));
    await startController(ns, running);
    const name = env.randomName('refused');
    const started = Date.now();
    await createOperation(name, { cluster, activeDeadlineSeconds: 600 }, cleanups);
    const done = await finished(name);
    assert.equal(done.status?.status, 'Failed');
    assert.match(done.status?.message ?? '', /^the Job's pod cannot be created: .*exceeded quota: no-pods/);
    assert.ok(Date.now() - started < 60_000, 'not at the deadline');
  });

  it('deleting a running operation deletes its Job with its pod, and the operation goes once they are gone', async () => {
    const { ns, cluster } = await clusterFixture(`${HELD_NAMESPACE_PREFIX}jobdelete`, cleanups, { hosts: HOSTS });
    await startController(ns, running, { readPodLogs: true });
    const name = env.randomName('jobdelete');
    const op = await createOperation(name, { cluster }, cleanups);
    const held = await runningPod(ns, op);
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name });
    assert.ok((await getOp(name)).metadata.deletionTimestamp, 'kept while its run stops');
    await eventually(`${name} gone`, () => gone(() => getOp(name)));
    assert.deepEqual(await jobsOf(ns, op.metadata.uid!), [], 'no Job left');
    assert.deepEqual(await podsOfJob(ns, held.job), [], 'no pod left');
  });
});
