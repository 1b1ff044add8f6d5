import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from './repo-root.js';

export function crdFiles(dir = join(repoRoot(), 'crds')): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
}

/** Applies the CRD manifests and waits until the apiserver serves every one of them. */
export async function applyCrds(kubectl: string, kubeconfig: string, signal?: AbortSignal, files: string[] = crdFiles()): Promise<string[]> {
  if (files.length === 0) return [];
  const base = [`--kubeconfig=${kubeconfig}`];
  const applied = await execa(kubectl, [...base, 'apply', '-o', 'name', ...files.flatMap((f) => ['-f', f])], { cancelSignal: signal });
  const names = applied.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const crds = names.filter((n) => n.startsWith('customresourcedefinition'));
  // A CRD just created may have no conditions yet, which kubectl wait (1.34) reports as an error.
  for (let attempt = 1; crds.length > 0; attempt++) {
    const waited = await execa(kubectl, [...base, 'wait', '--for=condition=Established', '--timeout=60s', ...crds], { cancelSignal: signal, reject: attempt >= 5 });
    if (waited.exitCode === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return names;
}
