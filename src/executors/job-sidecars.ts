/**
 * The sidecars of an operation's pod: native sidecars (init containers with `restartPolicy:
 * Always`: the kubelet starts them before the ansible container and stops them once it has
 * ended) of the operator's job image — never the operation's spec.image, so no image a user
 * names ever runs beside a credential — each the only container that mounts one, and the
 * in-memory directories each shares with the ansible container. Pure; the Job builder adds them.
 *
 *   ssh-agent          mounts /auth (the Cluster's key) and serves it from an ssh-agent whose
 *                      socket is in /agent, which the ansible container mounts read-only
 *   kubeconfig-upload  mounts a token of the operation's uploader ServiceAccount (allowed to patch
 *                      the operation's drop-box Secret alone, kubeconfig-uploader-rbac.ts); reads
 *                      /kubeconfig, which the ansible container writes, and answers in
 *                      /kubeconfig-status
 *
 * The contract with the image: src/engine/job-plan.ts (JOB_SHARED_DIRS, SIDECARS).
 */
import type { V1Container, V1ResourceRequirements, V1SecurityContext, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { JOB_SHARED_DIRS, KUBECONFIG_UPLOAD_ENV, SIDECARS } from '../engine/job-plan.js';

export const SSH_AGENT_CONTAINER = 'ssh-agent';
export const KUBECONFIG_CONTAINER = 'kubeconfig-upload';

/** The apiserver's CA, which kube-controller-manager publishes in every namespace. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The shortest life the apiserver gives a projected token; the kubelet renews it while the pod runs. */
export const UPLOAD_TOKEN_SECONDS = 600;

/** A sidecar and what the ansible container mounts of it. */
export interface Sidecar {
  container: V1Container;
  volumes: V1Volume[];
  clientMounts: V1VolumeMount[];
}

/** A socket, a public key, a kubeconfig: kept off the node's disk, and small. */
const memoryDir = (name: string): V1Volume => ({ name, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
const at = (name: string, dir: keyof typeof JOB_SHARED_DIRS, readOnly: boolean): V1VolumeMount => ({ name, mountPath: JOB_SHARED_DIRS[dir].path, ...(readOnly ? { readOnly } : {}) });

export interface SidecarInput {
  /** The operator's job image. */
  image: string;
  securityContext: V1SecurityContext;
  resources: V1ResourceRequirements;
}

/** A native sidecar of the image, run as `entrypoint.sh <arg>`. */
const sidecar = (o: SidecarInput, name: string, arg: string, rest: Pick<V1Container, 'env' | 'volumeMounts'>): V1Container => ({
  name,
  image: o.image,
  args: [arg],
  restartPolicy: 'Always',
  ...rest,
  resources: o.resources,
  securityContext: o.securityContext,
});

/** `keyMount`: the user's SSH Secret at /auth (jobPlanVolumes). */
export function sshAgentSidecar(o: SidecarInput & { keyMount: V1VolumeMount }): Sidecar {
  const dir = 'slipway-agent';
  return {
    container: sidecar(o, SSH_AGENT_CONTAINER, SIDECARS.sshAgent, { volumeMounts: [o.keyMount, at(dir, 'agent', false)] }),
    volumes: [memoryDir(dir)],
    clientMounts: [at(dir, 'agent', true)],
  };
}

export interface UploadInput extends SidecarInput {
  /** The drop-box Secret it patches, in `namespace`. */
  secretName: string;
  namespace: string;
  operationUid: string;
}

/** Runs as the pod's ServiceAccount (the uploader's); its token is mounted here and nowhere else. */
export function kubeconfigUploadSidecar(o: UploadInput): Sidecar {
  const handoff = 'slipway-kubeconfig';
  const status = 'slipway-kubeconfig-status';
  const token = 'slipway-kubeconfig-token';
  return {
    container: sidecar(o, KUBECONFIG_CONTAINER, SIDECARS.kubeconfigUpload, {
      env: [
        { name: KUBECONFIG_UPLOAD_ENV.secret, value: o.secretName },
        { name: KUBECONFIG_UPLOAD_ENV.namespace, value: o.namespace },
        { name: KUBECONFIG_UPLOAD_ENV.operationUid, value: o.operationUid },
      ],
      volumeMounts: [at(handoff, 'kubeconfig', true), at(status, 'kubeconfigStatus', false), at(token, 'token', true)],
    }),
    volumes: [
      memoryDir(handoff),
      memoryDir(status),
      {
        name: token,
        projected: {
          defaultMode: 0o440,
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: UPLOAD_TOKEN_SECONDS } },
            { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          ],
        },
      },
    ],
    clientMounts: [at(handoff, 'kubeconfig', false), at(status, 'kubeconfigStatus', true)],
  };
}
