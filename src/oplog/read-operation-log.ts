/** Reads an operation's kept log back (log-chunks.ts), with the reader's own rights. */
import type { CoreV1Api } from '@kubernetes/client-node';
import { joinChunks, LOG_KEY, LOG_OPERATION_UID_LABEL, LOG_SEQ_LABEL } from './log-chunks.js';

export interface KeptLog {
  text: string;
  /** Chunks found; 0 means no log is kept (not started yet, or pruned with its operation). */
  chunks: number;
}

export async function readOperationLog(core: CoreV1Api, namespace: string, operationUid: string): Promise<KeptLog> {
  const list = await core.listNamespacedConfigMap({ namespace, labelSelector: `${LOG_OPERATION_UID_LABEL}=${operationUid}` });
  const chunks = list.items.map((cm) => ({ seq: Number(cm.metadata?.labels?.[LOG_SEQ_LABEL] ?? 0), text: cm.data?.[LOG_KEY] ?? '' }));
  return { text: joinChunks(chunks), chunks: chunks.length };
}
