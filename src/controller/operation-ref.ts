import type { ClusterOperation } from '../api/types.js';

/** What the turn-taking needs to know of a ClusterOperation. */
export interface OperationRef {
  uid: string;
  name: string;
  cluster: string;
  /** metadata.creationTimestamp, RFC 3339 as the apiserver writes it. */
  creationTimestamp: string;
  /** The operation's status says it started (startTime or jobRef set): resume it, never run it. */
  startedBefore?: boolean;
}

export class IncompleteOperationError extends Error {
  constructor(readonly operation: string, readonly missing: string) {
    super(`ClusterOperation ${operation || '<unnamed>'} has no ${missing}: it cannot be queued`);
    this.name = 'IncompleteOperationError';
  }
}

/** The ref of an object read from the apiserver (which fills uid and creationTimestamp). */
export function operationRefOf(op: ClusterOperation): OperationRef {
  const name = op.metadata.name ?? '';
  const uid = op.metadata.uid;
  const created = op.metadata.creationTimestamp;
  if (!name) throw new IncompleteOperationError(name, 'metadata.name');
  if (!uid) throw new IncompleteOperationError(name, 'metadata.uid');
  if (!created) throw new IncompleteOperationError(name, 'metadata.creationTimestamp');
  return {
    uid,
    name,
    cluster: op.spec.cluster,
    // client-node deserializes creationTimestamp into a Date.
    creationTimestamp: created instanceof Date ? created.toISOString().replace('.000Z', 'Z') : String(created),
    startedBefore: Boolean(op.status?.startTime || op.status?.jobRef),
  };
}

/**
 * The member ordering an operation in its cluster's line. RFC 3339 timestamps of one format sort
 * as text; names and uids contain no '|'.
 */
export function lineMember(ref: OperationRef): string {
  return `${ref.creationTimestamp}|${ref.name}|${ref.uid}`;
}
