/**
 * The one loop behind every status computed from an object's previous status (the controller's
 * Cluster status after an operation, the observer's after a look): compute from the object as
 * read, write only if it is still that version, and on a conflict read it again and compute
 * again, so that what another writer wrote meanwhile is never lost.
 */

/** What a guarded write did: written; gone (deleted, or another object of that name now); or changed since read. */
export type GuardedWrite = 'written' | 'gone' | 'changed';

interface Versioned<S> {
  metadata: { uid?: string; resourceVersion?: string };
  status?: S;
}

export type ComputedWrite<O, S> = { result: 'written'; object: O; status: S } | { result: 'unchanged' | 'gone' | 'changed' };

/**
 * `compute` returns undefined when there is nothing to write (`unchanged`); `write` writes only
 * if the object is still at its resourceVersion; `read` reads it again. After `attempts` writes
 * that each found it changed: `changed`, for the caller to retry later or give up.
 */
export async function writeComputedStatus<O extends Versioned<S>, S>(p: {
  object: O | undefined;
  compute: (object: O) => S | undefined;
  write: (object: O, status: S) => Promise<GuardedWrite>;
  read: () => Promise<O | undefined>;
  attempts: number;
}): Promise<ComputedWrite<O, S>> {
  let current = p.object;
  for (let attempt = 1; current; attempt++) {
    const status = p.compute(current);
    if (status === undefined) return { result: 'unchanged' };
    const written = await p.write(current, status);
    if (written === 'written') return { result: 'written', object: current, status };
    if (written === 'gone') return { result: 'gone' };
    if (attempt >= p.attempts) return { result: 'changed' };
    const fresh = await p.read();
    // Gone, or another object of that name now.
    current = fresh?.metadata.uid === current.metadata.uid ? fresh : undefined;
  }
  return { result: 'gone' };
}
