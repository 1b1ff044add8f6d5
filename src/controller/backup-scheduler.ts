/**
 * Creates the scheduled etcd backups (src/backups/backup-schedule.ts): every tick, for each
 * Cluster with slipway.io/backup-schedule, a backup-etcd.yml ClusterOperation when one is due;
 * it then takes its turn in the cluster's queue like any other. Warning Events on the Cluster
 * when a scheduled backup fails (once per operation), when backups are overdue (once until one
 * succeeds again) and when the annotation is not a schedule (once per value).
 */
import type { Logger } from 'pino';
import type { Cluster, ClusterOperation } from '../api/types.js';
import { backupDecision, backupOverdue, backupScheduleOf, scheduledBackupOperation, scheduledBackups } from '../backups/backup-schedule.js';
import type { EventType } from './kube-events.js';

export interface BackupSchedulerOptions {
  clusters: () => readonly Cluster[];
  operations: () => readonly ClusterOperation[];
  create: (op: ClusterOperation) => Promise<unknown>;
  event: (cluster: Cluster, type: EventType, reason: string, message: string) => Promise<void>;
  /** How often schedules are looked at; default 10 s. */
  tickMs?: number;
  logger: Logger;
  now?: () => number;
}

export class BackupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;
  /** What was already reported, so each Event is recorded once (per leader). */
  private readonly reported = new Set<string>();
  /** When this process last created one per Cluster: the informer may not show it on the next tick yet. */
  private readonly createdAt = new Map<string, number>();

  constructor(private readonly opts: BackupSchedulerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 10_000);
    this.timer.unref();
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.pass;
  }

  /** One pass at a time: a slow apiserver delays backups, it does not pile them up. */
  tick(): Promise<void> {
    this.pass = this.pass
      .then(async () => {
        for (const c of this.opts.clusters()) if (!this.stopped && !c.metadata.deletionTimestamp) await this.schedule(c);
      })
      .catch((err: unknown) => this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'scheduled backups'));
    return this.pass;
  }

  private async schedule(cluster: Cluster): Promise<void> {
    const of = backupScheduleOf(cluster);
    if (of === undefined) return;
    const uid = cluster.metadata.uid ?? cluster.metadata.name ?? '';
    if ('problem' in of) {
      await this.once(`${uid}/problem/${of.problem}`, cluster, 'BackupScheduleInvalid', of.problem);
      return;
    }
    const now = (this.opts.now ?? Date.now)();
    const backups = scheduledBackups(cluster, this.opts.operations());
    for (const failed of backups.filter((op) => op.status?.status === 'Failed')) {
      await this.once(`${failed.metadata.uid}/failed`, cluster, 'BackupFailed', `scheduled etcd backup ${failed.metadata.name} failed${failed.status?.message ? `: ${failed.status.message}` : ''}`);
    }
    const overdue = backupOverdue(of.schedule, backups, now);
    const overdueKey = `${uid}/overdue`;
    if (overdue) await this.once(overdueKey, cluster, 'BackupOverdue', `no scheduled etcd backup succeeded for ${Math.round(overdue.sinceMs / 1000)} s (schedule every ${of.schedule.everyMs / 1000} s)`);
    else this.reported.delete(overdueKey);
    if (backupDecision(of.schedule, backups, now).kind !== 'due') return;
    if (now - (this.createdAt.get(uid) ?? -Infinity) < of.schedule.everyMs) return;
    const op = scheduledBackupOperation(cluster, of.schedule, now);
    await this.opts.create(op);
    this.createdAt.set(uid, now);
    this.opts.logger.info({ cluster: cluster.metadata.name, operation: op.metadata.name }, 'scheduled etcd backup created');
  }

  private async once(key: string, cluster: Cluster, reason: string, message: string): Promise<void> {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    await this.opts.event(cluster, 'Warning', reason, message);
  }
}
