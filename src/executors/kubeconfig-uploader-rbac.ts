/**
 * The hand-back of an install's admin kubeconfig from the operation's pod: an empty drop-box
 * Secret, and the identity of the kubeconfig-upload sidecar — a ServiceAccount, a Role allowing
 * `patch` on that drop-box alone (by resourceNames) and their RoleBinding — in the controller's
 * namespace. Pure; the Job builder makes them dependents of the operation's plan ConfigMap.
 *
 * The drop-box is the operation's own and starts empty, so what a patch of it answers holds only
 * what the uploader wrote (and the names, labels and owner the controller gave it). The token
 * reads no Secret (no `get`: not the Cluster's kubeconfig Secret, not an earlier install's
 * kubeconfig) and writes none that matters: whatever it does to the drop-box (its data, owner,
 * finalizers, immutability), the controller only reads it, checks what it holds
 * (kubeconfig-upload-check.ts), stores that itself in `<cluster>-kubeconfig`, and deletes it.
 * No `create` either (which resourceNames cannot restrict).
 */
import type { V1ObjectMeta, V1Role, V1RoleBinding, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface UploaderRbac {
  serviceAccount: V1ServiceAccount;
  role: V1Role;
  roleBinding: V1RoleBinding;
  /** Created empty before the Job; the only object the uploader may write. */
  dropBox: V1Secret;
}

/** `<job>-kubeconfig`: the drop-box, the ServiceAccount, Role and RoleBinding share it. */
export const uploaderName = (jobName: string): string => `${jobName}-kubeconfig`;
export const DROP_BOX_TYPE = 'slipway.io/kubeconfig-drop-box';

/** `meta(name)`: the builder's metadata (namespace, labels, owner) for an object of that name. */
export function kubeconfigUploaderRbac(o: { jobName: string; namespace: string; meta: (name: string) => V1ObjectMeta }): UploaderRbac {
  const name = uploaderName(o.jobName);
  return {
    // No token unless a container asks for one (the pod mounts it in the sidecar only).
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: o.meta(name), automountServiceAccountToken: false },
    role: {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'Role',
      metadata: o.meta(name),
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [name], verbs: ['patch'] }],
    },
    roleBinding: {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'RoleBinding',
      metadata: o.meta(name),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: o.namespace }],
    },
    dropBox: { apiVersion: 'v1', kind: 'Secret', type: DROP_BOX_TYPE, metadata: o.meta(name), data: {} },
  };
}
