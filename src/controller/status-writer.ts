import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { chunkName } from '../oplog/log-chunks.js';
import type { OperationProgress } from '../status/operation-progress.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation, type ClusterOperationStatus, type ClusterStatus } from '../api/types.js';
import { boundedOperationStatus } from '../status/bounded-status.js';
import { writeComputedStatus, type GuardedWrite } from '../status/guarded-status-write.js';

export type ClusterWrite = GuardedWrite;

/**
 * Writes a computed status as a whole through the status subresource (a JSON patch replacing
 * /status, guarded by the object's uid so a recreated object of the same name is never written).
 * A deleted object is not an error: there is nothing left to report on.
 */
export class StatusWriter {
  private readonly custom: CustomObjectsApi;

  /** `logNamespace`: where operations' logs are kept; every status of a started operation then names its log. */
  constructor(
    kubeConfig: KubeConfig,
    private readonly logNamespace?: string,
  ) {
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /**
   * An operation's status and its Cluster's, the Cluster's first: whoever sees the operation's
   * new status finds the Cluster's already written. The Cluster's status is computed from
   * `cluster` (which may be the informer's copy, a little behind) and written only if the Cluster
   * is still that version; else it is read again and computed again, so a condition or digest
   * written meanwhile is never lost. `clusterStatus` may find nothing to write. Returns the
   * Cluster's status as written (undefined: nothing written, or the Cluster is gone).
   */
  async pair(
    op: ClusterOperation,
    operation: ClusterOperationStatus,
    cluster: Cluster | undefined,
    clusterStatus: (previous: ClusterStatus | undefined) => ClusterStatus | undefined,
  ): Promise<ClusterStatus | undefined> {
    const name = op.spec.cluster;
    const written = await writeComputedStatus<Cluster, ClusterStatus>({
      object: cluster,
      compute: (current) => clusterStatus(current.status),
      write: (current, status) => this.cluster(name, current.metadata.uid, status, current.metadata.resourceVersion),
      read: () => this.readCluster(name),
      attempts: CLUSTER_WRITE_ATTEMPTS,
    });
    if (written.result === 'changed') throw new Error(`Cluster ${name} changed under each of ${CLUSTER_WRITE_ATTEMPTS} status writes`);
    await this.operation(op.metadata.name!, op.metadata.uid, operation);
    return written.result === 'written' ? written.status : undefined;
  }

  /** false when the object is gone or is another one now. Whatever `status` holds, what is written stays within STATUS_BOUNDS. */
  async operation(name: string, uid: string | undefined, status: ClusterOperationStatus): Promise<boolean> {
    return (await this.write(CLUSTER_OPERATION_PLURAL, name, [uidTest(uid)], this.withLogRef(uid, boundedOperationStatus(status)))) === 'written';
  }

  private withLogRef(uid: string | undefined, status: ClusterOperationStatus): ClusterOperationStatus {
    if (!this.logNamespace || !uid || !status.startTime) return status;
    return { ...status, logRef: { namespace: this.logNamespace, name: chunkName(uid, 0) } };
  }

  /**
   * Only `status.progress` of a running operation: the rest of its status stays as written. Guarded
   * by the uid and by the status still being Running, so a late patch never lands on a finished one.
   */
  async progress(name: string, uid: string | undefined, progress: OperationProgress): Promise<boolean> {
    const tests = [uidTest(uid), { op: 'test', path: '/status/status', value: 'Running' }];
    const body = [...tests.filter((t) => t !== undefined), { op: 'add', path: '/status/progress', value: progress }];
    return (await this.patch(CLUSTER_OPERATION_PLURAL, name, body)) === 'written';
  }

  /**
   * A Cluster's status is computed from its previous one (its per-operation conditions, the
   * control-plane digest): with the `resourceVersion` it was computed from, the write only
   * happens if the Cluster is still that version. 'changed' can also mean the uid differs: the
   * caller reads it again to tell.
   */
  async cluster(name: string, uid: string | undefined, status: ClusterStatus, resourceVersion?: string): Promise<ClusterWrite> {
    const tests = [uidTest(uid), ...(resourceVersion ? [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }] : [])];
    const result = await this.write(CLUSTER_PLURAL, name, tests, status);
    return result === 'failed-test' ? (resourceVersion ? 'changed' : 'gone') : result;
  }

  private async readCluster(name: string): Promise<Cluster | undefined> {
    try {
      return (await this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name })) as Cluster;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  private write(plural: string, name: string, tests: (object | undefined)[], status: object): Promise<'written' | 'gone' | 'failed-test'> {
    return this.patch(plural, name, [...tests.filter((t) => t !== undefined), { op: 'add', path: '/status', value: status }]);
  }

  private async patch(plural: string, name: string, body: object[]): Promise<'written' | 'gone' | 'failed-test'> {
    try {
      await this.custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural, name, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      return 'written';
    } catch (err) {
      // 404: deleted; 422: a test failed (deleted and created again, or changed since read).
      if (err instanceof ApiException && err.code === 404) return 'gone';
      if (err instanceof ApiException && err.code === 422) return 'failed-test';
      throw err;
    }
  }
}

/** How often a Cluster's status is computed again because the Cluster changed under it, before giving up (the reconcile is retried). */
const CLUSTER_WRITE_ATTEMPTS = 5;

const uidTest = (uid: string | undefined) => (uid ? { op: 'test', path: '/metadata/uid', value: uid } : undefined);
