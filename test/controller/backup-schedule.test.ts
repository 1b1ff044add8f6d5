import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setHeaderOptions } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../../src/api/types.js';
import { BACKUP_KEEP_ANNOTATION, BACKUP_SCHEDULE_ANNOTATION, SCHEDULED_BACKUP_LABEL, backupDecision, backupOverdue, backupScheduleOf, scheduledBackupOperation } from '../../src/backups/backup-schedule.js';
import { clusterFixture, custom, eventually, startController, testLifecycle } from './controller-harness.js';

const cluster = (annotations: Record<string, string>): Cluster => ({ apiVersion: 'kubean.io/v1alpha1', kind: 'Cluster', metadata: { name: 'c1', annotations }, spec: {} as Cluster['spec'] });
const backup = (name: string, createdMs: number, status?: string): ClusterOperation => ({
  apiVersion: 'kubean.io/v1alpha1',
  kind: 'ClusterOperation',
  metadata: { name, creationTimestamp: new Date(createdMs), labels: { [SCHEDULED_BACKUP_LABEL]: 'true' } },
  spec: { cluster: 'c1', actionType: 'playbook', action: 'backup-etcd.yml' },
  ...(status ? { status: { status } as ClusterOperation['status'] } : {}),
});

describe('backup schedule (pure)', () => {
  const table: Array<[Record<string, string>, unknown]> = [
    [{}, undefined],
    [{ [BACKUP_SCHEDULE_ANNOTATION]: '@daily' }, { everyMs: 86_400_000, keep: 7 }],
    [{ [BACKUP_SCHEDULE_ANNOTATION]: '@hourly', [BACKUP_KEEP_ANNOTATION]: '3' }, { everyMs: 3_600_000, keep: 3 }],
    [{ [BACKUP_SCHEDULE_ANNOTATION]: '24h' }, { everyMs: 86_400_000, keep: 7 }],
    [{ [BACKUP_SCHEDULE_ANNOTATION]: '90m' }, { everyMs: 5_400_000, keep: 7 }],
    [{ [BACKUP_SCHEDULE_ANNOTATION]: '0 3 * * *' }, 'problem'],
    [{ [BACKUP_SCHEDULE_ANNOTATION]: '0s' }, 'problem'],
    [{ [BACKUP_SCHEDULE_ANNOTATION]: '@daily', [BACKUP_KEEP_ANNOTATION]: '0' }, 'problem'],
    [{ [BACKUP_SCHEDULE_ANNOTATION]: '@daily', [BACKUP_KEEP_ANNOTATION]: 'seven' }, 'problem'],
  ];
  for (const [annotations, want] of table) {
    it(`${JSON.stringify(annotations)} → ${JSON.stringify(want)}`, () => {
      const got = backupScheduleOf(cluster(annotations));
      if (want === 'problem') assert.ok(got && 'problem' in got, JSON.stringify(got));
      else assert.deepEqual(got && 'schedule' in got ? got.schedule : got, want);
    });
  }

  it('is due with none, not on top of an unfinished one, again one interval after the newest', () => {
    const s = { everyMs: 60_000, keep: 2 };
    assert.deepEqual(backupDecision(s, [], 0), { kind: 'due' });
    assert.deepEqual(backupDecision(s, [backup('b1', 0)], 600_000), { kind: 'in-progress', operation: 'b1' });
    assert.deepEqual(backupDecision(s, [backup('b1', 0, 'Failed')], 30_000), { kind: 'later', atMs: 60_000 });
    assert.deepEqual(backupDecision(s, [backup('b1', 0, 'Succeeded')], 60_000), { kind: 'due' });
  });

  it('is overdue when nothing succeeded within two intervals', () => {
    const s = { everyMs: 60_000, keep: 2 };
    assert.equal(backupOverdue(s, [], 1e9), undefined);
    assert.equal(backupOverdue(s, [backup('b2', 100_000, 'Failed'), backup('b1', 0, 'Succeeded')], 110_000), undefined);
    assert.deepEqual(backupOverdue(s, [backup('b3', 200_000, 'Failed'), backup('b2', 100_000, 'Failed'), backup('b1', 0, 'Succeeded')], 200_000), { sinceMs: 200_000 });
  });

  it('builds an ordinary backup-etcd.yml operation with the retention, labelled as scheduled', () => {
    const op = scheduledBackupOperation(cluster({ [BACKUP_SCHEDULE_ANNOTATION]: '@daily' }), { everyMs: 1, keep: 4 }, Date.parse('2026-12-07T22:15:00.5Z'));
    assert.equal(op.metadata.name, 'c1-backup-20261207t221500');
    assert.equal(op.metadata.labels?.[SCHEDULED_BACKUP_LABEL], 'true');
    assert.deepEqual(op.spec, { cluster: 'c1', actionType: 'playbook', action: 'backup-etcd.yml', extraArgs: '-e etcd_backup_retention_count=4' });
  });
});

describe('scheduled backups in the controller (real apiserver, Redis, Job executor)', () => {
  const { cleanups, running } = testLifecycle();

  const backupsOf = async (name: string): Promise<ClusterOperation[]> => {
    const list = (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, labelSelector: SCHEDULED_BACKUP_LABEL })) as { items: ClusterOperation[] };
    return list.items.filter((op) => op.spec.cluster === name).sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  };

  it('creates backup-etcd.yml operations every interval, one at a time, each run through the queue', async () => {
    const { ns, cluster: name } = await clusterFixture('bkp', cleanups);
    cleanups.push(async () => {
      for (const op of await backupsOf(name)) await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: op.metadata.name! }).catch(() => undefined);
    });
    await custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name, body: { metadata: { annotations: { [BACKUP_SCHEDULE_ANNOTATION]: '4s', [BACKUP_KEEP_ANNOTATION]: '2' } } } },
      setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    await startController(ns, running, { backupTickMs: 500 });
    const ops = await eventually('two scheduled backups finished', async () => {
      const list = await backupsOf(name);
      return list.filter((op) => op.status?.status === 'Succeeded').length >= 2 ? list : undefined;
    }, 90_000);
    for (const op of ops) {
      assert.equal(op.spec.action, 'backup-etcd.yml');
      assert.equal(op.spec.extraArgs, '-e etcd_backup_retention_count=2');
    }
    const done = ops.filter((op) => op.status?.endTime);
    for (let i = 1; i < done.length; i++) {
      const gap = Date.parse(String(done[i]!.metadata.creationTimestamp)) - Date.parse(String(done[i - 1]!.metadata.creationTimestamp));
      assert.ok(gap >= 4_000, `created at least one interval apart (${gap} ms)`);
      assert.ok(Date.parse(String(done[i]!.metadata.creationTimestamp)) >= Date.parse(String(done[i - 1]!.status!.endTime)) - 1_000, 'the next one only after the previous ended');
    }
  });
});
