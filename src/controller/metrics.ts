/**
 * The controller's Prometheus metrics, in a registry of its own (two controllers in one process
 * never share series). Gauges are computed at scrape time from the leader's informer store;
 * histograms are observed by the operation phases. A standby has no store: its gauges are empty.
 */
import { Gauge, Histogram, Registry } from 'prom-client';
import type { ClusterOperation } from '../api/types.js';
import { isFinished } from './history.js';

/** Seconds; from sub-second to an hour (dispatch waits for its cluster's turn). */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class ControllerMetrics {
  readonly registry = new Registry();
  /** Operation created → its Job (or local run) dispatched, observed once per operation. */
  readonly dispatchLatency: Histogram;
  /** The run ended (Job completion / pod termination time) → the final status written. */
  readonly statusUpdateLatency: Histogram;
  private operations: () => readonly ClusterOperation[] = () => [];

  constructor() {
    const registers = [this.registry];
    const ops = (): readonly ClusterOperation[] => this.operations();
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
