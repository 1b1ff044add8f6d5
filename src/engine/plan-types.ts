/** The argv plan of one operation: built by pure code in src/engine, run by an executor. */

import type { StepRole } from '../api/types.js';
import type { JobImageChoice } from '../policy/job-image.js';
import type { UpgradeBatches } from './upgrade-batches.js';

export type StepKind = 'playbook' | 'shell';

/** A file the executor writes into the operation's work directory before any step runs. */
export interface WorkFile {
  /** Path relative to the work directory; never absolute, never containing "..". */
  path: string;
  content: string;
  mode: number;
  /** Marks content that must never reach logs, status or events (keys, passwords). */
  secret: boolean;
}

export interface Step {
  /** e.g. "preHook 1: ping.yml", "action: cluster.yml". */
  name: string;
  role: StepRole;
  kind: StepKind;
  /** argv[0] is the program; no element is ever interpreted by a shell. */
  argv: string[];
  /** Extra environment for this step (ANSIBLE_* settings), merged over the executor's base. */
  env: Record<string, string>;
  source: 'builtin' | 'configmap';
  /** The playbook or script name the user asked for. */
  action: string;
}

export interface Plan {
  cluster: string;
  operation: string;
  /** The main action, e.g. "cluster.yml". */
  action: string;
  steps: Step[];
  files: WorkFile[];
  /** Strings every sink must redact (private key, passwords). */
  secrets: string[];
  /**
   * The cluster's SSH private key. Never a work file: the executor loads it into a per-operation
   * ssh-agent outside the sandbox and writes its public half to AGENT_IDENTITY_PATH.
   */
  sshPrivateKey?: string;
  /** Hosts the main action will touch after --limit is applied. */
  targetHosts: string[];
  /** The address ansible connects to for each host of the inventory (its ansible_host, else its name). */
  hostAddresses: string[];
  warnings: string[];
  /** What the inventory and vars say about the cluster, for its status. */
  clusterFacts: {
    /** --limit of the main action: cluster.yml with a limit scales out instead of installing. */
    limit?: string;
    controlPlane: string[];
    /** kube_node hosts that are not control-plane hosts. */
    workers: string[];
    kubernetesVersion?: string;
    /** Digest of the control-plane hosts and their addresses (control-plane-change.ts). */
    controlPlaneDigest: string;
  };
  /**
   * Set when a step leaves the cluster's admin kubeconfig at this path of the work directory
   * (KUBECONFIG_ARTIFACT): the executor hands it back in OperationResult.kubeconfig.
   */
  kubeconfigArtifact?: string;
  /** Seconds; 0 or undefined means no deadline. */
  activeDeadlineSeconds?: number;
  /** Where the deadline comes from: the operation's spec or the operator's default. */
  deadlineSource?: 'spec' | 'operator';
  /** upgrade-cluster.yml's worker batches, pause and drain settings. */
  upgrade?: UpgradeBatches;
  /** The Job's image and why (set when planned for Job mode: OperatorOptions.jobImages). */
  image?: Exclude<JobImageChoice, { kind: 'refused' }>;
}

/**
 * Steps run with the operation's work directory as their working directory, and every path in
 * argv is relative to it, so no placeholder substitution is needed. The executor links
 * `BUILTIN_LINK` to the directory holding Slipway's builtin playbooks and scripts (the repo's
 * playbooks/ locally, the image's copy in a Job, or a kubespray checkout).
 */
export const BUILTIN_LINK = 'builtin';

/**
 * Where the executor puts the public half of `Plan.sshPrivateKey` (relative to the work dir):
 * ssh's IdentityFile, so that with IdentitiesOnly it uses exactly that key, from the agent.
 */
export const AGENT_IDENTITY_PATH = 'auth/ssh-agent-identity.pub';

/** kubean's builtin that fetches the admin kubeconfig (the builtin cluster.yml ends with it too). */
export const KUBECONFIG_PLAYBOOK = 'kubeconfig.yml';
/** Where they write it (slipway_artifacts_dir/admin.conf), relative to the work directory. */
export const KUBECONFIG_ARTIFACT = 'artifacts/admin.conf';
