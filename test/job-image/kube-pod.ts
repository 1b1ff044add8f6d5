/**
 * What the kubelet would read from the apiserver for a Job's pod: its ConfigMaps and Secrets,
 * and tokens of its ServiceAccount bound to the pod (TokenRequest). For the pod emulator.
 */
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { PodObjects } from './pod-emulator.js';

const orUndefined = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
};

export function apiserverObjects(kubeConfig: KubeConfig, namespace: string, pod: { name: string; uid: string }): PodObjects {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    configMap: async (name) => (await orUndefined(() => core.readNamespacedConfigMap({ name, namespace })))?.data ?? undefined,
    secret: async (name) => {
      const s = await orUndefined(() => core.readNamespacedSecret({ name, namespace }));
      return s ? Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) : undefined;
    },
    token: async (serviceAccount, expirationSeconds) => {
      const r = await core.createNamespacedServiceAccountToken({
        name: serviceAccount,
        namespace,
        body: { spec: { audiences: [], expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid } } },
      });
      return r.status!.token;
    },
  };
}

/** KUBERNETES_SERVICE_HOST/PORT for the test apiserver. */
export function apiServerOf(url: string): { host: string; port: string } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || '443' };
}
