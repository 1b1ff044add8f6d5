/**
 * Cancelling an operation: a cancel request (the annotation, so kubean's schema is untouched) or
 * the operation's deletion stops its run — a local run through its AbortSignal, a Job deleted
 * with its pods — and the record stays (a finalizer) until the run has really ended and its
 * Cancelled status is written. A queued operation leaves its cluster's line at once.
 */
import { ApiException, PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../api/types.js';

export const CANCEL_ANNOTATION = 'slipway.io/cancel';
/** Held while a turn runs the operation, so that deleting it waits for the run to stop. */
export const RUN_FINALIZER = 'slipway.kubean.io/run-ends';

/** Why the operation is to be stopped, if it is: the message its status ends with. */
export function cancelRequest(op: ClusterOperation): string | undefined {
  const at = op.metadata.annotations?.[CANCEL_ANNOTATION];
  if (at !== undefined) return `cancelled on request (${CANCEL_ANNOTATION}${at ? `: ${at}` : ''})`;
  const deleted = op.metadata.deletionTimestamp;
  if (deleted) return `cancelled: the operation was deleted at ${deleted instanceof Date ? deleted.toISOString() : String(deleted)}`;
  return undefined;
}

/** Thrown into a turn whose operation was cancelled before its run was dispatched. */
export class OperationCancelledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationCancelledError';
  }
}

export async function addRunFinalizer(custom: CustomObjectsApi, op: ClusterOperation): Promise<void> {
  if (op.metadata.deletionTimestamp || op.metadata.finalizers?.includes(RUN_FINALIZER)) return;
  const body = [
    { op: 'test', path: '/metadata/uid', value: op.metadata.uid },
    op.metadata.finalizers ? { op: 'add', path: '/metadata/finalizers/-', value: RUN_FINALIZER } : { op: 'add', path: '/metadata/finalizers', value: [RUN_FINALIZER] },
  ];
  await patch(custom, op, body);
}

/** Removes the finalizer from the operation as it is now (its finalizers may have changed since it was read). */
export async function removeRunFinalizer(custom: CustomObjectsApi, name: string, uid: string | undefined): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    let current: ClusterOperation;
    try {
      current = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name })) as ClusterOperation;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return;
      throw err;
    }
    if (current.metadata.uid !== uid) return;
    const index = current.metadata.finalizers?.indexOf(RUN_FINALIZER) ?? -1;
    if (index < 0) return;
    const body = [
      { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
      { op: 'remove', path: `/metadata/finalizers/${index}` },
    ];
    if (await patch(custom, current, body)) return;
  }
  throw new Error(`ClusterOperation ${name} changed under each attempt to remove its finalizer`);
}

/** true when written; false when a test failed (changed meanwhile) or it is gone. */
async function patch(custom: CustomObjectsApi, op: ClusterOperation, body: object[]): Promise<boolean> {
  try {
    await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: op.metadata.name!, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    return true;
  } catch (err) {
    if (err instanceof ApiException && (err.code === 404 || err.code === 409 || err.code === 422)) return false;
    throw err;
  }
}
