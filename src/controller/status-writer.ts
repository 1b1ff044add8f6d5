import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperationStatus, type ClusterStatus } from '../api/types.js';

/**
 * Writes a computed status as a whole through the status subresource (a JSON patch replacing
 * /status, guarded by the object's uid so a recreated object of the same name is never written).
 * A deleted object is not an error: there is nothing left to report on.
 */
export class StatusWriter {
  private readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  operation(name: string, uid: string | undefined, status: ClusterOperationStatus): Promise<boolean> {
    return this.write(CLUSTER_OPERATION_PLURAL, name, uid, status);
  }

  cluster(name: string, uid: string | undefined, status: ClusterStatus): Promise<boolean> {
    return this.write(CLUSTER_PLURAL, name, uid, status);
  }

  /** false when the object is gone or is another one now. */
  private async write(plural: string, name: string, uid: string | undefined, status: object): Promise<boolean> {
    const body = [...(uid ? [{ op: 'test', path: '/metadata/uid', value: uid }] : []), { op: 'add', path: '/status', value: status }];
    try {
      await this.custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural, name, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      return true;
    } catch (err) {
      // 404: deleted; 422: the uid test failed (deleted and created again).
      if (err instanceof ApiException && (err.code === 404 || err.code === 422)) return false;
      throw err;
    }
  }
}
