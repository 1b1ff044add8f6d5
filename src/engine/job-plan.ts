/**
 * The contract between the controller and the job image's entrypoint (job-image/entrypoint.sh):
 * what a Plan becomes when it runs as a batch/v1 Job. Pure.
 *
 * The controller creates, per operation, a ConfigMap holding `plan.json` and every non-secret
 * work file, and a Secret holding the secret ones (the rendered inventory and group_vars.yml,
 * which may carry ansible_password and become passwords). The ansible container (the entrypoint without arguments) sees them through
 * two mounts (see job-plan-volumes.ts):
 *   /conf  hosts.yml and group_vars.yml as the planner rendered them (kubean's paths)
 *   /plan  plan.json and the other work files (ConfigMap playbooks and scripts, known_hosts)
 * Each `files` entry says which mount and key a work file is read from and which object the
 * controller takes that key from; the entrypoint copies it to `path` in its work directory with
 * `mode`.
 *
 * The pod's other containers are sidecars of the same image (`entrypoint.sh <SIDECAR>`), each
 * holding one credential the ansible container never sees, and sharing a directory with it:
 *   ssh-agent          mounts /auth (the user's sshAuthRef Secret: ssh-privatekey) and loads the
 *                      key into an ssh-agent listening in /agent. The entrypoint writes the
 *                      agent key's public half at `agentIdentity`, the steps' ssh IdentityFile
 *                      (ansible-env.ts), and gives the steps the agent's socket.
 *   kubeconfig-upload  holds a token of a ServiceAccount that may only patch the operation's
 *                      drop-box Secret; it writes there the admin kubeconfig the entrypoint
 *                      hands it in /kubeconfig after every step succeeded (`kubeconfigArtifact`),
 *                      and answers in /kubeconfig-status.
 */
import { INVENTORY_PATH, VARS_PATH } from './ansible-env.js';
import type { Plan, Step, StepKind } from './plan-types.js';
import { AGENT_IDENTITY_PATH, BUILTIN_LINK } from './plan-types.js';
import { stepSettings } from './step-env.js';
import type { StepRole } from '../api/types.js';
import { SlipwayError } from '../util/slipway-error.js';

/** 3: the key is in the ssh-agent sidecar, and the plan names its kubeconfig artifact. */
export const JOB_PLAN_VERSION = 3;
export const PLAN_JSON_KEY = 'plan.json';
/** Keys of the user's sshAuthRef Secret, as kubean names them. */
export const SSH_KEY_KEY = 'ssh-privatekey';

/**
 * Where the containers look for each mount; the variable moves it (tests run the scripts outside
 * a pod). conf and plan are the ansible container's, auth the ssh-agent sidecar's.
 */
export const JOB_MOUNTS = {
  conf: { path: '/conf', env: 'SLIPWAY_CONF_DIR' },
  plan: { path: '/plan', env: 'SLIPWAY_PLAN_DIR' },
  auth: { path: '/auth', env: 'SLIPWAY_AUTH_DIR' },
} as const;
export type JobMount = keyof typeof JOB_MOUNTS;

/**
 * Directories (in-memory emptyDirs) a sidecar shares with the ansible container, and who writes:
 *   agent             the ssh-agent sidecar: AGENT_FILES
 *   kubeconfig        the ansible container: KUBECONFIG_HANDOFF_FILE (read-only in the sidecar)
 *   kubeconfigStatus  the kubeconfig-upload sidecar: KUBECONFIG_RESULT_FILE (read-only in the ansible container)
 * plus the uploader's service-account token (token, ca.crt), mounted in that sidecar only.
 */
export const JOB_SHARED_DIRS = {
  agent: { path: '/agent', env: 'SLIPWAY_AGENT_DIR' },
  kubeconfig: { path: '/kubeconfig', env: 'SLIPWAY_KUBECONFIG_DIR' },
  kubeconfigStatus: { path: '/kubeconfig-status', env: 'SLIPWAY_KUBECONFIG_STATUS_DIR' },
  token: { path: '/var/run/secrets/kubernetes.io/serviceaccount', env: 'SLIPWAY_TOKEN_DIR' },
} as const;
export type JobSharedDir = keyof typeof JOB_SHARED_DIRS;

/**
 * In the agent directory: the socket; the key's public half, written once the key is loaded; or
 * instead why it could not be (a JobErrorCode line, then a message line).
 */
export const AGENT_FILES = { socket: 'agent.sock', publicKey: 'agent.pub', error: 'agent.error' } as const;
export const KUBECONFIG_HANDOFF_FILE = 'admin.conf';
/** A line `stored`, or a line `failed` and the reason as a JSON string literal on the next. */
export const KUBECONFIG_RESULT_FILE = 'result';

/** The sidecars: the argument the image's entrypoint takes to be one. */
export const SIDECARS = { sshAgent: 'ssh-agent', kubeconfigUpload: 'kubeconfig-upload' } as const;

/** What the kubeconfig-upload sidecar is told, besides the apiserver (KUBERNETES_SERVICE_HOST/PORT). */
export const KUBECONFIG_UPLOAD_ENV = {
  secret: 'SLIPWAY_KUBECONFIG_SECRET',
  namespace: 'SLIPWAY_KUBECONFIG_NAMESPACE',
  operationUid: 'SLIPWAY_OPERATION_UID',
} as const;
/** Set on the drop-box with the kubeconfig: the uid of the operation whose pod wrote it. */
export const KUBECONFIG_OPERATION_ANNOTATION = 'slipway.io/kubeconfig-operation-uid';

/** The object the controller takes a file's key from. */
export type JobFileSource = 'plan-configmap' | 'plan-secret';
/** Work files come from the plan objects only; /auth is the agent's, never a work file's. */
export type JobFileMount = Exclude<JobMount, 'auth'>;

export interface JobPlanFile {
  /** Relative to the work directory, as the steps' argv names it. */
  path: string;
  mount: JobFileMount;
  /** The file's name in the mount, which is its key in `source`. */
  key: string;
  source: JobFileSource;
  mode: number;
}

export interface JobPlanStep {
  name: string;
  role: StepRole;
  kind: StepKind;
  argv: string[];
  /** Everything but what only the pod knows (PATH, HOME, LANG, socket paths), which the entrypoint sets first. */
  env: Record<string, string>;
}

/** plan.json. */
export interface JobPlanJson {
  version: typeof JOB_PLAN_VERSION;
  cluster: string;
  operation: string;
  steps: JobPlanStep[];
  files: JobPlanFile[];
  /**
   * Present when the plan has the cluster's SSH key (the user's Secret is then mounted at /auth):
   * where, relative to the work directory, the entrypoint writes the public half of the key it
   * loaded into its ssh-agent from /auth/ssh-privatekey, before the first step.
   */
  agentIdentity?: string;
  /**
   * Present when a step fetches the cluster's admin kubeconfig (Plan.kubeconfigArtifact): where,
   * relative to the work directory. When every step succeeded the entrypoint hands it to the
   * kubeconfig-upload sidecar, if the pod has one.
   */
  kubeconfigArtifact?: string;
}

export interface JobPlanObjects {
  plan: JobPlanJson;
  /** The plan ConfigMap's data: plan.json and every non-secret work file. */
  configMapData: Record<string, string>;
  /** The plan Secret's data: every secret work file; empty means no Secret is needed. */
  secretData: Record<string, string>;
}

export type JobPlanErrorCode = 'bad-argv' | 'bad-env' | 'bad-path' | 'duplicate-path' | 'too-large';

export class JobPlanError extends SlipwayError {
  constructor(
    override readonly code: JobPlanErrorCode,
    message: string,
  ) {
    super(code, message, true);
  }
}

/** The apiserver refuses a ConfigMap or Secret whose data exceeds 1 MiB. */
export const OBJECT_DATA_LIMIT = 1024 * 1024;
const KEY_MAX = 253;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Work files that kubean mounts at fixed paths. */
const CONF_KEYS: Record<string, string> = { [INVENTORY_PATH]: 'hosts.yml', [VARS_PATH]: 'group_vars.yml' };

export function toJobPlan(plan: Plan): JobPlanObjects {
  const configMapData: Record<string, string> = {};
  const secretData: Record<string, string> = {};
  const files: JobPlanFile[] = [];
  const seen = new Set<string>();
  const hasKey = plan.sshPrivateKey !== undefined;
  for (const [index, file] of plan.files.entries()) {
    checkPath(file.path);
    if (seen.has(file.path)) throw new JobPlanError('duplicate-path', `two work files at ${JSON.stringify(file.path)}`);
    if (hasKey && file.path === AGENT_IDENTITY_PATH) {
      throw new JobPlanError('duplicate-path', `a work file at ${JSON.stringify(file.path)}, where the agent's public key goes`);
    }
    seen.add(file.path);
    const conf = CONF_KEYS[file.path];
    const key = conf ?? planKey(index, file.path);
    const source: JobFileSource = file.secret ? 'plan-secret' : 'plan-configmap';
    (file.secret ? secretData : configMapData)[key] = file.content;
    files.push({ path: file.path, mount: conf ? 'conf' : 'plan', key, source, mode: file.mode });
  }

  const json: JobPlanJson = {
    version: JOB_PLAN_VERSION,
    cluster: plan.cluster,
    operation: plan.operation,
    steps: plan.steps.map(jobStep),
    files,
    // The key itself stays out of every object: the Job mounts the user's Secret instead.
    ...(hasKey ? { agentIdentity: AGENT_IDENTITY_PATH } : {}),
    ...(plan.kubeconfigArtifact !== undefined ? { kubeconfigArtifact: checkPath(plan.kubeconfigArtifact) } : {}),
  };
  configMapData[PLAN_JSON_KEY] = JSON.stringify(json, null, 2);
  checkSize('ConfigMap', configMapData);
  checkSize('Secret', secretData);
  return { plan: json, configMapData, secretData };
}

function jobStep(step: Step): JobPlanStep {
  const [program] = step.argv;
  // env(1) runs the step, and would take a program name holding "=" for a variable.
  if (!program || program.includes('=')) throw new JobPlanError('bad-argv', `step ${JSON.stringify(step.name)}: argv[0] must be a program name`);
  if ([step.name, ...step.argv].some((s) => s.includes('\0'))) throw new JobPlanError('bad-argv', `step ${JSON.stringify(step.name)}: NUL in argv`);
  const env = stepSettings(step);
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_NAME.test(k) || v.includes('\0')) throw new JobPlanError('bad-env', `step ${JSON.stringify(step.name)}: bad variable ${JSON.stringify(k)}`);
  }
  return { name: step.name, role: step.role, kind: step.kind, argv: [...step.argv], env };
}

/** A ConfigMap key ([-._a-zA-Z0-9]+) that stays unique by the file's index. */
function planKey(index: number, path: string): string {
  return `w${index}-${path.replace(/[^-._a-zA-Z0-9]/g, '_')}`.slice(0, KEY_MAX);
}

function checkPath(path: string): string {
  const parts = path.split('/');
  if (!path || path.startsWith('/') || path.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..') || parts[0] === BUILTIN_LINK) {
    throw new JobPlanError('bad-path', `work file path ${JSON.stringify(path)} must be relative, normalised, outside "${BUILTIN_LINK}/" and without ".."`);
  }
  return path;
}

function checkSize(kind: string, data: Record<string, string>): void {
  let bytes = 0;
  for (const [k, v] of Object.entries(data)) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (bytes > OBJECT_DATA_LIMIT) {
    throw new JobPlanError('too-large', `the plan ${kind} would hold ${bytes} bytes; the apiserver accepts at most ${OBJECT_DATA_LIMIT}`);
  }
}
