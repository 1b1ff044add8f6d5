/**
 * Runs each operation as one batch/v1 Job in the controller's namespace (see job-builder.ts) and
 * follows it through informers on its Jobs and their Pods: no polling. The Job outlives this
 * process; observe() works from the ref alone, so a restarted controller picks it up again.
 * When the run succeeded and the plan fetched the admin kubeconfig, observe() reads it from the
 * operation's drop-box and checks it (kubeconfig-upload-check.ts); release() then deletes every
 * per-operation object but the Job.
 */
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Job,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { finalRefusal } from '../api/kube-refusal.js';
import { runStatus, type JobOperationStatus } from './job-status.js';
import { ResilientInformer } from '../api/informer.js';
import type { ClusterOperation } from '../api/types.js';
import { PLAN_JSON_KEY, toJobPlan, type JobPlanJson } from '../engine/job-plan.js';
import type { Plan } from '../engine/plan-types.js';
import { chooseJobImage, type JobImagePolicy } from '../policy/job-image.js';
import { createLineRedactor, createRedactor } from '../util/redact.js';
import {
  buildJobObjects, buildPlanConfigMap, JobBuildError, JOB_CONTAINER, JOB_NAME_LABEL, jobNameFor, MANAGED_BY, MANAGED_BY_LABEL, OPERATION_UID_LABEL, planObjectName, type JobBuildInput,
} from './job-builder.js';
import type { JobResources } from './job-resources.js';
import { checkUploadedKubeconfig } from './kubeconfig-upload-check.js';
import { uploaderName } from './kubeconfig-uploader-rbac.js';
import { outcomeFromJobLog } from './job-log-outcome.js';
import { JobLogRelay } from './job-log-relay.js';
import { podCreationRefusal } from './job-pod-refusal.js';
import { splitTimedLine } from './log-cursor.js';
import { slimJob, slimPod } from './job-slim.js';
import { ExecutionLostError, type DispatchContext, type EventSink, type ExecutionRef, type Executor, type OperationResult } from './types.js';

export interface JobExecutorOptions {
  kubeConfig: KubeConfig;
  /** Where Jobs and their plan objects go (the controller's own namespace). */
  namespace: string;
  /** The operator's job image (the sidecars', and the default), and what spec.image may name. */
  images: JobImagePolicy;
  /** CPU and memory of the pod's containers (default DEFAULT_JOB_RESOURCES). */
  resources?: JobResources;
  /** Operator-chosen pod extras (scheduling; tests add labels). */
  pod?: JobBuildInput['pod'];
  /**
   * Follow the pod's log while it runs (its events go to the observer's sink) and read it whole
   * when it ends, for per-step results (default true); how long to wait for that read.
   */
  readLogs?: boolean;
  logTimeoutMs?: number;
  /** Pauses between the log stream's requests when it breaks or is refused. */
  logRetryMs?: { first: number; max: number };
  /**
   * While a Job has no pod, how often its FailedCreate Events are looked at (default 10 s): a pod
   * the apiserver refuses (Pod Security, quota) fails the operation with the refusal's message.
   */
  podRefusalCheckMs?: number;
  logger?: Logger;
}

const SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
const MAX_LOG_BYTES = 4 * 1024 * 1024;

const isStatus = (code: number) => (err: unknown): boolean => err instanceof ApiException && err.code === code;
const isConflict = isStatus(409);
const isNotFound = isStatus(404);

export class JobExecutor implements Executor {
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly rbac: RbacAuthorizationV1Api;
  readonly jobs: ResilientInformer<V1Job>;
  readonly pods: ResilientInformer<V1Pod>;
  /** Re-evaluations waiting for a change to their Job or its pods, by Job name. */
  private readonly watchers = new Map<string, Set<() => void>>();
  /** The names of each Job's pods, by Job name: a Job's pods without going through every pod. */
  private readonly podNames = new Map<string, Set<string>>();
  /** plan.json of the Jobs this process created, by Job name, until observed to their end (saves reading it back). */
  private readonly plans = new Map<string, JobPlanJson>();
  /** The log relays of observations in progress, so stop() ends their streams. */
  private readonly relays = new Set<JobLogRelay>();

  constructor(private readonly opts: JobExecutorOptions) {
    const ns = opts.namespace;
    this.batch = opts.kubeConfig.makeApiClient(BatchV1Api);
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.rbac = opts.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    this.jobs = new ResilientInformer<V1Job>({
      kubeConfig: opts.kubeConfig,
      path: `/apis/batch/v1/namespaces/${ns}/jobs`,
      list: () => this.batch.listNamespacedJob({ namespace: ns, labelSelector: SELECTOR }),
      labelSelector: SELECTOR,
      slim: slimJob,
    });
    this.pods = new ResilientInformer<V1Pod>({
      kubeConfig: opts.kubeConfig,
      path: `/api/v1/namespaces/${ns}/pods`,
      list: () => this.core.listNamespacedPod({ namespace: ns, labelSelector: SELECTOR }),
      labelSelector: SELECTOR,
      slim: slimPod,
    });
    // Indexed first, so the change handlers below find the pod.
    this.pods.onAdd((pod) => this.indexPod(pod, true)).onDelete((pod) => this.indexPod(pod, false));
    const onJob = (job: KubernetesObject) => this.changed(job.metadata?.name);
    const onPod = (pod: KubernetesObject) => this.changed(pod.metadata?.labels?.[JOB_NAME_LABEL]);
    for (const [informer, handler] of [[this.jobs, onJob], [this.pods, onPod]] as const) {
      informer.onAdd(handler).onUpdate(handler).onDelete(handler);
      informer.onError((err) => opts.logger?.warn({ err: err.message }, 'job informer restarting'));
    }
    this.jobs.onDelete((job) => this.plans.delete(job.metadata?.name ?? ''));
  }

  /** Starts the informers; resolves once both listed. */
  async start(): Promise<void> {
    await Promise.all([this.jobs.start(), this.pods.start()]);
  }

  async stop(): Promise<void> {
    for (const relay of this.relays) relay.stop();
    await Promise.all([this.jobs.stop(), this.pods.stop()]);
  }

  /** The Job of that name from the apiserver (404 propagates). */
  readJob(name: string): Promise<V1Job> {
    return this.batch.readNamespacedJob({ name, namespace: this.opts.namespace });
  }

  /** The Job an operation runs as (by its deterministic name), from the cache. */
  jobOf(op: DispatchContext['operation']): V1Job | undefined {
    return this.jobs.get(jobNameFor(op), this.opts.namespace);
  }

  /** A run its status names (status.jobRef) is lost when its Job is neither in the cache nor on the apiserver. */
  async lostRun(op: ClusterOperation): Promise<string | undefined> {
    const ref = op.status?.status === 'Running' ? op.status.jobRef : undefined;
    if (!ref || this.jobOf(op)) return undefined;
    try {
      await this.readJob(ref.name);
      return undefined;
    } catch (err) {
      if (isStatus(404)(err)) return `its Job ${ref.namespace}/${ref.name} is gone`;
      throw err;
    }
  }

  /** A final apiserver refusal (a spec the Job API refuses, a name too long) fails the operation instead of being retried. */
  async dispatch(plan: Plan, ctx: DispatchContext): Promise<ExecutionRef> {
    try {
      return await this.createJob(plan, ctx);
    } catch (err) {
      throw finalRefusal(err, `create the Job of ${ctx.operation.metadata.name ?? 'the operation'} or its plan objects`);
    }
  }

  private async createJob(plan: Plan, ctx: DispatchContext): Promise<ExecutionRef> {
    const jobPlan = toJobPlan(plan);
    const sshRef = ctx.cluster.spec.sshAuthRef;
    const choice = plan.image ?? chooseJobImage(ctx.operation.spec.image, this.opts.images);
    if (choice.kind === 'refused') throw new JobBuildError(`${choice.code}: ${choice.reason}`);
    const namespace = this.opts.namespace;
    const input = (planUid: string): JobBuildInput => ({
      namespace,
      operation: ctx.operation,
      jobPlan,
      activeDeadlineSeconds: plan.activeDeadlineSeconds,
      image: choice.image,
      jobImage: this.opts.images.jobImage,
      planUid,
      ...(this.opts.resources ? { resources: this.opts.resources } : {}),
      ...(plan.sshPrivateKey !== undefined && sshRef ? { sshKey: { secretRef: sshRef, privateKey: plan.sshPrivateKey } } : {}),
      ...(this.opts.pod ? { pod: this.opts.pod } : {}),
    });
    // Built once before anything is created: what cannot be built fails before any object exists.
    buildJobObjects(input(''));
    // The plan ConfigMap first: every other object but the Job is its dependent. All are named
    // after the operation, so a dispatch repeated after a crash finds them (and the Job) instead
    // of making second ones.
    const { created: planCreated, uid: planUid } = await this.createPlanConfigMap(buildPlanConfigMap(input('')), ctx.operation);
    const objects = buildJobObjects(input(planUid));
    const uploader = objects.uploader;
    await Promise.all([
      objects.planSecret && createOrKeep(() => this.core.createNamespacedSecret({ namespace, body: objects.planSecret as V1Secret })),
      objects.authSecret && createOrKeep(() => this.core.createNamespacedSecret({ namespace, body: objects.authSecret as V1Secret })),
      uploader && createOrKeep(() => this.core.createNamespacedSecret({ namespace, body: uploader.dropBox })),
      uploader && createOrKeep(() => this.core.createNamespacedServiceAccount({ namespace, body: uploader.serviceAccount })),
      // The binding after its Role: without `bind`, the apiserver binds only a Role it can see
      // and whose rights the controller holds.
      uploader && createOrKeep(() => this.rbac.createNamespacedRole({ namespace, body: uploader.role })).then(() => createOrKeep(() => this.rbac.createNamespacedRoleBinding({ namespace, body: uploader.roleBinding }))),
    ]);
    const name = objects.job.metadata!.name!;
    // A plan ConfigMap kept from an earlier dispatch is what that Job runs, maybe not this plan.
    if (planCreated) this.plans.set(name, jobPlan.plan);
    try {
      await this.batch.createNamespacedJob({ namespace, body: objects.job });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const existing = await this.batch.readNamespacedJob({ name, namespace });
      if (existing.metadata?.labels?.[OPERATION_UID_LABEL] !== ctx.operation.metadata.uid) {
        throw new Error(`Job ${namespace}/${name} exists but belongs to another operation`);
      }
    }
    return { executor: 'job', namespace, name };
  }

  /** Creates the plan ConfigMap, or finds the one an earlier dispatch of this operation made; its uid. */
  private async createPlanConfigMap(body: V1ConfigMap, op: ClusterOperation): Promise<{ created: boolean; uid: string }> {
    const namespace = this.opts.namespace;
    try {
      const made = await this.core.createNamespacedConfigMap({ namespace, body });
      return { created: true, uid: made.metadata!.uid! };
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const existing = await this.core.readNamespacedConfigMap({ name: body.metadata!.name!, namespace });
    if (existing.metadata?.labels?.[OPERATION_UID_LABEL] !== op.metadata.uid) {
      throw new Error(`ConfigMap ${namespace}/${body.metadata!.name} exists but belongs to another operation`);
    }
    return { created: false, uid: existing.metadata!.uid! };
  }

  /**
   * The operation has ended (its status is written): deletes its plan ConfigMap, and with it (its
   * dependents, through the garbage collector) the plan Secret, the key's copy, the drop-box and
   * the uploader's ServiceAccount, Role and RoleBinding. The drop-box is given back to the plan
   * ConfigMap first, without finalizers, whatever the uploader did to it. The Job stays (its pod's
   * log) until the operation is pruned. Nothing there: nothing to do.
   */
  async release(op: ClusterOperation): Promise<void> {
    const namespace = this.opts.namespace;
    const jobName = jobNameFor(op);
    const name = planObjectName(jobName);
    let plan: V1ConfigMap;
    try {
      plan = await this.core.readNamespacedConfigMap({ name, namespace });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (plan.metadata?.labels?.[OPERATION_UID_LABEL] !== op.metadata.uid) return;
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name, uid: plan.metadata!.uid!, controller: true };
    await this.core
      .patchNamespacedSecret(
        { name: uploaderName(jobName), namespace, body: { metadata: { ownerReferences: [owner], finalizers: null } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    await this.core
      .deleteNamespacedConfigMap({ name, namespace, propagationPolicy: 'Background', body: { preconditions: { uid: plan.metadata!.uid! } } })
      .catch((err: unknown) => {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      });
    this.plans.delete(jobName);
  }

  /**
   * Follows the Job to its end: its sole pod's terminal phase, or the Job's condition (see
   * runStatus); Failed (with the pod's reason), or Failed because it is gone or ran a second pod.
   * While the pod runs its log goes to `sink` as it grows (job-log-relay.ts); the stream is ended
   * when the run ends, and the lines it missed are passed on from the log read then.
   */
  observe(ref: ExecutionRef, sink: EventSink, signal?: AbortSignal): Promise<OperationResult> {
    if (ref.executor !== 'job' || ref.namespace !== this.opts.namespace) return Promise.reject(new ExecutionLostError(ref));
    const name = ref.name;
    const relay = new JobLogRelay({
      kubeConfig: this.opts.kubeConfig,
      namespace: ref.namespace,
      container: JOB_CONTAINER,
      sink,
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
      ...(this.opts.logRetryMs ? { retryMs: this.opts.logRetryMs } : {}),
    });
    this.relays.add(relay);
    return new Promise<OperationResult>((resolve, reject) => {
      let settled = false;
      let lastPhase = '';
      let confirming = false;
      let refusalCheck: NodeJS.Timeout | undefined;
      const finish = (fn: () => Promise<OperationResult>) => {
        if (settled) return;
        settled = true;
        this.unwatch(name, evaluate);
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(refusalCheck);
        relay.stop();
        fn()
          .finally(() => {
            this.plans.delete(name);
            relay.stop();
            this.relays.delete(relay);
          })
          .then(resolve, reject);
      };
      const onAbort = () => finish(() => Promise.reject(signal?.reason instanceof Error ? signal.reason : new Error('observation aborted')));
      const evaluate = () => {
        if (settled) return;
        const job = this.jobs.get(name, ref.namespace);
        if (!job) {
          // Not in the cache: just created (the watch lags) or deleted. Ask the apiserver once.
          if (confirming) return;
          confirming = true;
          this.batch.readNamespacedJob({ name, namespace: ref.namespace }).then(
            () => void (confirming = false),
            (err: unknown) => {
              confirming = false;
              if (isNotFound(err)) finish(() => Promise.resolve(failedResult('the Job is gone (deleted before it finished)')));
            },
          );
          return;
        }
        const pods = this.podsOf(name);
        if (pods.length > 1) {
          finish(() => this.suspendSecondRun(job, pods));
          return;
        }
        const phase = pods[0]?.status?.phase ?? 'Pending';
        if (phase !== lastPhase) {
          lastPhase = phase;
          sink({ type: 'output', line: `Job ${name}: pod ${pods[0]?.metadata?.name ?? '(not created yet)'} ${phase}` });
        }
        const run = runStatus(job, pods[0]);
        if (run.status === 'Running') {
          if (phase === 'Running') this.followLog(relay, job, pods[0]!);
          // No pod yet: once in a while, whether the apiserver refuses to create it.
          if (pods.length === 0 && !refusalCheck) {
            refusalCheck = setTimeout(() => {
              podCreationRefusal(this.core, job).then(
                (refusal) => {
                  refusalCheck = undefined;
                  if (refusal && this.podsOf(name).length === 0) finish(() => Promise.resolve(failedResult(createRedactor([])(`the Job's pod cannot be created: ${refusal}`))));
                  else evaluate();
                },
                (err: unknown) => {
                  refusalCheck = undefined;
                  this.opts.logger?.warn({ job: name, err: err instanceof Error ? err.message : String(err) }, 'the Events of a Job without a pod could not be read');
                  evaluate();
                },
              );
            }, this.opts.podRefusalCheckMs ?? 10_000);
          }
          return;
        }
        finish(() => this.resultOf(job, pods[0], run, relay));
      };
      this.watch(name, evaluate);
      signal?.addEventListener('abort', onAbort, { once: true });
      evaluate();
    });
  }

  /** Starts the relay on the running pod's log, once (the plan names the steps). */
  private followLog(relay: JobLogRelay, job: V1Job, pod: V1Pod): void {
    if (this.opts.readLogs === false || relay.following) return;
    const podName = pod.metadata!.name!;
    this.planOf(job).then(
      (plan) => relay.follow(podName, plan ?? { steps: [] }),
      (err: unknown) => this.opts.logger?.warn({ job: job.metadata?.name, err: err instanceof Error ? err.message : String(err) }, 'the plan of a running Job could not be read; its log is passed on at its end'),
    );
  }

  private podsOf(jobName: string): V1Pod[] {
    return [...(this.podNames.get(jobName) ?? [])].flatMap((name) => this.pods.get(name, this.opts.namespace) ?? []);
  }

  /** A pod's Job (its label) never changes, so adds and deletes keep the index. */
  private indexPod(pod: V1Pod, present: boolean): void {
    const job = pod.metadata?.labels?.[JOB_NAME_LABEL];
    const name = pod.metadata?.name;
    if (!job || !name) return;
    const names = this.podNames.get(job) ?? new Set<string>();
    if (present) this.podNames.set(job, names.add(name));
    else if (names.delete(name) && names.size === 0) this.podNames.delete(job);
  }

  /** A playbook never runs twice: the Job is suspended (its running pods end) and the operation fails. */
  private async suspendSecondRun(job: V1Job, pods: V1Pod[]): Promise<OperationResult> {
    await this.batch.patchNamespacedJob(
      { name: job.metadata!.name!, namespace: this.opts.namespace, body: { spec: { suspend: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const names = pods.map((p) => p.metadata?.name).join(', ');
    return failedResult(`a second pod of Job ${job.metadata!.name} started (${names}); the Job was suspended so the playbook does not run twice`);
  }

  /** `run` has ended (Succeeded or Failed); the relay passes on what its stream missed. */
  private async resultOf(job: V1Job, pod: V1Pod | undefined, run: JobOperationStatus, relay: JobLogRelay): Promise<OperationResult> {
    const status = run.status === 'Succeeded' ? 'Succeeded' : 'Failed';
    const terminated = pod?.status?.containerStatuses?.find((c) => c.name === JOB_CONTAINER)?.state?.terminated;
    const startTime = iso(job.status?.startTime) ?? iso(terminated?.startedAt) ?? new Date().toISOString();
    const endTime = iso(job.status?.completionTime) ?? iso(terminated?.finishedAt) ?? new Date().toISOString();
    const plan = await this.planOf(job);
    const timedLog = pod ? await this.readLog(pod) : undefined;
    if (pod) relay.finish(pod.metadata!.name!, plan ?? { steps: [] }, timedLog, endTime);
    const fromLog = plan && timedLog !== undefined ? logOutcome(plan, timedLog, startTime, endTime) : undefined;
    if (status === 'Succeeded') {
      const ran: OperationResult =
        fromLog?.status === status
          ? fromLog
          : { status, startTime, endTime, steps: (plan?.steps ?? []).map((s) => ({ name: s.name, role: s.role, status: 'Succeeded', exitCode: 0, startTime, endTime, hosts: {}, failures: [] })) };
      return plan?.kubeconfigArtifact !== undefined ? this.withUploadedKubeconfig(ran, job) : ran;
    }
    if (fromLog && fromLog.status === status) return fromLog;
    const podWhy = terminated
      ? `${terminated.reason ?? 'terminated'}${terminated.message ? `: ${terminated.message.trim()}` : ''} (exit code ${terminated.exitCode})`
      : pod?.status?.reason ? `${pod.status.reason}${pod.status.message ? `: ${pod.status.message}` : ''}` : undefined;
    const message = podWhy ? (run.byPod ? `${run.reason}: ${podWhy}` : `${run.reason}; pod ${pod?.metadata?.name}: ${podWhy}`) : run.reason;
    return { ...failedResult(createRedactor([])(message)), startTime, endTime, ...(fromLog ? { steps: fromLog.steps } : {}) };
  }

  /** A successful run with the kubeconfig its pod left in the drop-box, checked; Failed if it is refused. */
  private async withUploadedKubeconfig(ran: OperationResult, job: V1Job): Promise<OperationResult> {
    let dropBox: V1Secret;
    try {
      dropBox = await this.core.readNamespacedSecret({ name: uploaderName(job.metadata!.name!), namespace: this.opts.namespace });
    } catch (err) {
      if (isNotFound(err)) return ran;
      throw err;
    }
    const check = checkUploadedKubeconfig(dropBox, job.metadata?.labels?.[OPERATION_UID_LABEL] ?? '');
    switch (check.kind) {
      case 'empty':
        return ran;
      case 'accepted':
        return { ...ran, kubeconfig: check.kubeconfig };
      case 'refused':
        return { ...ran, status: 'Failed', failed: { step: 'job', hosts: [], message: check.reason } };
    }
  }

  /** plan.json as dispatched, else from the plan ConfigMap (the steps' names), or undefined if it is gone. */
  private async planOf(job: V1Job): Promise<JobPlanJson | undefined> {
    const dispatched = this.plans.get(job.metadata!.name!);
    if (dispatched) return dispatched;
    try {
      const cm = await this.core.readNamespacedConfigMap({ name: planObjectName(job.metadata!.name!), namespace: this.opts.namespace });
      const text = cm.data?.[PLAN_JSON_KEY];
      return text ? (JSON.parse(text) as JobPlanJson) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The ended pod's whole log, each line with its time, when the node serves it in time; else undefined. */
  private async readLog(pod: V1Pod): Promise<string | undefined> {
    if (this.opts.readLogs === false) return undefined;
    const timeout = AbortSignal.timeout(this.opts.logTimeoutMs ?? 5_000);
    const read = this.core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: this.opts.namespace, container: JOB_CONTAINER, limitBytes: MAX_LOG_BYTES, timestamps: true });
    read.catch(() => undefined);
    const log = await Promise.race([read, new Promise<undefined>((resolve) => timeout.addEventListener('abort', () => resolve(undefined), { once: true }))]).catch(
      () => undefined,
    );
    return typeof log === 'string' ? log : undefined;
  }

  private watch(name: string, fn: () => void): void {
    const set = this.watchers.get(name) ?? new Set();
    set.add(fn);
    this.watchers.set(name, set);
  }

  private unwatch(name: string, fn: () => void): void {
    const set = this.watchers.get(name);
    set?.delete(fn);
    if (set?.size === 0) this.watchers.delete(name);
  }

  private changed(jobName: string | undefined): void {
    if (!jobName) return;
    for (const fn of [...(this.watchers.get(jobName) ?? [])]) fn();
  }
}

/** The pod log (read with times) folded into step results. */
function logOutcome(plan: JobPlanJson, timedLog: string, startTime: string, endTime: string): OperationResult | undefined {
  // The plan objects hold no key (the key is only in /auth); steps' own output is redacted by the callback plugin.
  const redact = createLineRedactor(createRedactor([]));
  const lines = timedLog.split('\n').flatMap((l) => redact.push(splitTimedLine(l).text));
  return outcomeFromJobLog(plan, [...lines, ...redact.end()].join('\n'), startTime, endTime);
}

function failedResult(message: string): OperationResult {
  const now = new Date().toISOString();
  return { status: 'Failed', startTime: now, endTime: now, steps: [], failed: { step: 'job', hosts: [], message } };
}

function iso(t: Date | string | undefined): string | undefined {
  if (t === undefined) return undefined;
  return t instanceof Date ? t.toISOString() : String(t);
}

/** true: created; false: it existed already. */
async function createOrKeep(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (err) {
    if (!isConflict(err)) throw err;
    return false;
  }
}
