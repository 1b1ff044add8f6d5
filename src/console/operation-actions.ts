/**
 * What the console's buttons do, each as the signed-in user: cancel an operation (the cancel
 * annotation, as `slipway cancel`), retry a failed one (the operation `slipway retry` would
 * create), read a cluster's admin kubeconfig (the Secret its status names).
 */
import { KubeSource } from '../api/kube-source.js';
import { HOSTS_KEY } from '../api/resolve-input.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../api/types.js';
import { KUBECONFIG_KEY } from '../controller/kubeconfig-secret.js';
import { CANCEL_ANNOTATION } from '../controller/operation-cancel.js';
import { CONTROL_PLANE_GROUP, groupMembers } from '../inventory/inventory-model.js';
import { parseHosts } from '../inventory/parse-hosts.js';
import { retryOperation } from '../operations/retry-operation.js';
import { BadRequest } from './http-util.js';
import { apiCall, userKubeConfig, type ApiServer } from './user-api.js';

const OPERATIONS = `/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`;
const FINISHED = new Set(['Succeeded', 'Failed', 'Cancelled']);

export async function cancelOperation(server: ApiServer, token: string, name: string): Promise<void> {
  const op = await apiCall<ClusterOperation>(server, token, `${OPERATIONS}/${encodeURIComponent(name)}`);
  if (FINISHED.has(op.status?.status ?? '')) throw new BadRequest(`${name} has ended (${op.status?.status}): there is nothing to cancel`, 409);
  const body = { metadata: { annotations: { [CANCEL_ANNOTATION]: new Date().toISOString() } } };
  await apiCall(server, token, `${OPERATIONS}/${encodeURIComponent(name)}`, { method: 'PATCH', body, contentType: 'application/merge-patch+json' });
}

/** Creates the retry of a Failed operation; returns its name and why it runs where it does. */
export async function retryFailedOperation(server: ApiServer, token: string, name: string): Promise<{ name: string; reason: string }> {
  const failed = await apiCall<ClusterOperation>(server, token, `${OPERATIONS}/${encodeURIComponent(name)}`);
  const names = new Set((await apiCall<{ items: ClusterOperation[] }>(server, token, OPERATIONS)).items.map((o) => o.metadata.name ?? ''));
  const plan = retryOperation({ failed, controlPlane: await controlPlaneOf(server, token, failed.spec.cluster), taken: (n) => names.has(n) });
  if ('refused' in plan) throw new BadRequest(plan.refused, 409);
  await apiCall(server, token, OPERATIONS, { method: 'POST', body: plan.operation });
  return { name: plan.operation.metadata.name ?? '', reason: plan.reason };
}

async function controlPlaneOf(server: ApiServer, token: string, clusterName: string): Promise<string[]> {
  const cluster = await apiCall<Cluster>(server, token, `/apis/${GROUP}/${VERSION}/${CLUSTER_PLURAL}/${encodeURIComponent(clusterName)}`);
  const ref = cluster.spec.hostsConfRef;
  const cm = await new KubeSource(userKubeConfig(server, token)).getConfigMap(ref);
  const text = cm?.data?.[HOSTS_KEY];
  if (text === undefined) throw new BadRequest(`ConfigMap ${ref.namespace}/${ref.name} (key ${HOSTS_KEY}) not found`, 409);
  return groupMembers(parseHosts({ object: `ConfigMap ${ref.namespace}/${ref.name}`, key: HOSTS_KEY, text }), CONTROL_PLANE_GROUP);
}

/** The admin kubeconfig Slipway stored for the cluster (key `value` of the Secret in its status). */
export async function readKubeconfig(server: ApiServer, token: string, clusterName: string): Promise<string> {
  const cluster = await apiCall<Cluster>(server, token, `/apis/${GROUP}/${VERSION}/${CLUSTER_PLURAL}/${encodeURIComponent(clusterName)}`);
  const ref = cluster.status?.kubeconfigSecretRef;
  if (!ref) throw new BadRequest(`Cluster ${clusterName} has no stored kubeconfig`, 404);
  const secret = await apiCall<{ data?: Record<string, string> }>(server, token, `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets/${encodeURIComponent(ref.name)}`);
  const value = secret.data?.[KUBECONFIG_KEY];
  if (!value) throw new BadRequest(`Secret ${ref.namespace}/${ref.name} holds no kubeconfig (key ${KUBECONFIG_KEY})`, 404);
  return Buffer.from(value, 'base64').toString('utf8');
}
