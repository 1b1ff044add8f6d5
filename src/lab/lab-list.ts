import type { LabPaths } from './lab-paths.js';
import { LAB_LABEL, planLab, type LabPlan } from './lab-plan.js';
import { LabPodman } from './lab-podman.js';
import { listLabNames, readLabRecord } from './lab-record.js';

export interface LabSummary {
  plan: LabPlan;
  /** Machine name → podman state ("running", "exited", "missing"). */
  machines: Record<string, string>;
}

export async function listLabs(paths: LabPaths): Promise<LabSummary[]> {
  const podman = new LabPodman(paths.podmanDir);
  const out: LabSummary[] = [];
  for (const name of await listLabNames(paths)) {
    const record = await readLabRecord(paths, name);
    if (!record) continue;
    const plan = planLab(record.name, record.slot, record.machines);
    const r = await podman.run(['ps', '-a', '--filter', `label=${LAB_LABEL}=${name}`, '--format', '{{.Names}} {{.State}}'], { allowFailure: true });
    const states = new Map(r.stdout.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
    out.push({ plan, machines: Object.fromEntries(plan.machines.map((m) => [m.name, states.get(m.container) ?? 'missing'])) });
  }
  return out;
}
