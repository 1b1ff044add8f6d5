import { KubeConfig } from '@kubernetes/client-node';

/** A copy of `base` (its credentials and CA) that talks to `server` instead. */
export function kubeConfigFor(base: KubeConfig, server: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  if (!cluster) throw new Error('the base kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, server }],
    users: base.getUsers(),
    contexts: base.getContexts(),
    currentContext: base.getCurrentContext(),
  });
  return kc;
}
