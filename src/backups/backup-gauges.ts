/**
 * The scheduled backups' gauges, computed at scrape time from the leader's stores:
 * slipway_backup_overdue (1 when no scheduled backup succeeded within two intervals) and
 * slipway_backup_last_success_timestamp_seconds, per Cluster with a schedule.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Cluster, ClusterOperation } from '../api/types.js';
import { backupOverdue, backupScheduleOf, scheduledBackups } from './backup-schedule.js';

export function registerBackupGauges(registry: Registry, clusters: () => readonly Cluster[], ops: () => readonly ClusterOperation[]): void {
  const scheduled = () =>
    clusters().flatMap((c) => {
      const s = backupScheduleOf(c);
      return s && 'schedule' in s ? [{ cluster: c, schedule: s.schedule, backups: scheduledBackups(c, ops()) }] : [];
    });
  new Gauge({
    name: 'slipway_backup_overdue',
    help: 'Per Cluster with slipway.io/backup-schedule: 1 when no scheduled etcd backup succeeded within two intervals, else 0',
    labelNames: ['cluster'],
    registers: [registry],
    collect() {
      this.reset();
      const now = Date.now();
      for (const s of scheduled()) this.set({ cluster: s.cluster.metadata.name! }, backupOverdue(s.schedule, s.backups, now) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'slipway_backup_last_success_timestamp_seconds',
    help: 'Per Cluster with slipway.io/backup-schedule: when its newest successful scheduled etcd backup was created (absent: none yet)',
    labelNames: ['cluster'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of scheduled()) {
        const ok = s.backups.find((op) => op.status?.status === 'Succeeded');
        if (ok) this.set({ cluster: s.cluster.metadata.name! }, new Date(ok.metadata.creationTimestamp ?? 0).getTime() / 1000);
      }
    },
  });
}
