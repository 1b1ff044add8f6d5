/**
 * Scheduled etcd backups, asked for per Cluster with annotations: `slipway.io/backup-schedule`
 * (`@hourly`, `@daily`, `@weekly`, or an interval such as `24h`, `90m`, `30s`) and
 * `slipway.io/backup-keep` (snapshots kept on the control plane, 1–100, default 7). Each backup
 * is an ordinary backup-etcd.yml ClusterOperation labelled `slipway.io/scheduled-backup`; what is
 * due is decided here from the Cluster and its operations. Pure.
 */
import type { Cluster, ClusterOperation } from '../api/types.js';

export const BACKUP_SCHEDULE_ANNOTATION = 'slipway.io/backup-schedule';
export const BACKUP_KEEP_ANNOTATION = 'slipway.io/backup-keep';
export const SCHEDULED_BACKUP_LABEL = 'slipway.io/scheduled-backup';
export const BACKUP_PLAYBOOK = 'backup-etcd.yml';
export const DEFAULT_BACKUP_KEEP = 7;
/** Shorter intervals would keep the cluster's queue busy with backups. */
const MIN_INTERVAL_MS = 1_000;

const NAMED: Readonly<Record<string, number>> = { '@hourly': 3_600_000, '@daily': 86_400_000, '@weekly': 604_800_000 };
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export interface BackupSchedule {
  everyMs: number;
  keep: number;
}

export type ScheduleOf = { schedule: BackupSchedule } | { problem: string } | undefined;

/** The Cluster's schedule; undefined without the annotation; a problem for a value that is not one. */
export function backupScheduleOf(cluster: Cluster): ScheduleOf {
  const a = cluster.metadata.annotations ?? {};
  const text = a[BACKUP_SCHEDULE_ANNOTATION]?.trim();
  if (text === undefined || text === '') return undefined;
  let everyMs = NAMED[text];
  if (everyMs === undefined) {
    const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text);
    if (!m) return { problem: `${BACKUP_SCHEDULE_ANNOTATION}: ${JSON.stringify(text)} is neither @hourly, @daily, @weekly nor an interval such as 24h, 90m or 30s` };
    everyMs = Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  if (everyMs < MIN_INTERVAL_MS) return { problem: `${BACKUP_SCHEDULE_ANNOTATION}: ${JSON.stringify(text)} is shorter than 1s` };
  const keepText = a[BACKUP_KEEP_ANNOTATION]?.trim();
  const keep = keepText === undefined || keepText === '' ? DEFAULT_BACKUP_KEEP : Number(keepText);
  if (!Number.isInteger(keep) || keep < 1 || keep > 100) return { problem: `${BACKUP_KEEP_ANNOTATION}: ${JSON.stringify(keepText)} is not a whole number from 1 to 100` };
  return { schedule: { everyMs, keep } };
}

const created = (op: ClusterOperation): number => new Date(op.metadata.creationTimestamp ?? 0).getTime();
const finished = (op: ClusterOperation): boolean => op.status?.status === 'Succeeded' || op.status?.status === 'Failed' || op.status?.status === 'Cancelled';

/** The scheduled backups of one Cluster, newest first. */
export function scheduledBackups(cluster: Cluster, ops: readonly ClusterOperation[]): ClusterOperation[] {
  return ops
    .filter((op) => op.spec.cluster === cluster.metadata.name && op.metadata.labels?.[SCHEDULED_BACKUP_LABEL] !== undefined)
    .sort((a, b) => created(b) - created(a));
}

export type BackupDecision =
  | { kind: 'due' }
  /** One is queued or running: never a second on top of it. */
  | { kind: 'in-progress'; operation: string }
  | { kind: 'later'; atMs: number };

/** Whether a backup is due at `nowMs`: when none ran yet, or the newest is at least one interval old and finished. */
export function backupDecision(schedule: BackupSchedule, backups: readonly ClusterOperation[], nowMs: number): BackupDecision {
  const newest = backups[0];
  if (!newest) return { kind: 'due' };
  if (!finished(newest)) return { kind: 'in-progress', operation: newest.metadata.name ?? '' };
  const atMs = created(newest) + schedule.everyMs;
  return nowMs >= atMs ? { kind: 'due' } : { kind: 'later', atMs };
}

/**
 * Overdue: no scheduled backup succeeded within two intervals (counted from the first
 * scheduled one, so a new schedule is not overdue at once). Returns the age of the newest
 * success in ms, or undefined when not overdue.
 */
export function backupOverdue(schedule: BackupSchedule, backups: readonly ClusterOperation[], nowMs: number): { sinceMs: number } | undefined {
  const oldest = backups[backups.length - 1];
  if (!oldest) return undefined;
  const success = backups.find((op) => op.status?.status === 'Succeeded');
  const since = success ? created(success) : created(oldest);
  return nowMs - since > 2 * schedule.everyMs ? { sinceMs: nowMs - since } : undefined;
}

/** `2026-12-07T22:15:00.123Z` → `20261207t221500`: sortable, valid in an object name. */
function stamp(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').toLowerCase();
}

/** The ordinary backup-etcd.yml operation a due backup is, labelled as scheduled. */
export function scheduledBackupOperation(cluster: Cluster, schedule: BackupSchedule, nowMs: number): ClusterOperation {
  const name = cluster.metadata.name!;
  const suffix = `-backup-${stamp(nowMs)}`;
  return {
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'ClusterOperation',
    metadata: {
      name: `${name.slice(0, 253 - suffix.length).replace(/[.-]+$/, '')}${suffix}`,
      labels: { [SCHEDULED_BACKUP_LABEL]: 'true' },
      annotations: { [BACKUP_SCHEDULE_ANNOTATION]: cluster.metadata.annotations?.[BACKUP_SCHEDULE_ANNOTATION] ?? '' },
    },
    spec: { cluster: name, actionType: 'playbook', action: BACKUP_PLAYBOOK, extraArgs: `-e etcd_backup_retention_count=${schedule.keep}` },
  };
}
