/** Reads an operation's kept log back (log-chunks.ts), with the reader's own rights. */
import type { CoreV1Api } from '@kubernetes/client-node';
import { joinChunks, LOG_KEY, LOG_OPERATION_UID_LABEL, LOG_SEQ_LABEL } from './log-chunks.js';

export interface KeptLog {
  text: string;
  /** The chunks by number; none means no log is kept (not started yet, or pruned with its operation). */
  chunks: { seq: number; text: string }[];
}

export async function readOperationLog(core: CoreV1Api, namespace: string, operationUid: string): Promise<KeptLog> {
  const list = await core.listNamespacedConfigMap({ namespace, labelSelector: `${LOG_OPERATION_UID_LABEL}=${operationUid}` });
  const chunks = list.items.map((cm) => ({ seq: Number(cm.metadata?.labels?.[LOG_SEQ_LABEL] ?? 0), text: cm.data?.[LOG_KEY] ?? '' })).sort((a, b) => a.seq - b.seq);
  return { text: joinChunks(chunks), chunks };
}

/**
 * What a follower has not printed yet: chunks only grow at their end and new ones get higher
 * numbers, so it remembers how much of each it printed. A chunk dropped meanwhile is not missed:
 * it was printed when it was current.
 */
export function unseenText(log: KeptLog, printed: Map<number, number>): string {
  let out = '';
  for (const c of log.chunks) {
    const before = printed.get(c.seq) ?? 0;
    if (c.text.length > before) out += c.text.slice(before);
    printed.set(c.seq, c.text.length);
  }
  return out;
}
