import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bundleLayout } from '../bundle/bundle-layout.js';
import { recordHostBaseline } from './host-baseline.js';
import { raiseHostLimits } from './host-limits.js';
import { kubeanInputs } from './kubean-inputs.js';
import { LabError } from './lab-error.js';
import { assertLinux, ensureBridge, ensureIsolation, slotsInUse } from './lab-network.js';
import { labDir, type LabPaths } from './lab-paths.js';
import { checkLabName, checkMachineCount, planLab, type LabPlan } from './lab-plan.js';
import { LabPodman, machineLimits } from './lab-podman.js';
import { claimSlot, readLabRecord, writeLabRecord, type LabRecord } from './lab-record.js';
import { ensureMachine, type StartedMachine } from './machine-lifecycle.js';
import { ensureLabKey, knownHostsFor } from './machine-files.js';
import { ensureMachineImage } from './machine-image.js';
import { waitUntilReady, type MachineReadiness } from './machine-readiness.js';
import { StageClock } from './stage-clock.js';

export interface LabUpOptions {
  name: string;
  machines: number;
  kubeVersion: string;
  /** Where the kubean input set is written; <lab dir>/inputs by default. */
  inputsDir?: string;
}

export interface LabUpResult {
  plan: LabPlan;
  inputsDir: string;
  readiness: MachineReadiness[];
  timings: string;
}

export interface LabIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Lab up as a list of phases over one scope; each phase is idempotent, so `lab up` repeats safely. */
export async function labUp(paths: LabPaths, opts: LabUpOptions, io: LabIO): Promise<LabUpResult> {
  assertLinux();
  checkLabName(opts.name);
  checkMachineCount(opts.machines);
  const clock = new StageClock(io.err);
  const podman = new LabPodman(paths.podmanDir);
  const dir = labDir(paths, opts.name);

  const image = await clock.stage('machine image', async () => {
    await podman.prepare();
    return ensureMachineImage(paths, podman, io.err);
  });
  const record = await clock.stage('lab record', () => ensureRecord(paths, opts, image));
  // After the baseline is recorded, which lab down puts back.
  await raiseHostLimits();
  const plan = planLab(record.name, record.slot, record.machines);
  await clock.stage('network', async () => {
    await ensureBridge(plan);
    await ensureIsolation(plan);
  });
  const key = await ensureLabKey(dir, plan.name);
  const limits = await machineLimits();
  const started: StartedMachine[] = await clock.stage(`machines (${plan.machines.length})`, () =>
    Promise.all(
      plan.machines.map((m) =>
        ensureMachine({ podman, plan, image: record.image, limits, machinesDir: join(dir, 'machines'), authorizedKey: key.publicKey }, m),
      ),
    ),
  );
  const readiness = await clock.stage('boot', () => Promise.all(plan.machines.map((m) => waitUntilReady(podman, m))));
  const inputsDir = opts.inputsDir ?? join(dir, 'inputs');
  const bundleVars = await readBundleVars();
  await clock.stage('kubean inputs', () =>
    writeInputs(inputsDir, kubeanInputs({
      plan,
      privateKey: key.privateKey,
      knownHosts: knownHostsFor(started.map((s) => ({ address: s.machine.address, hostPublicKey: s.hostPublicKey }))),
      kubeVersion: opts.kubeVersion,
      ...(bundleVars ? { bundleVars } : {}),
    })),
  );
  return { plan, inputsDir, readiness, timings: clock.summary() };
}

/**
 * The lab's record: read back for an existing lab (which must keep its size), or made now with
 * a claimed subnet. The host baseline is taken before anything of the first lab exists.
 */
async function ensureRecord(paths: LabPaths, opts: LabUpOptions, image: string): Promise<LabRecord> {
  const existing = await readLabRecord(paths, opts.name);
  if (existing) {
    if (existing.machines !== opts.machines) {
      throw new LabError(`lab ${opts.name} has ${existing.machines} machines, not ${opts.machines}; run \`slipway lab down --name ${opts.name}\` first`);
    }
    return existing;
  }
  await mkdir(paths.stateRoot, { recursive: true, mode: 0o700 });
  await recordHostBaseline(paths);
  await mkdir(labDir(paths, opts.name), { recursive: true, mode: 0o700 });
  const slot = await claimSlot(paths, opts.name, await slotsInUse());
  const record: LabRecord = { name: opts.name, slot, machines: opts.machines, image, createdAt: new Date().toISOString() };
  await writeLabRecord(paths, record);
  return record;
}

/** The built bundle's kubespray-vars.yml, or undefined when no bundle is built here. */
async function readBundleVars(): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(join(bundleLayout().files, 'kubespray-vars.yml'), 'utf8').catch(() => undefined);
  const vars: unknown = text === undefined ? undefined : parse(text);
  return vars && typeof vars === 'object' && !Array.isArray(vars) ? (vars as Record<string, unknown>) : undefined;
}

/** Replaces the directory's manifests; the Secret's file is 0600 from the start. */
async function writeInputs(dir: string, files: ReturnType<typeof kubeanInputs>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const f of files) {
    const path = join(dir, f.name);
    await rm(path, { force: true });
    await writeFile(path, f.text, { mode: f.secret ? 0o600 : 0o644, flag: 'wx' });
  }
}
