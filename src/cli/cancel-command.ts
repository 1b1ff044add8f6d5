/**
 * `slipway cancel OPERATION`: asks the controller to stop the operation, with the user's own
 * credentials (the annotation slipway.io/cancel, so kubean's schema is untouched). A running one
 * is stopped and ends Cancelled once its run has ended; a queued one leaves its cluster's line.
 */
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION } from '../api/types.js';
import { CANCEL_ANNOTATION } from '../controller/operation-cancel.js';
import { CommandError, KUBECONFIG_OPTION_HELP, managementKubeConfig, parseNamedCommand, readOperation, type CommandIO } from './management-cluster.js';

export const CANCEL_USAGE = `Usage: slipway cancel <operation> [options]

Stops a running or queued ClusterOperation: its steps are interrupted (a Job is deleted with its
pods), and it ends Cancelled once nothing of it runs any more. Deleting the operation does the
same and then removes it.

Options:
${KUBECONFIG_OPTION_HELP}
`;

const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

export async function cancelCommand(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseNamedCommand('cancel', CANCEL_USAGE, argv, {}, io);
  if (typeof parsed === 'number') return parsed;
  const { name, values } = parsed;
  const kc = managementKubeConfig(values.kubeconfig as string | undefined);
  try {
    const op = await readOperation(kc, name);
    const status = op.status?.status ?? '';
    if (ENDED.has(status)) throw new CommandError(`${name} has ended (${status}): nothing to cancel`);
    const body = { metadata: { annotations: { [CANCEL_ANNOTATION]: new Date().toISOString() } } };
    try {
      await kc.makeApiClient(CustomObjectsApi).patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) throw new CommandError(`ClusterOperation ${name} not found`);
      throw err;
    }
    io.out(`clusteroperation.kubean.io/${name} cancel requested\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    io.err(`slipway cancel: ${err.message}\n`);
    return 1;
  }
}
