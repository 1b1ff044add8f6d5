/** A node's roles, from its node-role.kubernetes.io/<role> labels: kubeadm's control-plane, or the older master. */
export function hasControlPlaneRole(roles: readonly string[] | undefined): boolean {
  return (roles ?? []).some((r) => r === 'control-plane' || r === 'master');
}
