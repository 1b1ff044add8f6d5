import { restoreHostBaseline } from './host-baseline.js';
import { labCgroupParent, removeCgroup, removeEmptyCgroupParent } from './lab-cgroups.js';
import { removeBridge, removeIsolation, removeMachineLink } from './lab-network.js';
import type { LabPaths } from './lab-paths.js';
import { checkLabName, LAB_LABEL, planLab } from './lab-plan.js';
import { LabPodman } from './lab-podman.js';
import { listLabNames, readLabRecord, releaseLab } from './lab-record.js';
import { StageClock } from './stage-clock.js';
import type { LabIO } from './lab-up.js';

export interface LabDownResult {
  found: boolean;
  /** Host settings put back because this was the last lab. */
  restored: string[];
  timings: string;
}

/** Removes every trace of one lab; the last lab down also puts the host's settings back. */
export async function labDown(paths: LabPaths, name: string, io: LabIO): Promise<LabDownResult> {
  checkLabName(name);
  const clock = new StageClock(io.err);
  const podman = new LabPodman(paths.podmanDir);
  const record = await readLabRecord(paths, name);
  const containers = await podman.containersLabelled(LAB_LABEL, name);
  if (!record && containers.length === 0) return { found: false, restored: [], timings: '' };

  await clock.stage('machines', async () => {
    if (containers.length > 0) await podman.run(['rm', '--force', '--time', '15', ...containers]);
    const volumes = await podman.run(['volume', 'ls', '--format', '{{.Name}}']);
    const ours = new RegExp(`^slipway-lab-${name}-node\\d+-var$`);
    const names = volumes.stdout.split('\n').filter((v) => ours.test(v));
    if (names.length > 0) await podman.run(['volume', 'rm', '--force', ...names]);
    await removeCgroup(labCgroupParent(name));
  });
  if (record) {
    const plan = planLab(record.name, record.slot, record.machines);
    await clock.stage('network', async () => {
      for (const m of plan.machines) await removeMachineLink(m);
      await removeIsolation(plan);
      await removeBridge(plan);
    });
  }
  await releaseLab(paths, record, name);
  let restored: string[] = [];
  if ((await listLabNames(paths)).length === 0) {
    restored = await clock.stage('host settings', async () => {
      await removeEmptyCgroupParent();
      return restoreHostBaseline(paths);
    });
  }
  return { found: true, restored, timings: clock.summary() };
}
