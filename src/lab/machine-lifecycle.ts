import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureMachineLink } from './lab-network.js';
import type { LabPodman, MachineLimits } from './lab-podman.js';
import type { LabPlan, MachinePlan } from './lab-plan.js';
import { machineCreateArgs } from './machine-container.js';
import { stageMachineFiles } from './machine-files.js';

export interface StartedMachine {
  machine: MachinePlan;
  hostPublicKey: string;
  /** False when the machine was already running and left alone. */
  started: boolean;
}

export interface MachineContext {
  podman: LabPodman;
  plan: LabPlan;
  image: string;
  limits: MachineLimits;
  /** Per-machine files live in <machinesDir>/<machine name>/. */
  machinesDir: string;
  authorizedKey: string;
}

async function containerStatus(podman: LabPodman, name: string): Promise<string | undefined> {
  const r = await podman.run(['inspect', '--type', 'container', '--format', '{{.State.Status}}', name], { allowFailure: true });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/**
 * Brings one machine to running: its network first (the machine boots into it), then its
 * container, created with its own files copied in before the first boot. A running machine is
 * left as it is, a stopped one started again.
 */
export async function ensureMachine(ctx: MachineContext, m: MachinePlan): Promise<StartedMachine> {
  const dir = join(ctx.machinesDir, m.name);
  const status = await containerStatus(ctx.podman, m.container);
  if (status === 'running') return { machine: m, hostPublicKey: await readHostKey(dir), started: false };
  await ensureMachineLink(ctx.plan, m);
  if (status !== undefined) {
    await ctx.podman.run(['start', m.container]);
    return { machine: m, hostPublicKey: await readHostKey(dir), started: true };
  }
  const staged = await stageMachineFiles(dir, ctx.plan, m, ctx.authorizedKey);
  await ctx.podman.run(machineCreateArgs(ctx.plan, m, ctx.image, ctx.limits));
  await ctx.podman.run(['cp', `${staged.root}/.`, `${m.container}:/`]);
  await ctx.podman.run(['start', m.container]);
  return { machine: m, hostPublicKey: staged.hostPublicKey, started: true };
}

const readHostKey = async (dir: string): Promise<string> =>
  (await readFile(join(dir, 'root', 'etc', 'ssh', 'slipway', 'ssh_host_ed25519_key.pub'), 'utf8')).trim();
