/**
 * kubean.io/v1alpha1 Cluster and ClusterOperation, written to mirror crds/ exactly.
 * The *_FIELDS constants describe the same fields at runtime; their `satisfies FieldSet<T>`
 * makes the compiler reject a description that misses or invents a field of T, and
 * test/api/types-match-crds.test.ts compares them with the CRD schemas.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { CEL_RULES, SPEC_LIMITS } from './spec-limits.js';

export const GROUP = 'kubean.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = 'kubean.io/v1alpha1';
export const CLUSTER_KIND = 'Cluster';
export const CLUSTER_PLURAL = 'clusters';
export const CLUSTER_OPERATION_KIND = 'ClusterOperation';
export const CLUSTER_OPERATION_PLURAL = 'clusteroperations';

export const ACTION_TYPES = ['playbook', 'shell'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const ACTION_SOURCES = ['builtin', 'configmap'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];
/** The apiserver fills this in when actionSource is absent (spec and every hook). */
export const DEFAULT_ACTION_SOURCE = 'builtin' satisfies ActionSource;

/** '' means not started yet; Waiting: queued behind another operation of its cluster (Slipway's). */
export const OPERATION_STATUSES = ['Waiting', 'Running', 'Succeeded', 'Failed', 'Cancelled', ''] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
/** kubean's per-operation condition in Cluster status: an operation appears there once it runs. */
export const CLUSTER_OPS_STATUSES = ['Running', 'Succeeded', 'Failed', ''] as const;
export type ClusterOpsStatus = (typeof CLUSTER_OPS_STATUSES)[number];

export const CLUSTER_PHASES = [
  'Installing',
  'Scaling Out',
  'Scaling In',
  'Upgrading',
  'Abnormal',
  'Healthy',
  'Deleting',
] as const;
export type ClusterPhase = (typeof CLUSTER_PHASES)[number];

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

export const STEP_ROLES = ['preHook', 'action', 'postHook'] as const;
export type StepRole = (typeof STEP_ROLES)[number];

export const STEP_STATUSES = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'TimedOut',
  'Cancelled',
  'Skipped',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Every *Ref: a namespaced ConfigMap or Secret (jobRef: a Job). */
export interface ObjectRef {
  namespace: string;
  name: string;
}

export interface ClusterSpec {
  hostsConfRef: ObjectRef;
  varsConfRef: ObjectRef;
  kubeconfRef?: ObjectRef;
  sshAuthRef?: ObjectRef;
  preCheckRef?: ObjectRef;
}

/** kubean's per-operation record in Cluster status. */
export interface ClusterCondition {
  clusterOps: string;
  status?: ClusterOpsStatus;
  startTime?: string;
  endTime?: string;
}

/** A Kubernetes-style condition (metav1.Condition, with reason and message optional). */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** One node of the managed cluster as Slipway last observed it. */
export interface ClusterNodeStatus {
  name: string;
  /** From the node-role.kubernetes.io/<role> labels. */
  roles?: string[];
  /** The kubelet's version. */
  version?: string;
  ready: boolean;
  /** The node's InternalIP. */
  address?: string;
}

/** One operation the declarative path would create next (src/desired/). */
export interface PendingOperationStatus {
  action: string;
  extraArgs?: string;
  reason: string;
  /** Why it waits for approval, if it does. */
  heldFor?: string;
}

/** The declarative path's plan for the Cluster, when its reconcile annotation is Plan or Auto. */
export interface ConvergenceStatus {
  mode: string;
  /** In order; the first ones only (at most 20). */
  pending?: PendingOperationStatus[];
  /** Changes no operation may make: a person decides. */
  blocked?: string[];
  paused?: boolean;
  /** Why nothing could be compared yet. */
  waiting?: string;
  /** The inputs could not be read: object, key and line. */
  problem?: string;
  /** Auto: the generated operation created, run, or waited on (its name). */
  operation?: string;
  /** Auto: what it is doing (created an operation, waiting for one to end or for the cluster to show it). */
  progress?: string;
  /** Auto: why it creates nothing (a generated operation failed, or nobody's authority is recorded). */
  stopped?: string;
}

export interface ClusterStatus {
  conditions?: ClusterCondition[];
  phase?: ClusterPhase;
  controlPlaneCount?: number;
  workerCount?: number;
  /** kube_version of the cluster's vars: what the operations install. */
  desiredVersion?: string;
  /** The version the cluster's apiserver reports. */
  observedVersion?: string;
  /** The first nodes (control planes first); nodeCount and readyNodeCount count them all. */
  nodes?: ClusterNodeStatus[];
  nodeCount?: number;
  readyNodeCount?: number;
  /** "ready/total", for the NODES column. */
  nodesReady?: string;
  /** The nearest expiry of the certificates observed (src/observe/certificate-handshakes.ts). */
  certificatesExpiry?: string;
  /** Which certificate expires at certificatesExpiry, e.g. "etcd's peer certificate on cp1". */
  nearestCertificate?: string;
  observedGeneration?: number;
  /** Conditions of the observed cluster (ControlPlaneAvailable, WorkersReady, SystemPodsReady, CertificatesExpiry). */
  clusterConditions?: Condition[];
  /** Digest of the control-plane hosts as of the last successful install/scale/upgrade. */
  controlPlaneDigest?: string;
  /** The Secret (key `value`) holding the admin kubeconfig Slipway fetched after an install. */
  kubeconfigSecretRef?: ObjectRef;
  convergence?: ConvergenceStatus;
}

export interface Cluster {
  apiVersion: typeof API_VERSION;
  kind: typeof CLUSTER_KIND;
  metadata: V1ObjectMeta;
  spec: ClusterSpec;
  status?: ClusterStatus;
}

export interface Hook {
  actionType: ActionType;
  action: string;
  actionSource?: ActionSource;
  actionSourceRef?: ObjectRef;
  extraArgs?: string;
}

export interface ResourceClaim {
  name: string;
  request?: string;
}

/** core/v1 ResourceRequirements; quantities as the apiserver returns them. */
export interface ResourceRequirements {
  limits?: Record<string, number | string>;
  requests?: Record<string, number | string>;
  claims?: ResourceClaim[];
}

export interface ClusterOperationSpec {
  cluster: string;
  image?: string;
  actionType: ActionType;
  action: string;
  actionSource?: ActionSource;
  actionSourceRef?: ObjectRef;
  extraArgs?: string;
  preHook?: Hook[];
  postHook?: Hook[];
  resources?: ResourceRequirements;
  activeDeadlineSeconds?: number;
  /** Accepted from older kubean manifests, ignored: a playbook never runs twice. */
  backoffLimit?: number;
  /** kubean's controller fills these; Slipway accepts them and keeps its own data in status. */
  entrypointSHRef?: ObjectRef;
  hostsConfRef?: ObjectRef;
  varsConfRef?: ObjectRef;
  sshAuthRef?: ObjectRef;
}

export interface OperationStep {
  name: string;
  role?: StepRole;
  status: StepStatus;
  startTime?: string;
  endTime?: string;
  message?: string;
}

/** Counts of task results in the running step, by ansible's outcome. */
export interface ProgressResults {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
  ignored: number;
}

/** Hosts by state in the running step: the worst outcome each has had, pending if none yet. */
export interface ProgressHosts {
  pending: number;
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
}

export interface ProgressFailedHost {
  name: string;
  task: string;
  message?: string;
}

/** What a running operation is doing now (src/status/operation-progress.ts). */
export interface OperationProgress {
  summary: string;
  step: number;
  totalSteps: number;
  stepName?: string;
  play?: string;
  task?: string;
  tasksStarted?: number;
  results?: ProgressResults;
  hosts?: ProgressHosts;
  failedHosts?: ProgressFailedHost[];
}

export interface ClusterOperationStatus {
  action?: string;
  jobRef?: ObjectRef;
  status?: OperationStatus;
  startTime?: string;
  endTime?: string;
  digest?: string;
  hasModified?: boolean;
  message?: string;
  failedStep?: string;
  failedTask?: string;
  failedHosts?: string[];
  steps?: OperationStep[];
  observedGeneration?: number;
  /** The deadline it runs under: spec.activeDeadlineSeconds or the operator's default. */
  activeDeadlineSeconds?: number;
  progress?: OperationProgress;
  /** The first ConfigMap of its kept log (src/oplog/): the rest share its namespace and label. */
  logRef?: ObjectRef;
}

export interface ClusterOperation {
  apiVersion: typeof API_VERSION;
  kind: typeof CLUSTER_OPERATION_KIND;
  metadata: V1ObjectMeta;
  spec: ClusterOperationSpec;
  status?: ClusterOperationStatus;
}

/** A CEL rule of a CRD (x-kubernetes-validations). */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
}

/** Loose runtime shape of a field description, as src/api/crd-schema.ts reads one from a CRD. */
export interface FieldDescription {
  readonly type: 'string' | 'integer' | 'boolean' | 'int-or-string' | 'array' | 'map' | 'object';
  readonly required?: boolean;
  readonly format?: string;
  readonly enum?: readonly string[];
  readonly default?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
  readonly maxProperties?: number;
  readonly rules?: readonly CelRule[];
  readonly fields?: Readonly<Record<string, FieldDescription>>;
  readonly items?: FieldDescription;
  readonly values?: FieldDescription;
}

/** The precise description of a value of type V (tuple-wrapped so unions stay whole). */
export type FieldType<V> = [V] extends [string]
  ? string extends V
    ? { readonly type: 'string'; readonly format?: 'date-time'; readonly maxLength?: number; readonly rules?: readonly CelRule[] }
    : { readonly type: 'string'; readonly enum: readonly V[]; readonly default?: V }
  : [V] extends [number]
    ? { readonly type: 'integer'; readonly format: 'int32' | 'int64'; readonly minimum?: number; readonly maximum?: number }
    : [V] extends [boolean]
      ? { readonly type: 'boolean' }
      : [V] extends [string | number]
        ? { readonly type: 'int-or-string' }
        : [V] extends [readonly (infer U)[]]
          ? { readonly type: 'array'; readonly items: FieldType<U>; readonly maxItems?: number }
          : string extends keyof V
            ? { readonly type: 'map'; readonly values: FieldType<V[string & keyof V]>; readonly maxProperties?: number; readonly rules?: readonly CelRule[] }
            : [V] extends [object]
              ? { readonly type: 'object'; readonly fields: FieldSet<V>; readonly rules?: readonly CelRule[] }
              : never;

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** One entry per property of T, no more; `required` must match the property's optionality. */
export type FieldSet<T> = {
  readonly [K in keyof T]-?: FieldType<Exclude<T[K], undefined>> & {
    readonly required: K extends OptionalKeys<T> ? false : true;
  };
};

const str = { type: 'string', required: false } as const;
const requiredStr = { type: 'string', required: true } as const;
const time = { type: 'string', format: 'date-time', required: false } as const;
const int64 = { type: 'integer', format: 'int64', minimum: 0, required: false } as const;
const int32 = { type: 'integer', format: 'int32', minimum: 0, required: false } as const;

export const OBJECT_REF_FIELDS = {
  namespace: requiredStr,
  name: requiredStr,
} satisfies FieldSet<ObjectRef>;

/** A ref in a spec: lengths a namespace and an object name can have (SPEC_LIMITS). */
export const SPEC_REF_FIELDS = {
  namespace: { type: 'string', required: true, maxLength: SPEC_LIMITS.namespace },
  name: { type: 'string', required: true, maxLength: SPEC_LIMITS.objectName },
} satisfies FieldSet<ObjectRef>;

const optionalRef = { type: 'object', required: false, fields: OBJECT_REF_FIELDS } as const;
const optionalSpecRef = { type: 'object', required: false, fields: SPEC_REF_FIELDS } as const;
const requiredSpecRef = { type: 'object', required: true, fields: SPEC_REF_FIELDS } as const;

/** The Cluster's metadata as its CRD bounds it (the ClusterOperation's is not). */
export const CLUSTER_METADATA_FIELDS = {
  name: { type: 'string', required: false, maxLength: SPEC_LIMITS.clusterName },
} as const;

export const CLUSTER_SPEC_FIELDS = {
  hostsConfRef: requiredSpecRef,
  varsConfRef: requiredSpecRef,
  kubeconfRef: optionalSpecRef,
  sshAuthRef: optionalSpecRef,
  preCheckRef: optionalSpecRef,
} satisfies FieldSet<ClusterSpec>;

export const CLUSTER_CONDITION_FIELDS = {
  clusterOps: requiredStr,
  status: { type: 'string', enum: CLUSTER_OPS_STATUSES, required: false },
  startTime: time,
  endTime: time,
} satisfies FieldSet<ClusterCondition>;

export const CONDITION_FIELDS = {
  type: requiredStr,
  status: { type: 'string', enum: CONDITION_STATUSES, required: true },
  reason: str,
  message: str,
  lastTransitionTime: time,
  observedGeneration: int64,
} satisfies FieldSet<Condition>;

export const CLUSTER_NODE_FIELDS = {
  name: requiredStr,
  roles: { type: 'array', required: false, items: { type: 'string' } },
  version: str,
  ready: { type: 'boolean', required: true },
  address: str,
} satisfies FieldSet<ClusterNodeStatus>;

export const PENDING_OPERATION_FIELDS = {
  action: requiredStr,
  extraArgs: str,
  reason: requiredStr,
  heldFor: str,
} satisfies FieldSet<PendingOperationStatus>;

export const CONVERGENCE_FIELDS = {
  mode: requiredStr,
  pending: { type: 'array', required: false, items: { type: 'object', fields: PENDING_OPERATION_FIELDS } },
  blocked: { type: 'array', required: false, items: { type: 'string' } },
  paused: { type: 'boolean', required: false },
  waiting: str,
  problem: str,
  operation: str,
  progress: str,
  stopped: str,
} satisfies FieldSet<ConvergenceStatus>;

export const CLUSTER_STATUS_FIELDS = {
  conditions: {
    type: 'array',
    required: false,
    items: { type: 'object', fields: CLUSTER_CONDITION_FIELDS },
  },
  phase: { type: 'string', enum: CLUSTER_PHASES, required: false },
  controlPlaneCount: int32,
  workerCount: int32,
  desiredVersion: str,
  observedVersion: str,
  nodes: { type: 'array', required: false, items: { type: 'object', fields: CLUSTER_NODE_FIELDS } },
  nodeCount: int32,
  readyNodeCount: int32,
  nodesReady: str,
  certificatesExpiry: time,
  nearestCertificate: str,
  controlPlaneDigest: str,
  kubeconfigSecretRef: optionalRef,
  observedGeneration: int64,
  clusterConditions: {
    type: 'array',
    required: false,
    items: { type: 'object', fields: CONDITION_FIELDS },
  },
  convergence: { type: 'object', required: false, fields: CONVERGENCE_FIELDS },
} satisfies FieldSet<ClusterStatus>;

const actionTypeField = { type: 'string', enum: ACTION_TYPES, required: true } as const;
const actionSourceField = {
  type: 'string',
  enum: ACTION_SOURCES,
  default: DEFAULT_ACTION_SOURCE,
  required: false,
} as const;

const actionField = { type: 'string', required: true, maxLength: SPEC_LIMITS.action } as const;
const extraArgsField = { type: 'string', required: false, maxLength: SPEC_LIMITS.extraArgs } as const;

export const HOOK_FIELDS = {
  actionType: actionTypeField,
  action: actionField,
  actionSource: actionSourceField,
  actionSourceRef: optionalSpecRef,
  extraArgs: extraArgsField,
} satisfies FieldSet<Hook>;

const quantities = {
  type: 'map',
  required: false,
  values: { type: 'int-or-string' },
  maxProperties: SPEC_LIMITS.resourceNames.length,
  rules: [CEL_RULES.resourceNames, CEL_RULES.quantities],
} as const;

export const RESOURCE_REQUIREMENTS_FIELDS = {
  limits: quantities,
  requests: quantities,
  claims: {
    type: 'array',
    required: false,
    maxItems: 0,
    items: { type: 'object', fields: { name: requiredStr, request: str } },
  },
} satisfies FieldSet<ResourceRequirements>;

const hooks = { type: 'array', required: false, maxItems: SPEC_LIMITS.hooks, items: { type: 'object', fields: HOOK_FIELDS } } as const;

export const CLUSTER_OPERATION_SPEC_FIELDS = {
  cluster: { type: 'string', required: true, maxLength: SPEC_LIMITS.clusterName, rules: [CEL_RULES.immutable] },
  image: { type: 'string', required: false, maxLength: SPEC_LIMITS.image },
  actionType: actionTypeField,
  action: actionField,
  actionSource: actionSourceField,
  actionSourceRef: optionalSpecRef,
  extraArgs: extraArgsField,
  preHook: hooks,
  postHook: hooks,
  resources: { type: 'object', required: false, fields: RESOURCE_REQUIREMENTS_FIELDS, rules: [CEL_RULES.requestsWithinLimits] },
  activeDeadlineSeconds: { type: 'integer', format: 'int64', minimum: 1, maximum: SPEC_LIMITS.activeDeadlineSeconds, required: false },
  backoffLimit: int32,
  entrypointSHRef: optionalSpecRef,
  hostsConfRef: optionalSpecRef,
  varsConfRef: optionalSpecRef,
  sshAuthRef: optionalSpecRef,
} satisfies FieldSet<ClusterOperationSpec>;

export const OPERATION_STEP_FIELDS = {
  name: requiredStr,
  role: { type: 'string', enum: STEP_ROLES, required: false },
  status: { type: 'string', enum: STEP_STATUSES, required: true },
  startTime: time,
  endTime: time,
  message: str,
} satisfies FieldSet<OperationStep>;

const count = { type: 'integer', format: 'int32', minimum: 0, required: true } as const;

export const PROGRESS_FIELDS = {
  summary: requiredStr,
  step: count,
  totalSteps: count,
  stepName: str,
  play: str,
  task: str,
  tasksStarted: int32,
  results: { type: 'object', required: false, fields: { ok: count, changed: count, failed: count, unreachable: count, skipped: count, ignored: count } },
  hosts: { type: 'object', required: false, fields: { pending: count, ok: count, changed: count, failed: count, unreachable: count } },
  failedHosts: { type: 'array', required: false, items: { type: 'object', fields: { name: requiredStr, task: requiredStr, message: str } } },
} satisfies FieldSet<OperationProgress>;

export const CLUSTER_OPERATION_STATUS_FIELDS = {
  action: str,
  jobRef: optionalRef,
  status: { type: 'string', enum: OPERATION_STATUSES, required: false },
  startTime: time,
  endTime: time,
  digest: str,
  hasModified: { type: 'boolean', required: false },
  message: str,
  failedStep: str,
  failedTask: str,
  failedHosts: { type: 'array', required: false, items: { type: 'string' } },
  steps: { type: 'array', required: false, items: { type: 'object', fields: OPERATION_STEP_FIELDS } },
  observedGeneration: int64,
  activeDeadlineSeconds: int64,
  progress: { type: 'object', required: false, fields: PROGRESS_FIELDS },
  logRef: optionalRef,
} satisfies FieldSet<ClusterOperationStatus>;
