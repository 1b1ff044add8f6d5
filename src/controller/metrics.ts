/**
 * The controller's Prometheus metrics, in a registry of its own (two controllers in one process
 * never share series). Gauges are computed at scrape time from the leader's informer store;
 * histograms are observed by the operation phases. A standby has no store: its gauges are empty.
 */
import { readFileSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerBackupGauges } from '../backups/backup-gauges.js';
import { CLUSTER_PHASES, type Cluster, type ClusterOperation } from '../api/types.js';
import { CERTIFICATES_EXPIRY, CERTIFICATE_WARNING_DAYS } from '../observe/cluster-conditions.js';
import { isFinished } from './history.js';

/** Seconds an operation runs; from a quick check to a large cluster's upgrade. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400];
/** The phase label of a Cluster with none yet. */
const NO_PHASE = 'None';
/** How an operation ended, for slipway_operations_total{result}. */
export type OperationResultLabel = 'Succeeded' | 'Failed' | 'Cancelled' | 'Rejected';

/** package.json's version (it ships beside dist/ in the controller's image). */
function buildVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Seconds; from sub-second to an hour (dispatch waits for its cluster's turn). */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class ControllerMetrics {
  readonly registry = new Registry();
  /** Operation created → its Job (or local run) dispatched, observed once per operation. */
  readonly dispatchLatency: Histogram;
  /** The run ended (Job completion / pod termination time) → the final status written. */
  readonly statusUpdateLatency: Histogram;
  /** Operations ended, by kind of action (install, upgrade… other) and result. */
  readonly operationsTotal: Counter<'action' | 'result'>;
  /** How long operations ran (the run's start to its end), by kind of action and result. */
  readonly operationDuration: Histogram<'action' | 'result'>;
  private operations: () => readonly ClusterOperation[] = () => [];
  private clusters: () => readonly Cluster[] = () => [];
  private leader: () => boolean = () => false;

  constructor() {
    const registers = [this.registry];
    const ops = (): readonly ClusterOperation[] => this.operations();
    const clusters = (): readonly Cluster[] => this.clusters();
    const leader = (): boolean => this.leader();
    new Gauge({
      name: 'slipway_build_info',
      help: 'Always 1; the version label says which Slipway runs',
      labelNames: ['version'],
      registers,
    }).set({ version: buildVersion() }, 1);
    new Gauge({
      name: 'slipway_leader',
      help: '1 while this replica holds the leader Lease, else 0',
      registers,
      collect() {
        this.set(leader() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'slipway_clusters',
      help: `Clusters in the leader's informer store, by status.phase ("${NO_PHASE}" = no phase yet); every phase has a series`,
      labelNames: ['phase'],
      registers,
      collect() {
        this.reset();
        if (!leader()) return;
        const counts = new Map<string, number>([...CLUSTER_PHASES, NO_PHASE].map((p) => [p, 0]));
        for (const c of clusters()) {
          const phase = c.status?.phase ?? NO_PHASE;
          counts.set(phase, (counts.get(phase) ?? 0) + 1);
        }
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
    new Gauge({
      name: 'slipway_queue_depth',
      help: 'Unfinished ClusterOperations in the leader\'s informer store, by state: waiting (for their turn, or not started) or running',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        if (!leader()) return;
        let waiting = 0;
        let running = 0;
        for (const op of ops()) {
          if (isFinished(op) || op.metadata.deletionTimestamp) continue;
          if (op.status?.status === 'Running') running++;
          else waiting++;
        }
        this.set({ state: 'waiting' }, waiting);
        this.set({ state: 'running' }, running);
      },
    });
    this.operationsTotal = new Counter({
      name: 'slipway_operations_total',
      help: 'ClusterOperations ended, by kind of action (install, scale-out, scale-in, upgrade, reset, other) and result (Succeeded, Failed, Rejected)',
      labelNames: ['action', 'result'],
      registers,
    });
    this.operationDuration = new Histogram({
      name: 'slipway_operation_duration_seconds',
      help: 'How long ClusterOperations ran, from the start of their run to its end, by kind of action and result',
      labelNames: ['action', 'result'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'slipway_cluster_operations',
      help: 'ClusterOperations in the leader\'s informer store, by status ("" = not started yet)',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const op of ops()) counts.set(op.status?.status ?? '', (counts.get(op.status?.status ?? '') ?? 0) + 1);
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
    /** One series per Cluster in the leader's store, valued by `value` (undefined: no series). */
    const perCluster = (name: string, help: string, value: (c: Cluster) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['cluster'],
        registers,
        collect() {
          this.reset();
          if (!leader()) return;
          for (const c of clusters()) {
            const v = value(c);
            if (v !== undefined) this.set({ cluster: c.metadata.name ?? '' }, v);
          }
        },
      });
    perCluster(
      'slipway_cluster_certificates_expiry_timestamp_seconds',
      'When the nearest certificate observed on each cluster expires (status.certificatesExpiry), in Unix seconds; alert on it minus time()',
      (c) => {
        const at = Date.parse(c.status?.certificatesExpiry ?? '');
        return Number.isFinite(at) ? at / 1000 : undefined;
      },
    );
    perCluster(
      'slipway_cluster_certificates_expiring',
      `1 for a cluster whose nearest certificate expires within ${CERTIFICATE_WARNING_DAYS} days or has expired (its CertificatesExpiry condition False), else 0`,
      (c) => {
        const cond = c.status?.clusterConditions?.find((x) => x.type === CERTIFICATES_EXPIRY);
        return cond ? (cond.status === 'False' ? 1 : 0) : undefined;
      },
    );
    new Gauge({
      name: 'slipway_queue_waiting_operations',
      help: 'Unfinished ClusterOperations per cluster that are not running (waiting for their turn or not started yet)',
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const op of ops()) {
          if (isFinished(op) || op.status?.status === 'Running' || op.metadata.deletionTimestamp) continue;
          counts.set(op.spec.cluster, (counts.get(op.spec.cluster) ?? 0) + 1);
        }
        for (const [cluster, n] of counts) this.set({ cluster }, n);
      },
    });
    this.dispatchLatency = new Histogram({
      name: 'slipway_dispatch_latency_seconds',
      help: 'From a ClusterOperation\'s creation to its Job (or local run) being created',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    registerBackupGauges(this.registry, () => (leader() ? clusters() : []), ops);
    this.statusUpdateLatency = new Histogram({
      name: 'slipway_status_update_latency_seconds',
      help: 'From the end of an operation\'s run (Job/pod terminal) to its final status being written',
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** The store the gauges read; undefined while this replica is not leading. */
  observeOperations(list: (() => readonly ClusterOperation[]) | undefined): void {
    this.operations = list ?? (() => []);
  }

  /** The Clusters the phase gauge counts; undefined while this replica is not leading. */
  observeClusters(list: (() => readonly Cluster[]) | undefined): void {
    this.clusters = list ?? (() => []);
  }

  /** Whether this replica leads (slipway_leader). */
  observeLeader(isLeader: () => boolean): void {
    this.leader = isLeader;
  }

  /** An operation ended: counted by kind and result, and its run's length observed when it ran. */
  operationEnded(action: string, result: OperationResultLabel, seconds?: number): void {
    this.operationsTotal.inc({ action, result });
    if (seconds !== undefined) this.operationDuration.observe({ action, result }, seconds);
  }

  /**
   * Seconds from `since` (an apiserver time, whole seconds) to `now`; undefined when `since` is
   * missing. A time ahead of this clock (skew) counts as 0 rather than being dropped.
   */
  static secondsSince(since: string | Date | undefined, now = Date.now()): number | undefined {
    if (since === undefined) return undefined;
    const t = since instanceof Date ? since.getTime() : Date.parse(since);
    return Number.isNaN(t) ? undefined : Math.max(0, now - t) / 1000;
  }
}
