import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { InputError, ProblemList } from './input-error.js';
import { DEFAULT_INPUT_LIMITS, formatBytes } from './input-limits.js';
import { reportYamlErrors } from './yaml-errors.js';

/** One object read from a manifest file, with where it came from. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [field: string]: unknown;
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Expands directories (their *.yml / *.yaml files, sorted) into a file list. */
export function manifestFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      const entries = readdirSync(p)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
      out.push(...entries.map((f) => join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Parses multi-document YAML text; every document must be a Kubernetes object. */
export function parseManifests(text: string, file: string): ManifestObject[] {
  const problems = new ProblemList();
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const out: ManifestObject[] = [];
  for (const doc of docs) {
    reportYamlErrors(doc.errors, lineCounter, { object: file }, problems);
    if (doc.errors.length > 0) continue;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const line = doc.contents ? lineCounter.linePos(doc.contents.range[0]).line : 1;
    const obj = value as Partial<ManifestObject>;
    const metadata = obj.metadata as { name?: unknown } | undefined;
    if (typeof value !== 'object' || Array.isArray(value) || typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') {
      problems.error({
        code: 'not-an-object',
        object: file,
        line,
        message: 'document is not a Kubernetes object (needs apiVersion and kind)',
      });
      continue;
    }
    if (!metadata || typeof metadata.name !== 'string' || metadata.name === '') {
      problems.error({ code: 'missing-name', object: file, line, message: `${obj.kind} has no metadata.name` });
      continue;
    }
    // As the apiserver would: names end up in file paths (logs) and messages.
    const namespace = (metadata as { namespace?: unknown }).namespace;
    const bad = [metadata.name, namespace].find((n) => n !== undefined && (typeof n !== 'string' || !DNS_SUBDOMAIN.test(n)));
    if (bad !== undefined) {
      problems.error({
        code: 'bad-name',
        object: file,
        line,
        message: `${obj.kind} ${JSON.stringify(bad)} is not a valid Kubernetes name (lowercase letters, digits, "-" and ".")`,
      });
      continue;
    }
    out.push(obj as ManifestObject);
  }
  problems.throwIfErrors();
  return out;
}

/**
 * Reads and parses every manifest file, reporting the problems of all files together. A file
 * over `maxBytes` is refused unread.
 */
export function loadManifestFiles(paths: string[], maxBytes = DEFAULT_INPUT_LIMITS.maxManifestBytes): ManifestObject[] {
  const objects: ManifestObject[] = [];
  const problems: InputError['problems'] = [];
  let omitted = 0;
  for (const file of manifestFiles(paths)) {
    const size = statSync(file).size;
    if (size > maxBytes) {
      problems.push({ severity: 'error', code: 'input-too-large', object: file, message: `is ${formatBytes(size)}; the limit is ${formatBytes(maxBytes)}` });
      continue;
    }
    try {
      objects.push(...parseManifests(readFileSync(file, 'utf8'), file));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
      omitted += err.omitted;
    }
  }
  if (problems.length > 0) throw new InputError(problems, omitted);
  return objects;
}
