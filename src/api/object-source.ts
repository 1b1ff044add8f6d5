import type { Cluster, ObjectRef } from './types.js';

export interface ConfigMapLike {
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
}

/** A Secret with its values already decoded from base64. */
export interface DecodedSecret {
  metadata: { name: string; namespace?: string };
  values: Record<string, string>;
}

/** Where the inputs of an operation come from: manifest files (CLI) or the Kubernetes API. */
export interface ObjectSource {
  getCluster(name: string): Promise<Cluster | undefined>;
  getConfigMap(ref: ObjectRef): Promise<ConfigMapLike | undefined>;
  getSecret(ref: ObjectRef): Promise<DecodedSecret | undefined>;
}

/** Values of a core/v1 Secret: `data` is base64, `stringData` plain (and wins, as in the API). */
export function decodeSecretValues(secret: {
  data?: Record<string, string> | undefined;
  stringData?: Record<string, string> | undefined;
}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) values[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) values[k] = v;
  return values;
}
