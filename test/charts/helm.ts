/** Runs the real helm on charts/slipway and parses what it renders. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { resolveHelmBinary } from '../env/kube-binaries.js';
import { repoRoot } from '../env/repo-root.js';

export const CHART_DIR = join(repoRoot(), 'charts', 'slipway');

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface HelmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** helm keeps its config, cache and data here, away from the developer's own. */
const HELM_HOME = join(tmpdir(), `slipway-helm-${process.pid}`);

export async function helm(args: string[]): Promise<HelmResult> {
  const env = { HELM_CACHE_HOME: join(HELM_HOME, 'cache'), HELM_CONFIG_HOME: join(HELM_HOME, 'config'), HELM_DATA_HOME: join(HELM_HOME, 'data') };
  const r = await execa(resolveHelmBinary(), args, { reject: false, env });
  return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Values written to a file (JSON is YAML) so nested objects and lists pass unmangled. */
export async function withValuesFile<T>(values: object, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-values-'));
  try {
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values));
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  values?: object;
}

/** `helm template`; resolves with the failure instead of throwing, for tests of refused values. */
export function template(o: RenderOptions = {}): Promise<HelmResult> {
  return withValuesFile(o.values ?? {}, (file) =>
    helm(['template', o.release ?? 'slipway', CHART_DIR, '--namespace', o.namespace ?? 'slipway-system', '--values', file]));
}

export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as KubeObject | null;
    if (value) out.push(value);
  }
  return out;
}

/** Renders the chart and parses the manifests; throws with helm's message if it refuses. */
export async function render(o: RenderOptions = {}): Promise<{ text: string; objects: KubeObject[] }> {
  const r = await template(o);
  if (r.exitCode !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return { text: r.stdout, objects: parseManifests(r.stdout) };
}

export function find(objects: KubeObject[], kind: string, name: string, namespace?: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace ? namespace + '/' : ''}${name} in ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}
