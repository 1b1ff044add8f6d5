/**
 * The etcd restore drill, shared by the lifecycle suite's step and the standalone
 * restore-drill test: a backup, a marker before and one after it, etcd's data destroyed on every
 * control plane (with the apiserver restarted on the empty store), then restore-etcd.yml.
 */
import assert from 'node:assert/strict';
import type { LabSsh } from '../lab/lab-harness.js';
import { waitForNodes, type Kubectl } from './e2e-cluster.js';
import type { Machine } from './e2e-manifests.js';
import { waitFor } from './e2e-watch.js';

export interface OperationRun {
  ok: boolean;
  /** What the operation printed (the playbook's task output included). */
  output: string;
}

export interface DrillTarget {
  kubectl: Kubectl;
  ssh: LabSsh;
  controlPlanes: Machine[];
  nodeNames: string[];
  /** Runs one operation of the cluster (slipway run, or a ClusterOperation). */
  run(name: string, action: string, extraArgs?: string): Promise<OperationRun>;
}

export interface DrillTimes {
  backupSeconds: number;
  restoreSeconds: number;
}

const SNAPSHOT_LINE = /slipway-etcd-snapshot (\{.*\})/;

/** The snapshot backup-etcd.yml reported (its JSON line), or a failure naming the output. */
export function reportedSnapshot(output: string): { name: string; size: number; status: { revision: number; totalKey: number } } {
  const m = SNAPSHOT_LINE.exec(output);
  assert.ok(m, `backup-etcd.yml reported no snapshot:\n${output.slice(-3000)}`);
  return JSON.parse(m[1]!) as ReturnType<typeof reportedSnapshot>;
}

/** Stops etcd and the apiserver, removes etcd's data and starts both again: a cluster with an empty store. */
const DESTROY = `set -e
cd /etc/kubernetes/manifests
mkdir -p /root/slipway-drill
mv etcd.yaml kube-apiserver.yaml /root/slipway-drill/
for i in $(seq 90); do ss -ltn | grep -qE ':(2379|6443) ' || break; sleep 2; done
rm -rf /var/lib/etcd/member
mv /root/slipway-drill/etcd.yaml /root/slipway-drill/kube-apiserver.yaml .
rmdir /root/slipway-drill`;

const marker = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  drill: ${name}\n`;

async function markers(k: Kubectl): Promise<string[] | undefined> {
  try {
    const out = await k.ok(['get', 'configmaps', '-n', 'default', '-o', 'jsonpath={.items[*].metadata.name}']);
    return out.split(/\s+/).filter((n) => n.startsWith('drill-marker-')).sort();
  } catch {
    return undefined;
  }
}

export async function restoreDrill(t: DrillTarget, note: (s: string) => void): Promise<DrillTimes> {
  await t.kubectl.apply(marker('drill-marker-a'));
  let start = performance.now();
  const backup = await t.run('drill-backup', 'backup-etcd.yml');
  const backupSeconds = (performance.now() - start) / 1000;
  assert.ok(backup.ok, `backup-etcd.yml failed:\n${backup.output.slice(-3000)}`);
  const snapshot = reportedSnapshot(backup.output);
  assert.ok(snapshot.size > 0 && snapshot.status.totalKey > 0, `etcdutl verified the snapshot: ${JSON.stringify(snapshot)}`);
  await t.kubectl.apply(marker('drill-marker-b'));
  assert.deepEqual(await markers(t.kubectl), ['drill-marker-a', 'drill-marker-b']);

  for (const cp of t.controlPlanes) {
    const r = await t.ssh.run(cp.address, DESTROY);
    assert.equal(r.exitCode, 0, `${cp.name}: ${r.stderr}`);
  }
  // The apiserver on the empty store: the markers are gone (or it refuses the admin outright, its RBAC gone too).
  await waitFor('the markers gone with etcd\'s data', async () => ((await markers(t.kubectl))?.length ? undefined : true), 180_000);

  const refused = await t.run('drill-restore-unconfirmed', 'restore-etcd.yml', `-e etcd_restore_snapshot=${snapshot.name}`);
  assert.ok(!refused.ok, 'a restore without restore_confirmation=yes is refused');
  assert.match(refused.output, /restore_confirmation=yes/);

  start = performance.now();
  const restore = await t.run('drill-restore', 'restore-etcd.yml', `-e restore_confirmation=yes -e etcd_restore_snapshot=${snapshot.name}`);
  const restoreSeconds = (performance.now() - start) / 1000;
  assert.ok(restore.ok, `restore-etcd.yml failed:\n${restore.output.slice(-4000)}`);
  await waitForNodes(t.kubectl, t.nodeNames);
  assert.deepEqual(await markers(t.kubectl), ['drill-marker-a'], 'the marker from before the backup is back, the one after it is not');
  await t.kubectl.ok(['delete', 'configmap', '-n', 'default', 'drill-marker-a']);
  note(`etcd restore drill: backup ${backupSeconds.toFixed(0)} s (snapshot ${snapshot.size} bytes, ${snapshot.status.totalKey} keys), restore ${restoreSeconds.toFixed(0)} s`);
  return { backupSeconds, restoreSeconds };
}
