/**
 * A list-then-watch of one collection as the signed-in user, keeping the objects by name. A
 * refusal (401, 403, 404) is reported once and ends the watch: asking again with the same token
 * gets the same answer. Other failures, a 410 Gone or a watch the apiserver ended, relist.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { apiCall, ApiRefusal, apiStream, type ApiServer } from './user-api.js';

export interface CollectionEvents<T> {
  /** The objects changed (after the first list, then after each event). */
  changed(objects: ReadonlyMap<string, T>): void;
  /** The apiserver refused the list or watch: the message says why. */
  refused(status: number, message: string): void;
}

const RETRY_MS = [500, 1000, 2000, 5000];
const FINAL = new Set([401, 403, 404]);

export function watchCollection<T extends KubernetesObject>(server: ApiServer, token: string, path: string, events: CollectionEvents<T>, signal: AbortSignal): void {
  const objects = new Map<string, T>();
  const sep = path.includes('?') ? '&' : '?';
  const run = async (): Promise<void> => {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const list = await apiCall<{ items: T[]; metadata: { resourceVersion?: string } }>(server, token, path, { signal });
        objects.clear();
        for (const o of list.items) objects.set(o.metadata?.name ?? '', o);
        events.changed(objects);
        let rv = list.metadata.resourceVersion ?? '';
        let gone = false;
        for (;;) {
          await apiStream(server, token, `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}`, (line) => {
            const e = line as { type: string; object: T & { code?: number } };
            if (e.type === 'ERROR') {
              gone = true;
              return;
            }
            rv = e.object.metadata?.resourceVersion ?? rv;
            if (e.type === 'BOOKMARK') return;
            const name = e.object.metadata?.name ?? '';
            if (e.type === 'DELETED') objects.delete(name);
            else objects.set(name, e.object);
            events.changed(objects);
          }, signal);
          failures = 0;
          if (gone || signal.aborted) break;
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiRefusal && FINAL.has(err.status)) {
          events.refused(err.status, err.message);
          return;
        }
        await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]));
      }
    }
  };
  void run();
}
