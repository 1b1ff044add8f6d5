import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

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

/**
 * Every request in the audit log at `path` (JSON lines), once each: the rotated files first
 * (kube-apiserver renames a full log, 100 MB by default, to `<name>-<time><ext>` beside it).
 */
export async function auditedRequests(path: string): Promise<AuditedRequest[]> {
  const ext = extname(path);
  const rotatedPrefix = `${basename(path, ext)}-`;
  const rotated = (await readdir(dirname(path)).catch(() => [] as string[]))
    .filter((f) => f.startsWith(rotatedPrefix) && f.endsWith(ext))
    .sort()
    .map((f) => join(dirname(path), f));
  const seen = new Set<string>();
  const requests: AuditedRequest[] = [];
  for (const file of [...rotated, path]) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
    for (const line of text.split('\n')) {
      if (!line) continue;
      const event = JSON.parse(line) as AuditEvent;
      if (seen.has(event.auditID)) continue;
      seen.add(event.auditID);
      requests.push(event);
    }
  }
  return requests;
}

/** `verb resource[/subresource]`, e.g. `patch clusteroperations/status`, `watch pods`. */
export function requestKind(r: AuditedRequest): string {
  const resource = r.objectRef?.resource ?? r.requestURI.split('?')[0];
  return `${r.verb} ${resource}${r.objectRef?.subresource ? `/${r.objectRef.subresource}` : ''}`;
}
