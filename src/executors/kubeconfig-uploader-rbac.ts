/**
 * The identity of an operation's kubeconfig-upload sidecar: a ServiceAccount, a Role allowing
 * `patch` on the Cluster's kubeconfig Secret alone (by resourceNames) and their RoleBinding, in
 * the controller's namespace. Pure; the Job builder makes them owned by the operation.
 *
 * Only `patch`: the sidecar sends one merge patch (the kubeconfig and the operation's uid) to a
 * Secret the controller created beforehand, so it needs neither `create` (which resourceNames
 * cannot restrict), nor `get` (it would read the kubeconfig of an earlier install), nor `update`
 * (which would need the object it read).
 */
import type { V1ObjectMeta, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface UploaderRbac {
  serviceAccount: V1ServiceAccount;
  role: V1Role;
  roleBinding: V1RoleBinding;
}

/** `<job>-kubeconfig`: the ServiceAccount, Role and RoleBinding share it. */
export const uploaderName = (jobName: string): string => `${jobName}-kubeconfig`;

/** `meta(name)`: the builder's metadata (namespace, labels, owner) for an object of that name. */
export function kubeconfigUploaderRbac(o: { jobName: string; namespace: string; secretName: string; meta: (name: string) => V1ObjectMeta }): UploaderRbac {
  const name = uploaderName(o.jobName);
  return {
    // No token unless a container asks for one (the pod mounts it in the sidecar only).
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: o.meta(name), automountServiceAccountToken: false },
    role: {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'Role',
      metadata: o.meta(name),
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [o.secretName], verbs: ['patch'] }],
    },
    roleBinding: {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'RoleBinding',
      metadata: o.meta(name),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: o.namespace }],
    },
  };
}
