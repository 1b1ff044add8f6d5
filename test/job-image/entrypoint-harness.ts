/**
 * Runs job-image/entrypoint.sh on this machine the way a Job pod would: a plan from the real
 * planner, converted by toJobPlan, made into the pod the Job builder builds, its volumes laid out
 * and its containers (the ssh-agent sidecar, the kubeconfig-upload sidecar when asked for, the
 * ansible container) run by the pod emulator, against the test environment's sshd hosts.
 */
import { readFile } from 'node:fs/promises';
import type { ClusterOperation } from '../../src/api/types.js';
import { KUBECONFIG_UPLOAD_ENV, PLAN_JSON_KEY, SSH_KEY_KEY, toJobPlan, type JobPlanJson, type JobPlanObjects } from '../../src/engine/job-plan.js';
import { parseJobStepLine, type JobStepLine } from '../../src/engine/job-step-lines.js';
import { parseLine, type AnsibleEvent } from '../../src/executors/ansible-event-parser.js';
import { buildJobObjects, JOB_CONTAINER, type JobObjects } from '../../src/executors/job-builder.js';
import { plannedOperation, type ClusterOpts } from '../fixtures/test-cluster.js';
import type { TestEnv } from '../env/index.js';
import { HERE_OWNER, PLAYBOOKS, preparePod, runPodHere, type ContainerRun, type PodObjects, type PreparedPod, type RunOptions } from './pod-emulator.js';

export { ENTRYPOINT, PLAYBOOKS } from './pod-emulator.js';

/** Where the emulated pod's objects live, and the user's SSH Secret there. */
export const POD_NAMESPACE = 'slipway-test';
export const USER_SECRET = 'user-ssh';

/** A plan of the test hosts from the real planner, as the controller would put it in its objects. */
export async function jobPlanOf(env: TestEnv, opts: ClusterOpts): Promise<JobPlanObjects> {
  return toJobPlan(await plannedOperation(env, opts, PLAYBOOKS));
}

export interface LayOutOptions {
  /** false: the user Secret has no ssh-privatekey. */
  withKey?: boolean;
  /** The key the user Secret holds, instead of the test environment's. */
  keyPath?: string;
  /**
   * The Secret the kubeconfig-upload sidecar patches instead of the builder's drop-box (the
   * sidecar is there whenever the plan has a kubeconfigArtifact).
   */
  kubeconfigSecret?: string;
  /** Objects the builder does not make (kube-root-ca.crt) and the token, for that sidecar. */
  objects?: Partial<PodObjects>;
  owner?: { uid: number; gid: number };
}

export interface JobPod extends PreparedPod {
  objects: JobObjects;
}

/**
 * The pod buildJobObjects makes of `job` (with `plan` as plan.json), laid out from the builder's
 * own objects and a user Secret holding the test's key (or `keyPath`'s, or none).
 */
export async function layOut(env: TestEnv, job: JobPlanObjects, plan: JobPlanJson = job.plan, opts: LayOutOptions = {}): Promise<JobPod> {
  const jobPlan: JobPlanObjects = { ...job, plan, configMapData: { ...job.configMapData, [PLAN_JSON_KEY]: JSON.stringify(plan) } };
  const privateKey = opts.withKey === false ? undefined : await readFile(opts.keyPath ?? env.sshPrivateKeyPath, 'utf8');
  const operation: ClusterOperation = {
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'ClusterOperation',
    metadata: { name: plan.operation, uid: '00000000-0000-4000-8000-000000000001' },
    spec: { cluster: plan.cluster, actionType: 'playbook', action: 'ping.yml' },
  };
  const objects = buildJobObjects({
    namespace: POD_NAMESPACE,
    operation,
    jobPlan,
    activeDeadlineSeconds: undefined,
    image: 'slipway/job:test',
    jobImage: 'slipway/job:test',
    planUid: '00000000-0000-4000-8000-000000000002',
    ...(plan.agentIdentity !== undefined ? { sshKey: { secretRef: { namespace: POD_NAMESPACE, name: USER_SECRET }, privateKey: privateKey ?? '' } } : {}),
  });
  if (opts.kubeconfigSecret) {
    for (const c of objects.job.spec!.template.spec!.initContainers ?? []) {
      for (const e of c.env ?? []) if (e.name === KUBECONFIG_UPLOAD_ENV.secret) e.value = opts.kubeconfigSecret;
    }
  }
  const source: PodObjects = {
    configMap: async (name) => (name === objects.planConfigMap.metadata?.name ? objects.planConfigMap.data : undefined),
    secret: async (name) => {
      if (name === USER_SECRET) return privateKey === undefined ? {} : { [SSH_KEY_KEY]: privateKey };
      return name === objects.planSecret?.metadata?.name ? objects.planSecret.stringData : undefined;
    },
  };
  const extra = opts.objects ?? {};
  const all: PodObjects = {
    configMap: async (name) => (await source.configMap(name)) ?? extra.configMap?.(name),
    secret: async (name) => (await source.secret(name)) ?? extra.secret?.(name),
    ...(extra.token ? { token: extra.token } : {}),
  };
  const pod = await preparePod(objects.job.spec!.template.spec!, all, env.runDir, opts.owner ?? HERE_OWNER);
  return { ...pod, objects };
}

/** Variables for the ansible container, as RunOptions. */
export const mainEnv = (env: Record<string, string>): RunOptions => ({ env: { [JOB_CONTAINER]: env } });

export interface EntrypointRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  steps: JobStepLine[];
  events: AnsibleEvent[];
  /** Step lines and ansible events in the order they were printed. */
  sequence: (JobStepLine | AnsibleEvent)[];
  /** The sidecars' own runs, by container name. */
  sidecars: Record<string, ContainerRun>;
}

/** Runs the pod; the result is the ansible container's, with the sidecars'. */
export async function runEntrypoint(pod: PreparedPod, opts: RunOptions = {}): Promise<EntrypointRun> {
  const r = await runPodHere(pod, opts);
  return { ...readRun(r.main), sidecars: r.sidecars };
}

export function readRun(r: { exitCode: number; stdout: string; stderr: string }): Omit<EntrypointRun, 'sidecars'> {
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
