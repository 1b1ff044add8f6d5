/**
 * The live views, each an SSE stream fed by watches made as the signed-in user: the cluster
 * list, one cluster's details, one operation with its kept log. A view is sent whole on each
 * change (coalesced), so the page only ever replaces what it shows.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../api/types.js';
import { CANCEL_ANNOTATION } from '../controller/operation-cancel.js';
import { LOG_KEY, LOG_OPERATION_UID_LABEL, LOG_SEQ_LABEL } from '../oplog/log-chunks.js';
import { unseenText } from '../oplog/read-operation-log.js';
import { RETRY_OF_ANNOTATION } from '../operations/retry-operation.js';
import { clusterDetails, clusterRows, operationView } from './cluster-views.js';
import { watchCollection } from './collection-watch.js';
import { apiCall, type ApiServer } from './user-api.js';

export interface Feed {
  send(event: string, data: unknown): void;
  closed: AbortSignal;
}

const CLUSTERS = `/apis/${GROUP}/${VERSION}/${CLUSTER_PLURAL}`;
const OPERATIONS = `/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`;
const COALESCE_MS = 50;

/** Calls `send` at most once per COALESCE_MS, with the latest state. */
function coalesced(send: () => void, signal: AbortSignal): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    if (timer || signal.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!signal.aborted) send();
    }, COALESCE_MS);
  };
}

/** Operations the user may not list are simply not shown (the list falls back to each Cluster's own record). */
function watchOperations(server: ApiServer, token: string, path: string, onChange: (ops: ReadonlyMap<string, ClusterOperation>) => void, feed: Feed): void {
  watchCollection<ClusterOperation>(server, token, path, { changed: onChange, refused: () => undefined }, feed.closed);
}

/** One object by name (undefined once listed and absent); a refusal is sent to the page. */
function watchNamed<T extends KubernetesObject>(server: ApiServer, token: string, collection: string, name: string, feed: Feed, onChange: (object: T | undefined) => void): void {
  watchCollection<T>(server, token, `${collection}?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`, {
    changed: (m) => onChange(m.get(name)),
    refused: (status, message) => feed.send('refused', { status, message }),
  }, feed.closed);
}

export function clusterListFeed(server: ApiServer, token: string, feed: Feed): void {
  let clusters: ReadonlyMap<string, Cluster> | undefined;
  let ops: ReadonlyMap<string, ClusterOperation> = new Map();
  const push = coalesced(() => clusters && feed.send('clusters', clusterRows(clusters.values(), ops.values())), feed.closed);
  watchCollection<Cluster>(server, token, CLUSTERS, {
    changed: (m) => {
      clusters = m;
      push();
    },
    refused: (status, message) => feed.send('refused', { status, message }),
  }, feed.closed);
  watchOperations(server, token, OPERATIONS, (m) => {
    ops = m;
    push();
  }, feed);
}

export function clusterDetailsFeed(server: ApiServer, token: string, name: string, kubeVersions: readonly string[], feed: Feed): void {
  let cluster: Cluster | undefined;
  let listed = false;
  let ops: ReadonlyMap<string, ClusterOperation> = new Map();
  let secretKey = '';
  let kubeconfigReadable = false;
  // Known before the first view, so a control the user may not use never flashes up.
  let rights: ClusterRights | undefined;
  const push = coalesced(() => {
    if (!listed || !rights) return;
    if (!cluster) return feed.send('missing', { message: `Cluster ${name} was not found` });
    feed.send('cluster', { ...clusterDetails(cluster, ops.values(), kubeVersions), kubeconfigReadable, may: rights });
  }, feed.closed);
  void clusterRights(server, token, name)
    .catch((): ClusterRights => ({ change: false, delete: false }))
    .then((r) => {
      rights = r;
      push();
    });
  const checkKubeconfig = (): void => {
    const ref = cluster?.status?.kubeconfigSecretRef;
    const key = ref ? `${ref.namespace}/${ref.name}` : '';
    if (key === secretKey) return;
    secretKey = key;
    kubeconfigReadable = false;
    if (!ref) return;
    void mayGetSecret(server, token, ref.namespace, ref.name).then((allowed) => {
      if (secretKey !== key) return;
      kubeconfigReadable = allowed;
      push();
    }, () => undefined);
  };
  watchNamed<Cluster>(server, token, CLUSTERS, name, feed, (c) => {
    listed = true;
    cluster = c;
    checkKubeconfig();
    push();
  });
  watchOperations(server, token, OPERATIONS, (m) => {
    ops = m;
    push();
  }, feed);
}

/** A SelfSubjectAccessReview: may this user do that? */
async function mayDo(server: ApiServer, token: string, resourceAttributes: Record<string, string>): Promise<boolean> {
  const review = await apiCall<{ status?: { allowed?: boolean } }>(server, token, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    method: 'POST',
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
  });
  return review.status?.allowed === true;
}

export const mayGetSecret = (server: ApiServer, token: string, namespace: string, name: string): Promise<boolean> => mayDo(server, token, { verb: 'get', resource: 'secrets', namespace, name });

/** Which controls the page shows: the apiserver decides anyway, this only spares the user a refusal. */
export interface ClusterRights {
  /** Create operations (scale, upgrade, control-plane changes). */
  change: boolean;
  /** Create the reset and delete the Cluster. */
  delete: boolean;
}

export async function clusterRights(server: ApiServer, token: string, name: string): Promise<ClusterRights> {
  const [create, del] = await Promise.all([
    mayDo(server, token, { verb: 'create', group: GROUP, resource: CLUSTER_OPERATION_PLURAL }),
    mayDo(server, token, { verb: 'delete', group: GROUP, resource: CLUSTER_PLURAL, name }),
  ]);
  return { change: create, delete: create && del };
}

interface LogChunk extends KubernetesObject {
  data?: Record<string, string>;
}

export function operationFeed(server: ApiServer, token: string, name: string, feed: Feed): void {
  let listed = false;
  let op: ClusterOperation | undefined;
  let logWatched = '';
  const printed = new Map<number, number>();
  const push = coalesced(() => {
    if (!listed) return;
    if (!op) return feed.send('missing', { message: `ClusterOperation ${name} was not found` });
    feed.send('operation', operationView(op, CANCEL_ANNOTATION, RETRY_OF_ANNOTATION));
  }, feed.closed);
  const followLog = (): void => {
    const ref = op?.status?.logRef;
    const uid = op?.metadata.uid;
    if (!ref || !uid || logWatched) return;
    logWatched = `${ref.namespace}/${uid}`;
    const path = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/configmaps?labelSelector=${encodeURIComponent(`${LOG_OPERATION_UID_LABEL}=${uid}`)}`;
    watchCollection<LogChunk>(server, token, path, {
      changed: (m) => {
        const chunks = [...m.values()].map((cm) => ({ seq: Number(cm.metadata?.labels?.[LOG_SEQ_LABEL] ?? 0), text: cm.data?.[LOG_KEY] ?? '' })).sort((a, b) => a.seq - b.seq);
        const text = unseenText({ text: '', chunks }, printed);
        if (text) feed.send('log', { text });
      },
      refused: (status, message) => feed.send('log-refused', { status, message }),
    }, feed.closed);
  };
  watchNamed<ClusterOperation>(server, token, OPERATIONS, name, feed, (o) => {
    listed = true;
    op = o;
    followLog();
    push();
  });
}
