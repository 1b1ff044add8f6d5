/** Scale out, scale in and upgrade, as the signed-in user: read the inputs, check (cluster-changes.ts), write, create the operation. */
import { HOSTS_KEY, VARS_KEY } from '../api/resolve-input.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ObjectRef } from '../api/types.js';
import { growControlPlane, scaleIn, scaleOut, shrinkControlPlane, upgrade, upgradeConfirmationRefusal, withoutHosts, type Change } from './cluster-changes.js';
import { BadRequest } from './http-util.js';
import type { HostRow } from './new-cluster.js';
import { whenSucceeded } from './operation-follow.js';
import { apiCall, type ApiServer } from './user-api.js';

interface ConfigMap {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const OPERATIONS = `/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`;
const cmPath = (ref: ObjectRef) => `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/configmaps/${encodeURIComponent(ref.name)}`;

const readCluster = (server: ApiServer, token: string, name: string) => apiCall<Cluster>(server, token, `/apis/${GROUP}/${VERSION}/${CLUSTER_PLURAL}/${encodeURIComponent(name)}`);

function accepted<T>(change: Change<T>): T {
  if ('refused' in change) throw new BadRequest(change.refused, 422);
  return change.ok;
}

/** Writes `key` of the ConfigMap (refused if it changed since it was read), runs `create`, and puts the old text back if that fails. */
async function withInput(server: ApiServer, token: string, cm: ConfigMap, key: string, text: string, create: () => Promise<unknown>): Promise<void> {
  const before = cm.data?.[key] ?? '';
  const path = cmPath(cm.metadata);
  const written = await apiCall<ConfigMap>(server, token, path, { method: 'PUT', body: { ...cm, data: { ...cm.data, [key]: text } } });
  try {
    await create();
  } catch (err) {
    await apiCall(server, token, path, { method: 'PUT', body: { ...written, data: { ...written.data, [key]: before } } }).catch(() => undefined);
    throw err;
  }
}

export async function scaleOutCluster(server: ApiServer, token: string, name: string, workers: HostRow[]): Promise<string> {
  const cluster = await readCluster(server, token, name);
  const cm = await apiCall<ConfigMap>(server, token, cmPath(cluster.spec.hostsConfRef));
  const { hostsText, operation } = accepted(scaleOut(name, cm.data?.[HOSTS_KEY] ?? '', Array.isArray(workers) ? workers : []));
  await withInput(server, token, cm, HOSTS_KEY, hostsText, () => apiCall(server, token, OPERATIONS, { method: 'POST', body: operation }));
  return operation.metadata.name ?? '';
}

export async function scaleInCluster(server: ApiServer, token: string, name: string, node: string): Promise<string> {
  const cluster = await readCluster(server, token, name);
  const cm = await apiCall<ConfigMap>(server, token, cmPath(cluster.spec.hostsConfRef));
  const operation = accepted(scaleIn(name, cm.data?.[HOSTS_KEY] ?? '', String(node ?? '')));
  await apiCall(server, token, OPERATIONS, { method: 'POST', body: operation });
  return operation.metadata.name ?? '';
}

export async function upgradeCluster(server: ApiServer, token: string, name: string, version: string, typed: unknown, available: readonly string[]): Promise<string> {
  const unconfirmed = upgradeConfirmationRefusal(name, typed);
  if (unconfirmed) throw new BadRequest(unconfirmed, 422);
  const cluster = await readCluster(server, token, name);
  const cm = await apiCall<ConfigMap>(server, token, cmPath(cluster.spec.varsConfRef));
  const current = cluster.status?.observedVersion || cluster.status?.desiredVersion || '';
  const { varsText, operation } = accepted(upgrade(name, cm.data?.[VARS_KEY] ?? '', current, String(version ?? ''), available));
  await withInput(server, token, cm, VARS_KEY, varsText, () => apiCall(server, token, OPERATIONS, { method: 'POST', body: operation }));
  return operation.metadata.name ?? '';
}

export async function growControlPlaneOf(server: ApiServer, token: string, name: string, rows: HostRow[]): Promise<string> {
  const cluster = await readCluster(server, token, name);
  const cm = await apiCall<ConfigMap>(server, token, cmPath(cluster.spec.hostsConfRef));
  const { hostsText, operation } = accepted(growControlPlane(name, cm.data?.[HOSTS_KEY] ?? '', Array.isArray(rows) ? rows : []));
  await withInput(server, token, cm, HOSTS_KEY, hostsText, () => apiCall(server, token, OPERATIONS, { method: 'POST', body: operation }));
  return operation.metadata.name ?? '';
}

/**
 * Starts kubean's delControlPlane: the remove-node.yml operation now; `follow` is handed the
 * second step, which runs once that has succeeded.
 */
export async function shrinkControlPlaneOf(server: ApiServer, token: string, name: string, nodes: string[], follow: (then: (signal: AbortSignal) => Promise<string>) => void): Promise<string> {
  const cluster = await readCluster(server, token, name);
  const cm = await apiCall<ConfigMap>(server, token, cmPath(cluster.spec.hostsConfRef));
  const list = Array.isArray(nodes) ? nodes.map(String) : [];
  const { remove, then } = accepted(shrinkControlPlane(name, cm.data?.[HOSTS_KEY] ?? '', list));
  await apiCall(server, token, OPERATIONS, { method: 'POST', body: remove });
  const removeName = remove.metadata.name ?? '';
  follow(async (signal) => {
    const outcome = await whenSucceeded(server, token, removeName, signal);
    if ('stopped' in outcome) throw new BadRequest(`${outcome.stopped}: hosts.yml keeps ${list.join(', ')} and cluster.yml does not run`, 409);
    // hosts.yml as it is now, without the removed control planes.
    const now = await apiCall<ConfigMap>(server, token, cmPath(cluster.spec.hostsConfRef));
    await withInput(server, token, now, HOSTS_KEY, withoutHosts(now.data?.[HOSTS_KEY] ?? '', list), () => apiCall(server, token, OPERATIONS, { method: 'POST', body: then.operation }));
    return then.operation.metadata.name ?? '';
  });
  return removeName;
}
