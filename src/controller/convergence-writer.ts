/**
 * Keeps status.convergence of every Cluster whose annotation slipway.io/reconcile is Plan or
 * Auto: the operations that would take it to what its inputs say (src/desired/), computed from
 * its hosts and vars ConfigMaps and its observed status, when the Cluster changes and every
 * interval (an edit of a ConfigMap changes no Cluster). Written only when it differs. In Auto,
 * the pass also creates the plan's next operation (auto-operations.ts).
 */
import type { Logger } from 'pino';
import { InputError } from '../api/input-error.js';
import type { ObjectSource } from '../api/object-source.js';
import type { Cluster, ClusterStatus, ConvergenceStatus } from '../api/types.js';
import { clusterDiff, DiffError, type DiffOptions } from '../desired/cluster-diff.js';
import { convergenceProblem, convergenceStatus } from '../desired/convergence-status.js';
import { reconcileSwitches } from '../desired/reconcile-annotations.js';
import type { AutoOperations } from './auto-operations.js';
import { sameJson, type ClusterStatusWrite } from '../observe/cluster-observer.js';

export interface ConvergenceWriterOptions {
  clusters: () => readonly Cluster[];
  source: ObjectSource;
  writeStatus: ClusterStatusWrite;
  intervalMs: number;
  diff: DiffOptions;
  /** Carries out the plan of Clusters in Auto; undefined: Auto only shows it. */
  auto?: AutoOperations;
  logger: Logger;
}

export class ConvergenceWriter {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: ConvergenceWriterOptions) {}

  start(): void {
    this.timer = setInterval(() => this.updateAll(), this.opts.intervalMs);
    this.timer.unref();
    this.updateAll();
  }

  /** A Cluster changed (its annotations, its observed status): its plan is computed again. */
  clusterChanged(cluster: Cluster): void {
    this.enqueue(() => this.update(cluster));
  }

  /** Resolves when the plans asked for so far are computed (and written). */
  settled(): Promise<void> {
    return this.pass;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.pass;
  }

  private updateAll(): void {
    this.enqueue(async () => {
      for (const c of this.opts.clusters()) if (!this.stopped) await this.update(c);
    });
  }

  /** One pass at a time: a slow apiserver delays plans, it does not pile up requests. */
  private enqueue(work: () => Promise<void>): void {
    this.pass = this.pass.then(work).catch((err: unknown) => this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not compute a declarative plan'));
  }

  private async update(seen: Cluster): Promise<void> {
    if (this.stopped || seen.metadata.deletionTimestamp) return;
    const cluster = this.opts.clusters().find((c) => c.metadata.uid === seen.metadata.uid) ?? seen;
    const wanted = await this.convergenceOf(cluster);
    if (sameJson(wanted, cluster.status?.convergence)) return;
    const status: ClusterStatus = { ...cluster.status, convergence: wanted };
    if (!wanted) delete status.convergence;
    await this.opts.writeStatus(cluster.metadata.name!, cluster.metadata.uid, status, cluster.metadata.resourceVersion);
  }

  private async convergenceOf(cluster: Cluster): Promise<ConvergenceStatus | undefined> {
    const switches = reconcileSwitches(cluster);
    if ('problem' in switches) return convergenceProblem(cluster.metadata.annotations?.['slipway.io/reconcile'] ?? '', switches.problem);
    if (switches.mode === 'Off') return undefined;
    try {
      const diff = await clusterDiff(cluster, this.opts.source, this.opts.diff);
      const status = convergenceStatus(diff);
      if (switches.mode !== 'Auto' || !this.opts.auto) return status;
      const outcome = await this.opts.auto.advance(cluster, diff);
      return { ...status, ...(outcome.operation ? { operation: outcome.operation } : {}), ...(outcome.waiting ? { progress: outcome.waiting } : {}), ...(outcome.stopped ? { stopped: outcome.stopped } : {}) };
    } catch (err) {
      if (err instanceof InputError || err instanceof DiffError) return convergenceProblem(switches.mode, err.message);
      throw err;
    }
  }
}
