/**
 * Runs job-image/entrypoint.sh on this machine the way a Job pod would: a plan from the real
 * planner, converted by toJobPlan, its files laid out in directories standing in for the pod's
 * mounts, against the test environment's sshd hosts.
 */
import { chmod, copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { JOB_MOUNTS, PLAN_JSON_KEY, SSH_KEY_KEY, toJobPlan, type JobMount, type JobPlanJson, type JobPlanObjects } from '../../src/engine/job-plan.js';
import { parseLine, type AnsibleEvent } from '../../src/executors/ansible-event-parser.js';
import { parseJobStepLine, type JobStepLine } from '../../src/engine/job-step-lines.js';
import { plannedOperation, type ClusterOpts } from '../fixtures/test-cluster.js';
import type { TestEnv } from '../env/index.js';
import { repoRoot } from '../env/repo-root.js';

export const ENTRYPOINT = join(repoRoot(), 'job-image', 'entrypoint.sh');
export const PLAYBOOKS = join(repoRoot(), 'playbooks');

/** A plan of the test hosts from the real planner, as the controller would put it in its objects. */
export async function jobPlanOf(env: TestEnv, opts: ClusterOpts): Promise<JobPlanObjects> {
  return toJobPlan(await plannedOperation(env, opts, PLAYBOOKS));
}

export interface Mounts {
  /** Parent of all of the below, unique per run. */
  base: string;
  dirs: Record<JobMount, string>;
  /** Parent of the entrypoint's work directories. */
  workRoot: string;
}

/**
 * Lays out the plan's objects as the pod's projected volumes would: plan.json and the files in
 * their mounts, taken from the ConfigMap or Secret data, and at /auth, when the plan uses the
 * agent (as jobPlanVolumes mounts it), the user Secret's key: the test's key file, or `keyPath`.
 */
export async function layOut(
  env: TestEnv,
  job: JobPlanObjects,
  plan: JobPlanJson = job.plan,
  opts: { withKey?: boolean; keyPath?: string } = {},
): Promise<Mounts> {
  const base = await mkdtemp(join(env.runDir, 'job-image-'));
  const dirs = { conf: join(base, 'conf'), plan: join(base, 'plan'), auth: join(base, 'auth') };
  const workRoot = join(base, 'work');
  for (const d of [...Object.values(dirs), workRoot]) await mkdir(d);
  await writeFile(join(dirs.plan, PLAN_JSON_KEY), JSON.stringify(plan));
  for (const f of plan.files) {
    const data = f.source === 'plan-secret' ? job.secretData : job.configMapData;
    await writeFile(join(dirs[f.mount], f.key), data[f.key] ?? '');
  }
  if (plan.agentIdentity !== undefined && opts.withKey !== false) {
    const key = join(dirs.auth, SSH_KEY_KEY);
    await copyFile(opts.keyPath ?? env.sshPrivateKeyPath, key);
    await chmod(key, 0o400);
  }
  return { base, dirs, workRoot };
}

export interface EntrypointRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  steps: JobStepLine[];
  events: AnsibleEvent[];
  /** Step lines and ansible events in the order they were printed. */
  sequence: (JobStepLine | AnsibleEvent)[];
}

export function startEntrypoint(m: Mounts, extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    SLIPWAY_BUILTIN_DIR: PLAYBOOKS,
    SLIPWAY_WORK_ROOT: m.workRoot,
    ...extraEnv,
  };
  for (const [mount, dir] of Object.entries(m.dirs)) env[JOB_MOUNTS[mount as JobMount].env] = dir;
  return execa('bash', [ENTRYPOINT], { reject: false, timeout: 180_000, env, extendEnv: false });
}

export async function runEntrypoint(m: Mounts, extraEnv: Record<string, string> = {}): Promise<EntrypointRun> {
  const r = await startEntrypoint(m, extraEnv);
  return readRun({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) });
}

export function readRun(r: { exitCode: number; stdout: string; stderr: string }): EntrypointRun {
  const steps: JobStepLine[] = [];
  const events: AnsibleEvent[] = [];
  const sequence: (JobStepLine | AnsibleEvent)[] = [];
  for (const line of r.stdout.split('\n')) {
    const step = parseJobStepLine(line);
    const event = step ? undefined : parseLine(line).event;
    if (step) steps.push(step);
    if (event) events.push(event);
    const item = step ?? event;
    if (item) sequence.push(item);
  }
  return { ...r, steps, events, sequence };
}
