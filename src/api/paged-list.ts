import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

/** Objects per list page, as client-go's reflector asks for. */
export const LIST_PAGE_SIZE = 500;

/** One page: `continue` is the previous page's token (absent for the first). */
export type ListPage<T extends KubernetesObject> = (page: { limit: number; continue?: string }) => Promise<KubernetesListObject<T>>;

/**
 * The whole collection, read a page at a time and each page cut down by `slim` before the next
 * is read: an informer's first list of 10000 ClusterOperations otherwise holds the whole
 * response, its text and every full object at once, the controller's memory peak. The pages
 * are one snapshot (the continue token carries the first page's resourceVersion), whose
 * resourceVersion the result reports; an expired token fails the list and the informer lists
 * again.
 */
export async function listInPages<T extends KubernetesObject>(page: ListPage<T>, slim: (obj: T) => T = (obj) => obj, limit = LIST_PAGE_SIZE): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let first: KubernetesListObject<T> | undefined;
  let token: string | undefined;
  do {
    const list = await page({ limit, ...(token ? { continue: token } : {}) });
    first ??= list;
    for (const item of list.items) items.push(slim(item));
    // Typed lists come deserialized (`_continue`); custom objects' lists as the apiserver sent them.
    const meta = list.metadata as { _continue?: string; continue?: string } | undefined;
    token = meta?._continue || meta?.continue || undefined;
  } while (token);
  const metadata = { ...first.metadata };
  delete metadata._continue;
  delete (metadata as { continue?: string }).continue;
  delete metadata.remainingItemCount;
  return { ...first, metadata, items };
}
