/**
 * The objects that run one ClusterOperation as a batch/v1 Job, built from already-fetched
 * inputs: the plan ConfigMap and Secret (toJobPlan's output), the Job, — only when the Cluster's
 * SSH Secret lives in another namespace than the Job — a copy of its key, and — only when the
 * plan fetches the admin kubeconfig — the kubeconfig hand-back: a drop-box Secret and the
 * uploader's ServiceAccount, Role and RoleBinding. Pure.
 *
 * The pod: the ansible container (`operation`, the image's entrypoint) runs the image the
 * operator's policy chose (src/policy/job-image.ts), mounts the plan's files and no credential;
 * the key is in the ssh-agent sidecar, the uploader's token in the kubeconfig-upload sidecar
 * (job-sidecars.ts), both always of the operator's job image. Every container runs as the
 * image's non-root user, read-only root, no capabilities, no privilege escalation, RuntimeDefault
 * seccomp, with CPU and memory requests and limits.
 *
 * The Job and the plan ConfigMap are owned by the ClusterOperation (a cluster-scoped owner of
 * namespaced objects is allowed); every other object is owned by the plan ConfigMap, so deleting
 * that one when the operation ends deletes them all, and deleting the operation deletes
 * everything. The user's own ConfigMaps and Secret are never referenced as owned, only mounted.
 * Names derive from the operation's uid, so dispatching the same operation again finds its Job
 * instead of creating a second one.
 */
import { createHash } from 'node:crypto';
import type { V1ConfigMap, V1Job, V1ObjectMeta, V1OwnerReference, V1ResourceRequirements, V1Secret, V1SecurityContext, V1Toleration } from '@kubernetes/client-node';
import { API_VERSION, CLUSTER_OPERATION_KIND, type ClusterOperation, type ObjectRef } from '../api/types.js';
import { SSH_KEY_KEY, type JobPlanObjects } from '../engine/job-plan.js';
import { jobPlanVolumes } from '../engine/job-plan-volumes.js';
import { kubeconfigUploadSidecar, sshAgentSidecar, type Sidecar } from './job-sidecars.js';
import { DEFAULT_JOB_RESOURCES, type JobResources } from './job-resources.js';
import { kubeconfigUploaderRbac, uploaderName, type UploaderRbac } from './kubeconfig-uploader-rbac.js';
import { SlipwayError } from '../util/slipway-error.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'slipway';
export const OPERATION_UID_LABEL = 'slipway.io/operation-uid';
/** The operation's name when it fits a label value, else its hashed form. */
export const OPERATION_LABEL = 'slipway.io/operation';
export const CLUSTER_LABEL = 'slipway.io/cluster';
/** On the pods of operations that hand a kubeconfig back: their NetworkPolicy lets them reach the apiserver. */
export const KUBECONFIG_UPLOAD_LABEL = 'slipway.io/kubeconfig-upload';
/** Set by the Job controller on the Job's pods. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const JOB_CONTAINER = 'operation';
/** The job image's user (job-image/Containerfile). */
export const JOB_UID = 65532;

const LABEL_MAX = 63;

export interface JobBuildInput {
  /** The controller's namespace, where every object goes. */
  namespace: string;
  operation: ClusterOperation;
  jobPlan: JobPlanObjects;
  /** Seconds; 0 or undefined: none. */
  activeDeadlineSeconds: number | undefined;
  /** The ansible container's image, as the operator's policy chose it (Plan.image). */
  image: string;
  /** The operator's job image: the sidecars', whatever the operation asks for. */
  jobImage: string;
  /** The operator's defaults (DEFAULT_JOB_RESOURCES when absent). */
  resources?: JobResources;
  /** The plan ConfigMap's uid (known once it is created): every object but it and the Job is its dependent. */
  planUid: string;
  /**
   * The Cluster's SSH key, when the plan uses one: the user's Secret if it is in `namespace`
   * (mounted as it is), else the key itself, copied into an operation-owned Secret.
   */
  sshKey?: { secretRef: ObjectRef; privateKey: string };
  /**
   * Operator-chosen extras for the pod (scheduling, test labels, the Secrets its images are
   * pulled with, in `namespace`); never taken from the operation.
   */
  pod?: { labels?: Record<string, string>; annotations?: Record<string, string>; nodeSelector?: Record<string, string>; tolerations?: V1Toleration[]; imagePullSecrets?: string[] };
}

export interface JobObjects {
  planConfigMap: V1ConfigMap;
  /** Absent when the plan has no secret files. */
  planSecret?: V1Secret;
  /** The copy of the SSH key, when the user's Secret is in another namespace. */
  authSecret?: V1Secret;
  /** The drop-box and the kubeconfig-upload sidecar's identity, when the pod has that sidecar; created before the Job. */
  uploader?: UploaderRbac;
  job: V1Job;
}

/** Every container's: the pod's user, nothing more. */
const CONTAINER_SECURITY: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

export class JobBuildError extends SlipwayError {
  constructor(message: string) {
    super('job-build', message, true);
  }
}

const shortHash = (text: string, n: number): string => createHash('sha256').update(text).digest('hex').slice(0, n);

/** `slipway-<name, cut>-<8 hex of the uid>`: a DNS label (the Job controller uses it as a label value). */
export function jobNameFor(op: Pick<ClusterOperation, 'metadata'>): string {
  const uid = op.metadata.uid;
  const name = op.metadata.name;
  if (!uid || !name) throw new JobBuildError('the operation has no uid or name (it was not read from the API server)');
  const head = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, LABEL_MAX - 'slipway-'.length - 9).replace(/-+$/, '');
  return `slipway-${head}-${shortHash(uid, 8)}`;
}

export const planObjectName = (jobName: string): string => `${jobName}-plan`;
export const authObjectName = (jobName: string): string => `${jobName}-auth`;

export function labelValue(text: string): string {
  return text.length <= LABEL_MAX && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(text) ? text : `h-${shortHash(text, 32)}`;
}

export function ownerReferenceTo(op: ClusterOperation): V1OwnerReference {
  return { apiVersion: API_VERSION, kind: CLUSTER_OPERATION_KIND, name: op.metadata.name ?? '', uid: op.metadata.uid ?? '', controller: true };
}

function labelsOf(op: ClusterOperation): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [OPERATION_LABEL]: labelValue(op.metadata.name ?? ''),
    [OPERATION_UID_LABEL]: op.metadata.uid ?? '',
    [CLUSTER_LABEL]: labelValue(op.spec.cluster),
  };
}

/** The plan ConfigMap alone: created first, since every other object but the Job is its dependent. */
export function buildPlanConfigMap(input: Pick<JobBuildInput, 'namespace' | 'operation' | 'jobPlan'>): V1ConfigMap {
  const op = input.operation;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: planObjectName(jobNameFor(op)), namespace: input.namespace, labels: labelsOf(op), ownerReferences: [ownerReferenceTo(op)] },
    data: input.jobPlan.configMapData,
  };
}

export function buildJobObjects(input: JobBuildInput): JobObjects {
  const op = input.operation;
  const jobName = jobNameFor(op);
  const labels = labelsOf(op);
  const planName = planObjectName(jobName);
  const planOwner: V1OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: planName, uid: input.planUid, controller: true };
  const meta = (name: string): V1ObjectMeta => ({ name, namespace: input.namespace, labels, ownerReferences: [planOwner] });
  const hasSecretFiles = Object.keys(input.jobPlan.secretData).length > 0;
  const usesKey = input.jobPlan.plan.agentIdentity !== undefined;
  if (usesKey && !input.sshKey) throw new JobBuildError('the plan uses the SSH key but none was given');
  const keyInPlace = input.sshKey?.secretRef.namespace === input.namespace;
  const userSecret = usesKey ? (keyInPlace ? input.sshKey!.secretRef.name : authObjectName(jobName)) : undefined;

  const { volumes, mounts, keyMount } = jobPlanVolumes(input.jobPlan.plan, {
    planConfigMap: planName,
    ...(hasSecretFiles ? { planSecret: planName } : {}),
    ...(userSecret ? { userSecret } : {}),
  });
  const resources = input.resources ?? DEFAULT_JOB_RESOURCES;
  const uploads = input.jobPlan.plan.kubeconfigArtifact !== undefined;
  const sidecarBase = { image: input.jobImage, securityContext: CONTAINER_SECURITY };
  const sidecars: Sidecar[] = [
    ...(keyMount ? [sshAgentSidecar({ ...sidecarBase, resources: resources.sshAgent, keyMount })] : []),
    ...(uploads
      ? [kubeconfigUploadSidecar({ ...sidecarBase, resources: resources.kubeconfigUpload, secretName: uploaderName(jobName), namespace: input.namespace, operationUid: op.metadata.uid ?? '' })]
      : []),
  ];
  const uploader = uploads ? kubeconfigUploaderRbac({ jobName, namespace: input.namespace, meta }) : undefined;
  const deadline = input.activeDeadlineSeconds && input.activeDeadlineSeconds > 0 ? input.activeDeadlineSeconds : undefined;
  const pod = input.pod ?? {};
  const podLabels = { ...pod.labels, ...labels, ...(uploads ? { [KUBECONFIG_UPLOAD_LABEL]: 'true' } : {}) };
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName, namespace: input.namespace, labels, ownerReferences: [ownerReferenceTo(op)] },
    spec: {
      // A playbook never runs twice: no retry, no restart (a second pod is suspended by the executor).
      backoffLimit: 0,
      ...(deadline ? { activeDeadlineSeconds: deadline } : {}),
      template: {
        metadata: { labels: podLabels, ...(pod.annotations ? { annotations: pod.annotations } : {}) },
        spec: {
          restartPolicy: 'Never',
          // No container gets a token unless it mounts one: only the kubeconfig-upload sidecar does.
          automountServiceAccountToken: false,
          ...(uploader ? { serviceAccountName: uploaderName(jobName) } : {}),
          enableServiceLinks: false,
          ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
          ...(pod.tolerations ? { tolerations: pod.tolerations } : {}),
          ...(pod.imagePullSecrets?.length ? { imagePullSecrets: pod.imagePullSecrets.map((name) => ({ name })) } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: JOB_UID,
            runAsGroup: JOB_UID,
            fsGroup: JOB_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(sidecars.length > 0 ? { initContainers: sidecars.map((s) => s.container) } : {}),
          containers: [
            {
              name: JOB_CONTAINER,
              image: input.image,
              resources: op.spec.resources ? (op.spec.resources as V1ResourceRequirements) : resources.operation,
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [...mounts, { name: 'tmp', mountPath: '/tmp' }, ...sidecars.flatMap((s) => s.clientMounts)],
            },
          ],
          volumes: [...volumes, { name: 'tmp', emptyDir: {} }, ...sidecars.flatMap((s) => s.volumes)],
        },
      },
    },
  };
  return {
    planConfigMap: buildPlanConfigMap(input),
    ...(hasSecretFiles ? { planSecret: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: meta(planName), stringData: input.jobPlan.secretData } } : {}),
    ...(usesKey && !keyInPlace
      ? { authSecret: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: meta(authObjectName(jobName)), stringData: { [SSH_KEY_KEY]: input.sshKey!.privateKey } } }
      : {}),
    ...(uploader ? { uploader } : {}),
    job,
  };
}
