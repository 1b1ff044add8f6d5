/**
 * Deleting a Cluster stops what runs on it. The controller puts a finalizer on every Cluster it
 * runs an operation for; when such a Cluster is being deleted it cancels that Cluster's running
 * operation (a local run through its AbortSignal; a Job deleted with its pods, propagation
 * Foreground, and waited for until gone), waits until the run has really ended, marks it Failed
 * with DELETED_MESSAGE, fails the operations still queued for it, and only then removes the
 * finalizer, so the Cluster disappears after its hosts are left alone.
 */
import { ApiException, BatchV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, CLUSTER_OPERATION_KIND, CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../api/types.js';
import { finishedStatus } from '../status/operation-status.js';
import { OperationStartedError, type ClusterQueue } from './cluster-queue.js';
import { isFinished } from './history.js';
import type { KubeEvents } from './kube-events.js';
import { operationRefOf } from './operation-ref.js';
import type { StatusWriter } from './status-writer.js';

export const CLUSTER_FINALIZER = 'slipway.kubean.io/stop-operations';
export const DELETED_MESSAGE = 'cancelled: its Cluster was deleted';

const JOB_GONE_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 500;

interface TrackedRun {
  cluster: string;
  abort: AbortController;
  done: Promise<void>;
  /** Set when the run is cancelled from here: the message its operation ends with. */
  cancelled?: string;
}

/** The turns running in this process, by operation uid, so a Cluster's deletion can stop its own. */
export class RunRegistry {
  private readonly runs = new Map<string, TrackedRun>();
  private readonly deleting = new Set<string>();

  /** A turn starts: its signal follows the worker's and a cancellation from here. Call `end` when it has ended. */
  track(op: ClusterOperation, signal: AbortSignal): { signal: AbortSignal; end(): void } {
    const uid = op.metadata.uid ?? '';
    const abort = new AbortController();
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    const run: TrackedRun = { cluster: op.spec.cluster, abort, done };
    this.runs.set(uid, run);
    return {
      signal: AbortSignal.any([signal, abort.signal]),
      end: () => {
        if (this.runs.get(uid) === run) this.runs.delete(uid);
        end();
      },
    };
  }

  /** Stops the run of `uid` if it runs here, with the message its operation is to end with; false if it does not. */
  cancel(uid: string, message: string): TrackedRun | undefined {
    const run = this.runs.get(uid);
    if (!run) return undefined;
    run.cancelled ??= message;
    return run;
  }

  /** Why the run of `uid` was cancelled from here, if it was. */
  cancelledReason(uid: string | undefined): string | undefined {
    return this.runs.get(uid ?? '')?.cancelled;
  }

  /** The Cluster is being deleted: nothing of it may start any more. */
  isDeleting(cluster: string): boolean {
    return this.deleting.has(cluster);
  }

  markDeleting(cluster: string): void {
    this.deleting.add(cluster);
  }

  forgetDeleting(cluster: string): void {
    this.deleting.delete(cluster);
  }

  runsOf(cluster: string): [string, TrackedRun][] {
    return [...this.runs].filter(([, r]) => r.cluster === cluster);
  }
}

/** Thrown into a turn that would start on a Cluster being deleted. */
export class ClusterDeletedError extends Error {
  constructor(readonly cluster: string) {
    super(DELETED_MESSAGE);
    this.name = 'ClusterDeletedError';
  }
}

export interface ClusterDeletionDeps {
  kubeConfig: KubeConfig;
  /** Where the operations' Jobs live. */
  namespace: string;
  registry: RunRegistry;
  queue: ClusterQueue;
  status: StatusWriter;
  events: KubeEvents;
  operations: () => readonly ClusterOperation[];
  /** Job mode: the operations' runs are Jobs. */
  jobs: boolean;
  logger: Logger;
}

/** Adds the finalizer to the Cluster unless it has it (or is being deleted). */
export async function ensureClusterFinalizer(custom: CustomObjectsApi, cluster: Cluster): Promise<void> {
  if (cluster.metadata.deletionTimestamp || cluster.metadata.finalizers?.includes(CLUSTER_FINALIZER)) return;
  const body = [
    { op: 'test', path: '/metadata/uid', value: cluster.metadata.uid },
    cluster.metadata.finalizers
      ? { op: 'add', path: '/metadata/finalizers/-', value: CLUSTER_FINALIZER }
      : { op: 'add', path: '/metadata/finalizers', value: [CLUSTER_FINALIZER] },
  ];
  try {
    await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster.metadata.name!, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
  } catch (err) {
    // Gone meanwhile, or its finalizers changed (the next turn adds it again): nothing to stop.
    if (!(err instanceof ApiException && (err.code === 404 || err.code === 422))) throw err;
  }
}

export class ClusterDeletion {
  private readonly custom: CustomObjectsApi;
  private readonly batch: BatchV1Api;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: ClusterDeletionDeps) {
    this.custom = deps.kubeConfig.makeApiClient(CustomObjectsApi);
    this.batch = deps.kubeConfig.makeApiClient(BatchV1Api);
  }

  /** A Cluster seen with a deletionTimestamp and the finalizer: stops its operations, then lets it go. */
  handle(cluster: Cluster): Promise<void> {
    const name = cluster.metadata.name ?? '';
    if (!cluster.metadata.deletionTimestamp || !cluster.metadata.finalizers?.includes(CLUSTER_FINALIZER)) return Promise.resolve();
    const running = this.inFlight.get(name);
    if (running) return running;
    const work = this.stop(cluster).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, work);
    return work;
  }

  private async stop(cluster: Cluster): Promise<void> {
    const name = cluster.metadata.name!;
    const { registry, logger } = this.deps;
    registry.markDeleting(name);
    const log = logger.child({ cluster: name });
    // The running one first: it is on the hosts now.
    for (const [uid, run] of registry.runsOf(name)) {
      run.cancelled = DELETED_MESSAGE;
      const op = this.deps.operations().find((o) => o.metadata.uid === uid);
      if (this.deps.jobs && op) await this.deleteJob(op);
      run.abort.abort(new ClusterDeletedError(name));
      await run.done;
      // A Job created while this was being cancelled (its dispatch was under way) goes too.
      if (this.deps.jobs && op) await this.deleteJob(await this.latest(op));
      log.info({ operation: op?.metadata.name }, 'stopped the running operation of a deleted Cluster');
    }
    for (const op of this.deps.operations()) {
      if (op.spec.cluster !== name || isFinished(op) || registry.cancelledReason(op.metadata.uid) !== undefined) continue;
      // A run of a previous leader (its Job) that no turn of this process follows yet.
      if (this.deps.jobs && op.status?.status === 'Running') await this.deleteJob(op);
      try {
        await this.deps.queue.forget(operationRefOf(op));
      } catch (err) {
        if (!(err instanceof OperationStartedError)) throw err;
      }
      await this.failUnstarted(op);
    }
    await this.removeFinalizer(cluster);
    registry.forgetDeleting(name);
  }

  /** Deletes the operation's Job with its pods (Foreground) and waits until it is gone. */
  async deleteJob(op: ClusterOperation): Promise<void> {
    const name = op.status?.jobRef?.name;
    const namespace = op.status?.jobRef?.namespace ?? this.deps.namespace;
    if (!name) return;
    try {
      await this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Foreground' });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return;
      throw err;
    }
    const until = Date.now() + JOB_GONE_TIMEOUT_MS;
    for (;;) {
      try {
        await this.batch.readNamespacedJob({ name, namespace });
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return;
        throw err;
      }
      if (Date.now() > until) throw new Error(`Job ${namespace}/${name} was not gone ${JOB_GONE_TIMEOUT_MS / 1000} s after its deletion`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async latest(op: ClusterOperation): Promise<ClusterOperation> {
    try {
      return (await this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: op.metadata.name! })) as ClusterOperation;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return op;
      throw err;
    }
  }

  private async failUnstarted(op: ClusterOperation): Promise<void> {
    const now = new Date().toISOString();
    const result = { status: 'Failed' as const, startTime: op.status?.startTime ?? now, endTime: now, steps: [], failed: { step: 'queue', hosts: [], message: DELETED_MESSAGE } };
    if (await this.deps.status.operation(op.metadata.name!, op.metadata.uid, finishedStatus(op, result, undefined, op.status?.jobRef))) {
      await this.deps.events.record({ apiVersion: API_VERSION, kind: CLUSTER_OPERATION_KIND, name: op.metadata.name ?? '', uid: op.metadata.uid }, 'Warning', 'Failed', DELETED_MESSAGE);
    }
  }

  private async removeFinalizer(cluster: Cluster): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let current: Cluster;
      try {
        current = (await this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster.metadata.name! })) as Cluster;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return;
        throw err;
      }
      if (current.metadata.uid !== cluster.metadata.uid) return;
      const index = current.metadata.finalizers?.indexOf(CLUSTER_FINALIZER) ?? -1;
      if (index < 0) return;
      const body = [
        { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
        { op: 'remove', path: `/metadata/finalizers/${index}` },
      ];
      try {
        await this.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster.metadata.name!, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
        return;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return;
        if (!(err instanceof ApiException && (err.code === 409 || err.code === 422))) throw err;
      }
    }
    throw new Error(`Cluster ${cluster.metadata.name} changed under each attempt to remove its finalizer`);
  }
}
