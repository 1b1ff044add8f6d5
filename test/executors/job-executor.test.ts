/**
 * How the Job executor tells an operation's end, against the real apiserver. The Jobs here name
 * another controller in spec.managedBy, so kube-controller-manager's Job controller leaves them
 * alone and the test plays its part: it creates the pod, moves it through its phases and sets
 * the Job's conditions. That makes "the pod ended, the Job does not say so yet" a state to hold
 * rather than a race to win.
 */
import { defaultJobImagePolicy } from '../../src/policy/job-image.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1ContainerStatus, type V1JobCondition, type V1JobSpec } from '@kubernetes/client-node';
import { JobExecutor } from '../../src/executors/job-executor.js';
import { JOB_CONTAINER, JOB_NAME_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from '../../src/executors/job-builder.js';
import type { ExecutionRef, OperationResult } from '../../src/executors/types.js';
import { loadTestEnv } from '../env/index.js';

const env = loadTestEnv();
const batch = env.kubeConfig.makeApiClient(BatchV1Api);
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** No node of this name exists: nothing runs the pods, only the test changes them. */
const NO_NODE = 'slipway-test-no-node';
/** Long enough for an informer event to arrive and be acted on. */
const SETTLE_MS = 1_500;

let ns: string;
let executor: JobExecutor;
before(async () => {
  ns = await env.namespace('job-exec');
  executor = new JobExecutor({ kubeConfig: env.kubeConfig, namespace: ns, images: defaultJobImagePolicy('registry.invalid/slipway/job:test'), readLogs: false });
  await executor.start();
});
after(async () => {
  await executor.stop();
});

const labels = (job: string) => ({ [MANAGED_BY_LABEL]: MANAGED_BY, [JOB_NAME_LABEL]: job });

/** A Job as Slipway builds it (one pod, never retried), that no Job controller syncs. */
async function unsyncedJob(spec: Partial<V1JobSpec> = {}): Promise<ExecutionRef & { executor: 'job' }> {
  const name = env.randomName('job');
  await batch.createNamespacedJob({
    namespace: ns,
    body: {
      metadata: { name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
      spec: {
        managedBy: 'slipway.test/nobody',
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: JOB_CONTAINER, image: 'registry.invalid/x' }] } },
        ...spec,
      },
    },
  });
  return { executor: 'job', namespace: ns, name };
}

async function podOf(job: string, opts: { finalizer?: boolean; sidecar?: boolean } = {}): Promise<string> {
  const name = env.randomName(job);
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name, labels: labels(job), ...(opts.finalizer ? { finalizers: ['slipway.test/hold'] } : {}) },
      spec: {
        nodeName: NO_NODE,
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        containers: [{ name: JOB_CONTAINER, image: 'registry.invalid/x' }, ...(opts.sidecar ? [{ name: 'agent', image: 'registry.invalid/agent' }] : [])],
      },
    },
  });
  return name;
}

const terminated = (container: string, exitCode: number, message?: string): V1ContainerStatus => ({
  name: container,
  image: 'registry.invalid/x',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', ...(message ? { message } : {}), startedAt: new Date(Date.now() - 2000), finishedAt: new Date() } },
});

async function setPod(name: string, phase: string, containerStatuses: V1ContainerStatus[] = []): Promise<void> {
  await core.patchNamespacedPodStatus({ name, namespace: ns, body: { status: { phase, containerStatuses } } }, merge);
}

async function setJobCondition(name: string, condition: Partial<V1JobCondition>): Promise<void> {
  const now = new Date();
  await batch.patchNamespacedJobStatus(
    { name, namespace: ns, body: { status: { startTime: new Date(now.getTime() - 5000), conditions: [{ status: 'True', lastTransitionTime: now, lastProbeTime: now, type: 'FailureTarget', ...condition }] } } },
    merge,
  );
}

/** The observation's result, or 'running' if it has not ended within `ms`. */
async function within(observed: Promise<OperationResult>, ms: number): Promise<OperationResult | 'running'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), ms)));
  try {
    return await Promise.race([observed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function observe(ref: ExecutionRef): { result: Promise<OperationResult>; abort: AbortController } {
  const abort = new AbortController();
  const result = executor.observe(ref, () => undefined, abort.signal);
  result.catch(() => undefined);
  return { result, abort };
}

describe('the Job executor ends an operation', () => {
  it('when its sole pod Succeeded, without waiting for the Job to be Complete', async () => {
    const ref = await unsyncedJob();
    const pod = await podOf(ref.name);
    const { result } = observe(ref);
    await setPod(pod, 'Running');
    assert.equal(await within(result, SETTLE_MS), 'running', 'a Running pod is not the end');
    await setPod(pod, 'Succeeded', [terminated(JOB_CONTAINER, 0)]);
    const done = await within(result, 10_000);
    assert.notEqual(done, 'running', 'the Succeeded pod ends it, though the Job has no condition');
    assert.equal((done as OperationResult).status, 'Succeeded');
    const job = await batch.readNamespacedJob({ name: ref.name, namespace: ns });
    assert.equal(job.status?.conditions, undefined, 'the Job still says nothing');
  });

  it('when its sole pod Failed, with the main container\'s reason, exit code and message', async () => {
    const ref = await unsyncedJob();
    const pod = await podOf(ref.name, { sidecar: true });
    const { result } = observe(ref);
    await setPod(pod, 'Failed', [terminated('agent', 0), terminated(JOB_CONTAINER, 2, 'boom')]);
    const done = await within(result, 10_000);
    assert.notEqual(done, 'running');
    assert.equal((done as OperationResult).status, 'Failed');
    assert.equal((done as OperationResult).failed?.message, `pod ${pod} failed: Error: boom (exit code 2)`);
  });

  it('from the Job when its pod is being deleted (a deadline, a suspension): the Job says why', async () => {
    const ref = await unsyncedJob({ activeDeadlineSeconds: 5 });
    const pod = await podOf(ref.name, { finalizer: true });
    try {
      const { result } = observe(ref);
      await core.deleteNamespacedPod({ name: pod, namespace: ns });
      await setPod(pod, 'Failed', [terminated(JOB_CONTAINER, 137)]);
      assert.equal(await within(result, SETTLE_MS), 'running', 'a pod killed on its way out does not decide');
      await setJobCondition(ref.name, { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
      const done = await within(result, 10_000);
      assert.notEqual(done, 'running');
      assert.equal((done as OperationResult).status, 'Failed');
      assert.match((done as OperationResult).failed?.message ?? '', /^Job FailureTarget \(DeadlineExceeded\): Job was active longer than specified deadline; pod \S+: Error \(exit code 137\)$/);
    } finally {
      await core.patchNamespacedPod({ name: pod, namespace: ns, body: { metadata: { finalizers: null } } }, merge);
    }
  });

  it('from the Job when no pod ever ran (its deadline passed first)', async () => {
    const ref = await unsyncedJob({ activeDeadlineSeconds: 1 });
    const { result } = observe(ref);
    assert.equal(await within(result, SETTLE_MS), 'running');
    await setJobCondition(ref.name, { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    const done = await within(result, 10_000);
    assert.notEqual(done, 'running');
    assert.equal((done as OperationResult).failed?.message, 'Job FailureTarget (DeadlineExceeded): Job was active longer than specified deadline');
  });

  it('from the Job when the Job is not Slipway\'s shape: a failed pod of a Job that retries is not the end', async () => {
    const ref = await unsyncedJob({ backoffLimit: 2 });
    const pod = await podOf(ref.name);
    const { result } = observe(ref);
    await setPod(pod, 'Failed', [terminated(JOB_CONTAINER, 1)]);
    assert.equal(await within(result, SETTLE_MS), 'running', 'the Job would start another pod');
    await setJobCondition(ref.name, { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    const done = await within(result, 10_000);
    assert.notEqual(done, 'running');
    assert.match((done as OperationResult).failed?.message ?? '', /^Job FailureTarget \(BackoffLimitExceeded\)/);
  });
});
