/**
 * The Add-cluster form against Kubernetes, as the signed-in user: the node check creates the
 * inputs, the Cluster (marked as only checked) and the ping.yml operation, or rewrites the inputs
 * of the form's earlier check; Create then adds cluster.yml to those same objects once a check of
 * exactly these hosts and credentials has passed; leaving the form discards them.
 */
import { HOSTS_KEY } from '../api/resolve-input.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../api/types.js';
import { parseHosts } from '../inventory/parse-hosts.js';
import { removeClusterObjects } from './cluster-deletion-actions.js';
import { BadRequest } from './http-util.js';
import { newClusterObjects, type NewClusterForm, type NewClusterObjects } from './new-cluster.js';
import { checkedInputsDigest, createRefusal, NODE_CHECK_ANNOTATION, nodeCheckOperation, nodeCheckResult, type NodeCheckResult } from './node-check.js';
import { LOG_KEY, LOG_OPERATION_UID_LABEL, LOG_SEQ_LABEL } from '../oplog/log-chunks.js';
import { ApiRefusal, apiCall, type ApiServer } from './user-api.js';

const CLUSTERS = `/apis/${GROUP}/${VERSION}/${CLUSTER_PLURAL}`;
const OPERATIONS = `/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`;

function planOf(form: NewClusterForm): NewClusterObjects {
  const plan = newClusterObjects(form);
  if ('problems' in plan) throw new BadRequest(plan.problems.join('; '), 422);
  return plan.objects;
}

async function readIfThere<T>(server: ApiServer, token: string, path: string): Promise<T | undefined> {
  try {
    return await apiCall<T>(server, token, path);
  } catch (err) {
    if (err instanceof ApiRefusal && err.status === 404) return undefined;
    throw err;
  }
}

const inputPaths = (o: NewClusterObjects) => {
  const ns = `/api/v1/namespaces/${encodeURIComponent(o.hosts.metadata.namespace)}`;
  return [
    { collection: `${ns}/configmaps`, body: o.hosts },
    { collection: `${ns}/configmaps`, body: o.vars },
    { collection: `${ns}/secrets`, body: o.secret },
  ];
};

/**
 * Starts a node check of the form's hosts: creates the inputs, the marked Cluster and the check
 * operation (removing what it created if a step is refused), or, when the form's earlier check
 * made the Cluster, rewrites its inputs and runs a new check.
 */
export async function startNodeCheck(server: ApiServer, token: string, form: NewClusterForm): Promise<{ cluster: string; operation: string }> {
  const o = planOf(form);
  const name = o.cluster.metadata.name ?? '';
  const check = nodeCheckOperation(name, checkedInputsDigest(o));
  const existing = await readIfThere<Cluster>(server, token, `${CLUSTERS}/${encodeURIComponent(name)}`);
  if (existing) {
    if (existing.metadata.annotations?.[NODE_CHECK_ANNOTATION] === undefined) throw new BadRequest(`Cluster ${name} exists already: choose another name`, 409);
    if (existing.spec.hostsConfRef.namespace !== o.cluster.spec.hostsConfRef.namespace) throw new BadRequest(`the earlier check of ${name} used another namespace: leave the form and start again`, 409);
    for (const s of inputPaths(o)) await apiCall(server, token, `${s.collection}/${encodeURIComponent(s.body.metadata.name)}`, { method: 'PUT', body: s.body });
    await apiCall(server, token, OPERATIONS, { method: 'POST', body: check });
    return { cluster: name, operation: check.metadata.name ?? '' };
  }
  const cluster: Cluster = { ...o.cluster, metadata: { ...o.cluster.metadata, annotations: { [NODE_CHECK_ANNOTATION]: 'true' } } };
  const steps = [...inputPaths(o), { collection: CLUSTERS, body: cluster }, { collection: OPERATIONS, body: check }];
  const created: string[] = [];
  try {
    for (const s of steps) {
      await apiCall(server, token, s.collection, { method: 'POST', body: s.body });
      created.push(`${s.collection}/${encodeURIComponent(s.body.metadata.name ?? '')}`);
    }
  } catch (err) {
    for (const path of created.reverse()) await apiCall(server, token, path, { method: 'DELETE' }).catch(() => undefined);
    throw err;
  }
  return { cluster: name, operation: check.metadata.name ?? '' };
}

interface LogChunk {
  metadata?: { labels?: Record<string, string> };
  data?: Record<string, string>;
}

/** The check's result so far; the log is read when the user may read it, the status serves otherwise. */
export async function nodeCheckOf(server: ApiServer, token: string, operation: string): Promise<NodeCheckResult> {
  const op = await apiCall<ClusterOperation>(server, token, `${OPERATIONS}/${encodeURIComponent(operation)}`);
  if (op.spec.action !== 'ping.yml') throw new BadRequest(`${operation} is not a node check`, 404);
  const cluster = await apiCall<Cluster>(server, token, `${CLUSTERS}/${encodeURIComponent(op.spec.cluster)}`);
  const ref = cluster.spec.hostsConfRef;
  const cm = await apiCall<{ data?: Record<string, string> }>(server, token, `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/configmaps/${encodeURIComponent(ref.name)}`);
  const hosts = [...parseHosts({ object: `ConfigMap ${ref.namespace}/${ref.name}`, key: HOSTS_KEY, text: cm.data?.[HOSTS_KEY] ?? '' }).hosts.keys()];
  let log = '';
  const logRef = op.status?.logRef;
  if (logRef && op.metadata.uid) {
    const selector = encodeURIComponent(`${LOG_OPERATION_UID_LABEL}=${op.metadata.uid}`);
    const chunks = await apiCall<{ items: LogChunk[] }>(server, token, `/api/v1/namespaces/${encodeURIComponent(logRef.namespace)}/configmaps?labelSelector=${selector}`).catch(() => ({ items: [] }));
    log = chunks.items
      .map((c) => ({ seq: Number(c.metadata?.labels?.[LOG_SEQ_LABEL] ?? 0), text: c.data?.[LOG_KEY] ?? '' }))
      .sort((a, b) => a.seq - b.seq)
      .map((c) => c.text)
      .join('');
  }
  return nodeCheckResult(op, hosts, log);
}

/** Removes what the form's node check created (only a Cluster still marked as checked). */
export async function discardNodeCheck(server: ApiServer, token: string, name: string): Promise<string[]> {
  const cluster = await readIfThere<Cluster>(server, token, `${CLUSTERS}/${encodeURIComponent(name)}`);
  if (!cluster) return [];
  if (cluster.metadata.annotations?.[NODE_CHECK_ANNOTATION] === undefined) throw new BadRequest(`Cluster ${name} was created: delete it from its page`, 409);
  return removeClusterObjects(server, token, name);
}

/**
 * Create: given the check that passed for these hosts and credentials, writes the vars (the
 * version and advanced settings may have changed since), unmarks the Cluster and creates
 * the cluster.yml operation.
 */
export async function createCheckedCluster(server: ApiServer, token: string, form: NewClusterForm, checkName: unknown): Promise<{ cluster: string; operation: string }> {
  const o = planOf(form);
  const name = o.cluster.metadata.name ?? '';
  const cluster = await readIfThere<Cluster>(server, token, `${CLUSTERS}/${encodeURIComponent(name)}`);
  if (!cluster) throw new BadRequest('run the node check first', 409);
  const check = typeof checkName === 'string' && checkName ? await readIfThere<ClusterOperation>(server, token, `${OPERATIONS}/${encodeURIComponent(checkName)}`) : undefined;
  const refused = createRefusal(name, checkedInputsDigest(o), check, cluster.metadata.annotations?.[NODE_CHECK_ANNOTATION] !== undefined);
  if (refused) throw new BadRequest(refused, 409);
  const [, vars] = inputPaths(o);
  await apiCall(server, token, `${vars!.collection}/${encodeURIComponent(vars!.body.metadata.name)}`, { method: 'PUT', body: vars!.body });
  await apiCall(server, token, `${CLUSTERS}/${encodeURIComponent(name)}`, {
    method: 'PATCH',
    body: { metadata: { annotations: { [NODE_CHECK_ANNOTATION]: null } } },
    contentType: 'application/merge-patch+json',
  });
  await apiCall(server, token, OPERATIONS, { method: 'POST', body: o.operation });
  return { cluster: name, operation: o.operation.metadata.name ?? '' };
}
