import { readFile } from 'node:fs/promises';

/** The fields of a kube-apiserver audit event (audit.k8s.io/v1, level Metadata) read here. */
export interface AuditEvent {
  auditID: string;
  stage: 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
  verb: string;
  requestURI: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
}

/** One request: its first event (a watch logs ResponseStarted, then ResponseComplete when it closes). */
export type AuditedRequest = AuditEvent;

/** Every request in the audit log at `path` (JSON lines), once each, in the order they were logged. */
export async function auditedRequests(path: string): Promise<AuditedRequest[]> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
  const seen = new Set<string>();
  const requests: AuditedRequest[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const event = JSON.parse(line) as AuditEvent;
    if (seen.has(event.auditID)) continue;
    seen.add(event.auditID);
    requests.push(event);
  }
  return requests;
}

/** `verb resource[/subresource]`, e.g. `patch clusteroperations/status`, `watch pods`. */
export function requestKind(r: AuditedRequest): string {
  const resource = r.objectRef?.resource ?? r.requestURI.split('?')[0];
  return `${r.verb} ${resource}${r.objectRef?.subresource ? `/${r.objectRef.subresource}` : ''}`;
}
