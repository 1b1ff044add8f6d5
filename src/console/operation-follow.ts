/**
 * Waits, as the user, for an operation the console created to end: what the console does next
 * (remove a deleted cluster's objects, reconfigure after a control plane left) runs only once
 * it has succeeded.
 */
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../api/types.js';
import { apiCall, type ApiServer } from './user-api.js';

const OPERATIONS = `/apis/${GROUP}/${VERSION}/${CLUSTER_OPERATION_PLURAL}`;
const POLL_MS = 1000;

export type FollowOutcome = { succeeded: true } | { stopped: string };

export async function whenSucceeded(server: ApiServer, token: string, operation: string, signal: AbortSignal): Promise<FollowOutcome> {
  for (;;) {
    if (signal.aborted) return { stopped: `the session ended before ${operation} did` };
    const op = await apiCall<ClusterOperation>(server, token, `${OPERATIONS}/${encodeURIComponent(operation)}`);
    const status = op.status?.status;
    if (status === 'Succeeded') return { succeeded: true };
    if (status === 'Failed' || status === 'Cancelled') return { stopped: `${operation} ended ${status}` };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
