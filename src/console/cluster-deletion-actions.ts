/**
 * Deleting a cluster as the signed-in user: a reset.yml operation runs first (the hosts are
 * cleaned), and once it has succeeded the console removes the objects with the user's token:
 * the cluster's operations, the Cluster (the controller's finalizer lets it go; the kubeconfig
 * Secret it owns goes with it), and the inputs its spec names that no other Cluster uses.
 * The removal is followed while the user's session lives; deleting again resumes it.
 */
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation, type ObjectRef } from '../api/types.js';
import { deletionRefusal, deletionStep, deletionTargets, resetOperation } from './cluster-deletion-plan.js';
import { BadRequest } from './http-util.js';
import { whenSucceeded } from './operation-follow.js';
import { ApiRefusal, apiCall, type ApiServer } from './user-api.js';

const CLUSTERS = `/apis/${GROUP}/${VERSION}/${CLUSTER_PLURAL}`;
const OPERATIONS = `/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`;

export type DeletionAnswer = { operation: string } | { removed: string[] };

const listOps = async (server: ApiServer, token: string) => (await apiCall<{ items: ClusterOperation[] }>(server, token, OPERATIONS)).items;

/**
 * Starts (or resumes) the deletion of `name`: the reset operation it runs or waits for, or,
 * when that has succeeded, what was removed. `follow` is handed the operation to wait for.
 */
export async function deleteCluster(server: ApiServer, token: string, name: string, typed: unknown, understood: unknown, follow: (operation: string) => void): Promise<DeletionAnswer> {
  const refused = deletionRefusal(name, typed, understood);
  if (refused) throw new BadRequest(refused, 422);
  await apiCall<Cluster>(server, token, `${CLUSTERS}/${encodeURIComponent(name)}`);
  const step = deletionStep(name, await listOps(server, token));
  if ('remove' in step) return { removed: await removeClusterObjects(server, token, name) };
  if ('wait' in step) {
    follow(step.wait);
    return { operation: step.wait };
  }
  const op = resetOperation(name);
  await apiCall(server, token, OPERATIONS, { method: 'POST', body: op });
  follow(op.metadata.name ?? '');
  return { operation: op.metadata.name ?? '' };
}

async function remove(server: ApiServer, token: string, path: string): Promise<boolean> {
  try {
    await apiCall(server, token, path, { method: 'DELETE' });
    return true;
  } catch (err) {
    if (err instanceof ApiRefusal && err.status === 404) return false;
    throw err;
  }
}

const ns = (r: ObjectRef) => `/api/v1/namespaces/${encodeURIComponent(r.namespace)}`;

/** Removes the objects of a cluster whose reset succeeded; returns what it removed ("Kind ns/name"). */
export async function removeClusterObjects(server: ApiServer, token: string, name: string): Promise<string[]> {
  const cluster = await apiCall<Cluster>(server, token, `${CLUSTERS}/${encodeURIComponent(name)}`);
  const others = (await apiCall<{ items: Cluster[] }>(server, token, CLUSTERS)).items;
  const targets = deletionTargets(cluster, others, await listOps(server, token));
  const removed: string[] = [];
  // The Cluster first: while it exists it names its inputs, and a controller could still run for it.
  if (await remove(server, token, `${CLUSTERS}/${encodeURIComponent(name)}`)) removed.push(`Cluster ${name}`);
  for (const op of targets.operations) if (await remove(server, token, `${OPERATIONS}/${encodeURIComponent(op)}`)) removed.push(`ClusterOperation ${op}`);
  for (const r of targets.configMaps) if (await remove(server, token, `${ns(r)}/configmaps/${encodeURIComponent(r.name)}`)) removed.push(`ConfigMap ${r.namespace}/${r.name}`);
  for (const r of targets.secrets) if (await remove(server, token, `${ns(r)}/secrets/${encodeURIComponent(r.name)}`)) removed.push(`Secret ${r.namespace}/${r.name}`);
  return removed;
}

/** Once the reset `operation` has succeeded: the objects (a reset that failed leaves them, for a new delete). */
export async function finishDeletion(server: ApiServer, token: string, cluster: string, operation: string, signal: AbortSignal): Promise<string[]> {
  const outcome = await whenSucceeded(server, token, operation, signal);
  if ('stopped' in outcome) throw new BadRequest(`${outcome.stopped}: the objects stay (delete again to finish)`, 409);
  return removeClusterObjects(server, token, cluster);
}
