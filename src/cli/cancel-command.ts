/**
 * `slipway cancel OPERATION`: asks the controller to stop the operation, with the user's own
 * credentials (the annotation slipway.io/cancel, so kubean's schema is untouched). A running one
 * is stopped and ends Cancelled once its run has ended; a queued one leaves its cluster's line.
 */
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION } from '../api/types.js';
import { CANCEL_ANNOTATION } from '../controller/operation-cancel.js';
import { CommandError, ENDED_STATUSES, managementKubeConfig, readOperation, type ClusterFlags, type CommandIO } from './management-cluster.js';

export async function cancelCommand(name: string, flags: ClusterFlags, io: CommandIO): Promise<number> {
  const kc = managementKubeConfig(flags);
  const op = await readOperation(kc, name);
  const status = op.status?.status ?? '';
  if (ENDED_STATUSES.has(status)) throw new CommandError(`${name} has ended (${status}): nothing to cancel`);
  const body = { metadata: { annotations: { [CANCEL_ANNOTATION]: new Date().toISOString() } } };
  try {
    await kc.makeApiClient(CustomObjectsApi).patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) throw new CommandError(`ClusterOperation ${name} not found`);
    throw err;
  }
  io.out(`clusteroperation.kubean.io/${name} cancel requested\n`);
  return 0;
}
