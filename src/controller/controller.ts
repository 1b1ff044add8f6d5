/**
 * `slipway controller`: only the leader (a Lease in the controller's namespace) reconciles. On
 * becoming leader it opens the per-cluster queue, starts a worker and the informers, queues every
 * unfinished ClusterOperation in one call, and from then on reacts to changes; on losing the
 * Lease it stops all of it and leaves running Jobs to the next leader, which resumes them.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject } from '@kubernetes/client-node';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { KubeSource } from '../api/kube-source.js';
import { BackupScheduler } from './backup-scheduler.js';
import { ClusterObserver, type ClusterObserverOptions } from '../observe/cluster-observer.js';
import { ConvergenceWriter } from './convergence-writer.js';
import { AutoOperations } from './auto-operations.js';
import { PooledKubeConfig } from '../api/pooled-kube-config.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../api/types.js';
import type { OperatorOptions } from '../engine/prepare-plan.js';
import { JobExecutor, type JobExecutorOptions } from '../executors/job-executor.js';
import type { JobResources } from '../executors/job-resources.js';
import { defaultJobImagePolicy, type JobImagePolicy } from '../policy/job-image.js';
import { LocalExecutor, type LocalExecutorOptions } from '../executors/local-executor.js';
import { errorMessage } from '../util/slipway-error.js';
import { ClusterCacheSource } from './cluster-cache-source.js';
import { ClusterDeletion, RunRegistry } from './cluster-deletion.js';
import { cancelRequest, OperationCancelledError } from './operation-cancel.js';
import { HostClaims } from './host-claims.js';
import { ClusterQueue, OperationStartedError } from './cluster-queue.js';
import { ClusterQueueWorker } from './cluster-queue-worker.js';
import { isFinished } from './history.js';
import { ResilientInformer, withoutBookkeeping } from '../api/informer.js';
import { listInPages } from '../api/paged-list.js';
import { KubeEvents } from './kube-events.js';
import { Limiter } from './limiter.js';
import { KubeconfigStore } from './kubeconfig-secret.js';
import { LeaderElector } from './leader-election.js';
import { ControllerMetrics } from './metrics.js';
import type { Health } from './metrics-server.js';
import { operationRefOf } from './operation-ref.js';
import { RetrySchedule } from './retry-schedule.js';
import { cancelUnstarted, clusterTarget, reconcileQueued, reconcileWaiting, resumeTurn, runTurn, type ControllerScope, type TurnOutcome } from './operation-phases.js';
import { StatusWriter } from './status-writer.js';
import { WatchedNamespacesSource } from './watched-source.js';
import { accessReviewer } from '../api/access-review.js';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  /** Jobs, plan objects and the leader Lease live here. */
  namespace: string;
  redis: RedisOptions;
  /** Holder identity in the Lease (POD_NAME); a random suffix keeps two processes apart. */
  identity: string;
  executor: 'job' | 'local';
  jobImage: string;
  /** What spec.image may name (default: the job image alone, kubean's spray-job mapped to it). */
  jobImages?: JobImagePolicy;
  /** CPU and memory of the Job pods' containers (default DEFAULT_JOB_RESOURCES). */
  jobResources?: JobResources;
  /** Operator-chosen pod extras for the Jobs (scheduling, test labels). */
  jobPod?: JobExecutorOptions['pod'];
  readPodLogs?: boolean;
  /** Options of the local executor (`--executor local`). */
  local?: Omit<LocalExecutorOptions, 'builtinDir' | 'logger'>;
  builtinDir: string;
  historyLimit: number;
  /**
   * Operations (of different clusters) this process runs at once. A turn in Job mode only waits
   * for its Job, so the default lets a thousand clusters run theirs side by side; a local turn
   * runs ansible here, so only a few.
   */
  concurrency?: number;
  operator: OperatorOptions;
  /**
   * `off`: operations run without checking who admitted their refs (one tenant only). Otherwise
   * the key stamps are verified with and the namespace no ref may point into.
   */
  admission: { key: Buffer; protectedNamespace: string; stampLeadMs?: number } | 'off';
  /** Namespaces whose ConfigMaps and Secrets may be read; undefined: any. */
  watchNamespaces?: ReadonlySet<string>;
  /** Where each operation's log is kept, as ConfigMaps owned by it (default: `namespace`). */
  logNamespace?: string;
  /**
   * `refuse`: an operation whose Cluster shares a host address with another Cluster is refused
   * before anything runs (host-claims.ts). Default `allow`; `slipway controller` refuses.
   */
  sharedHosts?: 'refuse' | 'allow';
  /** Where Events about Clusters and ClusterOperations go (default `default`). */
  eventNamespace?: string;
  queueName?: string;
  keyPrefix?: string;
  leaseName?: string;
  /** How managed clusters are observed (src/observe/cluster-observer.ts): interval, clusters at once, probe limits. */
  observe?: Pick<ClusterObserverOptions, 'intervalMs' | 'concurrency' | 'limits' | 'handshakes'>;
  /** The declarative path's plans in status.convergence (src/desired/); default every 60 s, the bundle's versions unknown, one removal without approval. */
  /** How often Clusters' slipway.io/backup-schedule is looked at (src/controller/backup-scheduler.ts); default 10 s. */
  backupTickMs?: number;
  declarative?: { intervalMs?: number; availableVersions?: string[]; maxRemovalsWithoutApproval?: number };
  lease?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  logger: Logger;
}

export class Controller implements Health {
  readonly metrics = new ControllerMetrics();
  private readonly elector: LeaderElector;
  private leading: Promise<LeaderSession | undefined> = Promise.resolve(undefined);
  /** The leader session once its informers synced; undefined while standing by or starting to lead. */
  private session: LeaderSession | undefined;
  private stopped = false;
  /**
   * The Lease's own connections: a renewal never waits behind the calls of thousands of
   * reconciles and turns (it did, and the leader stepped down under load).
   */
  private readonly leaseKubeConfig: PooledKubeConfig;

  private constructor(private readonly opts: ControllerOptions & { kubeConfig: PooledKubeConfig }) {
    const identity = `${opts.identity}-${randomBytes(3).toString('hex')}`;
    this.leaseKubeConfig = PooledKubeConfig.copy(opts.kubeConfig);
    this.metrics.observeLeader(() => this.elector.isLeader);
    this.elector = new LeaderElector({
      kubeConfig: this.leaseKubeConfig,
      namespace: opts.namespace,
      name: opts.leaseName ?? 'slipway-controller',
      identity,
      ...opts.lease,
      onStartedLeading: (signal) => {
        opts.logger.info({ identity }, 'leading');
        this.leading = this.leading
          .then(() => LeaderSession.start(opts, identity, signal, this.metrics))
          .then((s) => ((this.session = signal.aborted ? undefined : s), s))
          .catch((err: unknown) => {
            opts.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not start leading; stepping down');
            void this.restartElection();
            return undefined;
          });
      },
      onStoppedLeading: () => {
        opts.logger.warn('stopped leading');
        this.session = undefined;
        this.leading = this.leading.then(async (s) => (await s?.stop(), undefined));
      },
      onError: (err) => opts.logger.warn({ err: err.message }, 'leader election'),
    });
  }

  /** Checks that Redis answers (a clear error if not), then campaigns for the Lease. */
  static async start(options: ControllerOptions): Promise<Controller> {
    const opts = { ...options, kubeConfig: PooledKubeConfig.from(options.kubeConfig) };
    const probe = await ClusterQueue.open({ connection: opts.redis, queueName: opts.queueName ?? DEFAULT_QUEUE, ...(opts.keyPrefix ? { keyPrefix: opts.keyPrefix } : {}) });
    await probe.close();
    const controller = new Controller(opts);
    controller.elector.start();
    return controller;
  }

  private async restartElection(): Promise<void> {
    await this.elector.stop({ release: true });
    this.elector.start();
  }

  /** Liveness: the election loop is running and its last attempt is recent (a hung API call stops it). */
  unhealthy(): string | undefined {
    if (this.stopped) return 'stopped';
    if (!this.elector.isRunning) return 'leader election is not running';
    const staleMs = 2 * (this.opts.lease?.leaseDurationMs ?? 15_000);
    const age = Date.now() - this.elector.lastAttemptAt;
    return age > staleMs ? `no leader-election attempt for ${Math.round(age / 1000)} s` : undefined;
  }

  /** Readiness: healthy, and if leading, its informers synced. A standby is ready: it is a healthy standby. */
  notReady(): string | undefined {
    const unhealthy = this.unhealthy();
    if (unhealthy) return unhealthy;
    return this.elector.isLeader && !this.session ? 'leading; informers not synced yet' : undefined;
  }

  /** Stops reconciling and releases the Lease; running Jobs go on and the next leader resumes them. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.elector.stop({ release: true });
    const session = await this.leading;
    await session?.stop();
    this.opts.kubeConfig.destroy();
    this.leaseKubeConfig.destroy();
  }
}

export const DEFAULT_QUEUE = 'slipway-operations';
// Each running operation holds a queue job, its observation and, at its end, its pod's log: at
// 1000 at once the controller peaked at 362 MiB (bench/fleet.ts, 1000 clusters), at 200 at
// 299 MiB with the same throughput, which the Job controller of kube-controller-manager bounds.
export const DEFAULT_JOB_CONCURRENCY = 200;
const RECONCILE_CONCURRENCY = 64;
export const DEFAULT_LOCAL_CONCURRENCY = 4;

/** Everything the leader runs; built on becoming leader, stopped on losing the Lease. */
class LeaderSession {
  private stopped = false;
  /** One reconcile at a time per operation uid. */
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * The generation (spec version) of each operation when this session last reconciled it: an
   * update that leaves it (a status written) needs no queueing again.
   */
  private readonly reconciledAt = new Map<string, number | undefined>();
  /**
   * Reconciles in flight at once: a leader that starts over thousands of operations (or sees a
   * turn change hands in front of many) reconciles them a few dozen at a time, not all at once.
   */
  private readonly limiter = new Limiter(RECONCILE_CONCURRENCY);
  /** Failed reconciles are retried with capped, jittered exponential backoff per operation. */
  private readonly retries = new RetrySchedule();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private convergence: ConvergenceWriter | undefined;
  private backups: BackupScheduler | undefined;

  private constructor(
    private readonly opts: ControllerOptions,
    private readonly scope: ControllerScope,
    private readonly queue: ClusterQueue,
    private readonly worker: ClusterQueueWorker<TurnOutcome>,
    private readonly operations: ResilientInformer<ClusterOperation>,
    private readonly clusters: ResilientInformer<Cluster>,
    private readonly metrics: ControllerMetrics,
    private readonly deletion: ClusterDeletion,
    readonly observer: ClusterObserver,
  ) {}

  static async start(opts: ControllerOptions, identity: string, signal: AbortSignal, metrics: ControllerMetrics): Promise<LeaderSession> {
    const logger = opts.logger;
    const custom = opts.kubeConfig.makeApiClient(CustomObjectsApi);
    const queueName = opts.queueName ?? DEFAULT_QUEUE;
    const prefix = opts.keyPrefix ? { keyPrefix: opts.keyPrefix } : {};
    const images = opts.jobImages ?? defaultJobImagePolicy(opts.jobImage);
    const jobs =
      opts.executor === 'job'
        ? new JobExecutor({
            kubeConfig: opts.kubeConfig,
            namespace: opts.namespace,
            images,
            logger,
            ...(opts.jobResources ? { resources: opts.jobResources } : {}),
            ...(opts.jobPod ? { pod: opts.jobPod } : {}),
            ...(opts.readPodLogs === false ? { readLogs: false } : {}),
          })
        : undefined;
    const executor = jobs ?? new LocalExecutor({ ...opts.local, builtinDir: opts.builtinDir, logger });
    const operations = new ResilientInformer<ClusterOperation>({
      kubeConfig: opts.kubeConfig,
      path: `/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`,
      list: () => listInPages((page) => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, limit: page.limit, _continue: page.continue }) as Promise<KubernetesListObject<ClusterOperation>>, withoutBookkeeping),
      slim: withoutBookkeeping,
    });
    const clusters = new ResilientInformer<Cluster>({
      kubeConfig: opts.kubeConfig,
      path: `/apis/${GROUP}/${VERSION}/${CLUSTER_PLURAL}`,
      list: () => listInPages((page) => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, limit: page.limit, _continue: page.continue }) as Promise<KubernetesListObject<Cluster>>, withoutBookkeeping),
      slim: withoutBookkeeping,
    });
    const self: { session?: LeaderSession } = {};
    const runs = new RunRegistry();
    const kube = new KubeSource(opts.kubeConfig);
    const scope: ControllerScope = {
      source: new WatchedNamespacesSource(new ClusterCacheSource(kube, (name) => clusters.get(name)), opts.watchNamespaces),
      builtinDir: opts.builtinDir,
      // A Job's image is part of the plan: a refused spec.image fails the operation before any Job.
      operator: jobs ? { ...opts.operator, jobImages: images } : opts.operator,
      executor,
      ...(jobs ? { jobs } : {}),
      status: new StatusWriter(opts.kubeConfig, opts.logNamespace ?? opts.namespace),
      kubeconfigs: new KubeconfigStore(opts.kubeConfig, opts.namespace),
      events: new KubeEvents(opts.kubeConfig, { namespace: opts.eventNamespace ?? 'default', instance: identity, logger }),
      custom,
      historyLimit: opts.historyLimit,
      logger,
      metrics,
      operations: () => operations.list(),
      waitingShown: new Map(),
      logs: { core: opts.kubeConfig.makeApiClient(CoreV1Api), namespace: opts.logNamespace ?? opts.namespace },
      runs,
      ...(opts.sharedHosts === 'refuse' ? { hostClaims: new HostClaims((name, uid) => clusters.get(name)?.metadata.uid === uid) } : {}),
      observeCluster: (cluster) => self.session?.observer.observeSoon(cluster),
      ...(opts.admission !== 'off' ? { admission: { ...opts.admission, review: accessReviewer(opts.kubeConfig) } } : {}),
    };
    const queue = await ClusterQueue.open({ connection: opts.redis, queueName, ...prefix });
    if (jobs) await jobs.start();
    const worker = await ClusterQueueWorker.start<TurnOutcome>({
      connection: opts.redis,
      queueName,
      ...prefix,
      concurrency: opts.concurrency ?? (opts.executor === 'job' ? DEFAULT_JOB_CONCURRENCY : DEFAULT_LOCAL_CONCURRENCY),
      handlers: { run: (ref, s) => runTurn(scope, ref, s), onResume: (ref, s) => resumeTurn(scope, ref, s) },
      onError: (err) => logger.warn({ err: err.message }, 'queue worker'),
      onTurnFailed: (ref, err, attempt) => logger.warn({ cluster: ref.cluster, operation: ref.name, attempt, err: err.message }, 'turn failed; resuming it after a backoff'),
    });
    const deletion = new ClusterDeletion({
      kubeConfig: opts.kubeConfig,
      namespace: opts.namespace,
      registry: runs,
      queue,
      status: scope.status,
      events: scope.events,
      operations: () => operations.list(),
      jobs: jobs !== undefined,
      logger,
    });
    const status = scope.status;
    const observer = new ClusterObserver({
      kubeConfig: opts.kubeConfig,
      namespace: opts.namespace,
      clusters: () => clusters.list(),
      writeStatus: (name, uid, s, rv) => status.cluster(name, uid, s, rv),
      event: (c, type, reason, message) => scope.events.record(clusterTarget(c.metadata.name!, c.metadata.uid), type, reason, message),
      logger,
      ...opts.observe,
    });
    const session = new LeaderSession(opts, scope, queue, worker, operations, clusters, metrics, deletion, observer);
    self.session = session;
    signal.addEventListener('abort', () => void session.stop(), { once: true });
    await session.watch();
    return session;
  }

  private async watch(): Promise<void> {
    const ops = this.operations;
    for (const informer of [this.operations, this.clusters]) informer.onError((err) => this.opts.logger.warn({ err: err.message }, 'informer restarting'));
    await Promise.all([ops.start(), this.clusters.start()]);
    this.metrics.observeOperations(() => ops.list());
    this.metrics.observeClusters(() => this.clusters.list());
    this.observer.start();
    // Everything unfinished in one call, so each cluster's line starts with its oldest operation.
    const unfinished = ops.list().filter((op) => !isFinished(op) && !op.metadata.deletionTimestamp);
    const refs = unfinished.flatMap((op) => {
      try {
        return [operationRefOf(op)];
      } catch {
        return [];
      }
    });
    if (refs.length > 0) await this.queue.enqueue(refs);
    for (const op of unfinished) this.reconcile(op);
    ops.onAdd((op) => this.reconcile(op));
    ops.onUpdate((op) => {
      const uid = op.metadata.uid ?? '';
      if (cancelRequest(op) && !isFinished(op)) this.cancel(op);
      if (!this.reconciledAt.has(uid) || this.reconciledAt.get(uid) !== op.metadata.generation) this.reconcile(op);
    });
    ops.onDelete((op) => {
      this.reconciledAt.delete(op.metadata.uid ?? '');
      this.scope.waitingShown.delete(op.metadata.uid ?? '');
      this.forget(op);
    });
    // Added while the backlog was queued, before there were handlers: their events are gone.
    const queued = new Set(unfinished.map((op) => op.metadata.uid));
    for (const op of ops.list()) if (!queued.has(op.metadata.uid) && !isFinished(op) && !op.metadata.deletionTimestamp) this.reconcile(op);
    // A Cluster created or changed after its operations: look at them again.
    this.clusters.onAdd((c) => this.refreshCluster(c.metadata?.name ?? ''));
    // A Cluster being deleted: its operations stop first (cluster-deletion.ts).
    for (const c of this.clusters.list()) this.stopDeleted(c);
    this.clusters.onAdd((c) => this.stopDeleted(c));
    this.clusters.onUpdate((c) => this.stopDeleted(c));
    const declarative = this.opts.declarative ?? {};
    const status = this.scope.status;
    this.convergence = new ConvergenceWriter({
      clusters: () => this.clusters.list(),
      source: this.scope.source,
      writeStatus: (name, uid, s, rv) => status.cluster(name, uid, s, rv),
      intervalMs: declarative.intervalMs ?? 60_000,
      diff: { availableVersions: declarative.availableVersions ?? [], maxRemovalsWithoutApproval: declarative.maxRemovalsWithoutApproval ?? 1 },
      auto: new AutoOperations({
        custom: this.scope.custom,
        operations: () => this.operations.list(),
        ...(this.opts.admission !== 'off' ? { key: this.opts.admission.key } : {}),
        logger: this.opts.logger,
      }),
      logger: this.opts.logger,
    });
    this.convergence.start();
    this.clusters.onAdd((c) => this.convergence?.clusterChanged(c));
    this.clusters.onUpdate((c) => this.convergence?.clusterChanged(c));
    this.backups = new BackupScheduler({
      clusters: () => this.clusters.list(),
      operations: () => this.operations.list(),
      create: (body) => this.scope.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body }),
      event: (c, type, reason, message) => this.scope.events.record(clusterTarget(c.metadata.name!, c.metadata.uid), type, reason, message),
      ...(this.opts.backupTickMs ? { tickMs: this.opts.backupTickMs } : {}),
      logger: this.opts.logger,
    });
    this.backups.start();
  }

  private stopDeleted(cluster: Cluster): void {
    if (this.stopped || !cluster.metadata.deletionTimestamp) return;
    this.deletion.handle(cluster).catch((err: unknown) => {
      this.opts.logger.warn({ cluster: cluster.metadata.name, err: err instanceof Error ? err.message : String(err) }, 'stopping the operations of a deleted Cluster failed; retrying');
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        const latest = this.clusters.get(cluster.metadata.name ?? '');
        if (latest && latest.metadata.uid === cluster.metadata.uid) this.stopDeleted(latest);
      }, 5_000);
      timer.unref();
      this.retryTimers.add(timer);
    });
  }

  /**
   * A cancel request (annotation or deletion): a run of this process is stopped (its Job deleted
   * with its pods) and its turn writes Cancelled once the run has ended; a queued one leaves its
   * cluster's line now. A run another process started sees the request when its turn resumes here.
   */
  private cancel(op: ClusterOperation): void {
    const reason = cancelRequest(op);
    if (!reason) return;
    const run = this.scope.runs?.cancel(op.metadata.uid ?? '', reason);
    if (run) {
      if (run.abort.signal.aborted) return;
      const stopJob = this.scope.jobs ? this.deletion.deleteJob(op) : Promise.resolve();
      stopJob
        .catch((err: unknown) => this.opts.logger.warn({ operation: op.metadata.name, err: err instanceof Error ? err.message : String(err) }, 'could not delete the Job of a cancelled operation'))
        .finally(() => run.abort.abort(new OperationCancelledError(reason)));
      return;
    }
    this.serially(op, () =>
      this.withLatest(op, async (latest) => {
        if (isFinished(latest) || latest.status?.status === 'Running') return;
        try {
          await this.queue.forget(operationRefOf(latest));
        } catch (err) {
          // Its turn began meanwhile: the turn sees the request before it dispatches anything.
          if (err instanceof OperationStartedError) return;
          throw err;
        }
        await cancelUnstarted(this.scope, latest, reason);
      }),
    );
  }

  /** The Cluster appeared (maybe after its operations): they are queued, and show Waiting if they wait. */
  refreshCluster(cluster: string): void {
    for (const op of this.operations.list()) {
      if (op.spec.cluster !== cluster || isFinished(op)) continue;
      if (!this.reconciledAt.has(op.metadata.uid ?? '')) this.reconcile(op);
      else this.serially(op, () => this.withLatest(op, (latest) => reconcileWaiting(this.scope, this.queue, latest)));
    }
  }

  private reconcile(op: ClusterOperation): void {
    this.serially(op, () =>
      this.withLatest(op, async (latest) => {
        if (await reconcileQueued(this.scope, this.queue, latest)) this.reconciledAt.set(latest.metadata.uid ?? '', latest.metadata.generation);
      }),
    );
  }

  /** Acts on the newest copy of `op` the informer holds, if it is still that operation. */
  private withLatest(op: ClusterOperation, work: (latest: ClusterOperation) => Promise<void>): Promise<void> {
    const latest = this.operations.get(op.metadata.name ?? '') ?? op;
    return latest.metadata.uid === op.metadata.uid ? work(latest) : Promise.resolve();
  }

  private forget(op: ClusterOperation): void {
    this.serially(op, async () => {
      try {
        await this.queue.forget(operationRefOf(op));
      } catch (err) {
        // A started one ends when its Job goes (deleted with it); the turn passes on then.
        if (!(err instanceof OperationStartedError)) throw err;
      }
    });
  }

  private serially(op: ClusterOperation, work: () => Promise<void>): void {
    if (this.stopped) return;
    const key = op.metadata.uid ?? op.metadata.name ?? '';
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.limiter.run(work))
      .then(
        () => this.retries.succeeded(key),
        (err: unknown) => {
          const delayMs = this.retries.failed(key);
          this.opts.logger.warn({ operation: op.metadata.name, err: errorMessage(err), retryInMs: delayMs }, 'reconcile failed; retrying');
          if (this.stopped) return;
          const timer = setTimeout(() => {
            this.retryTimers.delete(timer);
            // The same work again: a reconcile reads the newest copy, a forget forgets again.
            this.serially(op, work);
          }, delayMs);
          timer.unref();
          this.retryTimers.add(timer);
        },
      )
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.metrics.observeOperations(undefined);
    this.metrics.observeClusters(undefined);
    await Promise.all([this.observer.stop(), this.convergence?.stop(), this.backups?.stop()]);
    await Promise.allSettled([this.operations.stop(), this.clusters.stop()]);
    // Running Jobs go on; the next leader's worker resumes their turns.
    await this.worker.close({ abandon: true });
    await this.queue.close();
    await this.scope.jobs?.stop();
  }
}
