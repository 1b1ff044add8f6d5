/**
 * `slipway version`: the package's version, the commit this checkout or image was built from
 * (when git or the build recorded it) and the Kubernetes versions the offline bundle holds.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleLayout, defaultBundleRoot } from '../bundle/bundle-layout.js';
import { DEFAULT_KUBE_VERSION } from '../lab/kubean-inputs.js';

export interface VersionInfo {
  version: string;
  commit?: string;
  /** Kubernetes versions of the offline bundle on this machine (none when it is not built). */
  bundleKubernetes: string[];
  /** What `slipway lab up` installs unless told otherwise. */
  defaultKubernetes: string;
  node: string;
}

/** This file is compiled to dist/src/cli/: the checkout (or image) root is three levels up. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function versionInfo(): VersionInfo {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
  const commit = builtCommit();
  return { version: pkg.version, ...(commit ? { commit } : {}), bundleKubernetes: bundleKubernetes(), defaultKubernetes: DEFAULT_KUBE_VERSION, node: process.version };
}

export function renderVersion(v: VersionInfo): string {
  return [
    `slipway ${v.version}${v.commit ? ` (commit ${v.commit})` : ''}`,
    `node ${v.node}`,
    `kubernetes: ${v.defaultKubernetes} by default (slipway lab)${v.bundleKubernetes.length > 0 ? `; offline bundle: ${v.bundleKubernetes.join(', ')}` : ''}`,
  ].join('\n') + '\n';
}

/** dist/COMMIT when an image build wrote it, else git's HEAD of this checkout, else unknown. */
function builtCommit(): string | undefined {
  try {
    return readFileSync(`${ROOT}dist/COMMIT`, 'utf8').trim() || undefined;
  } catch {
    try {
      return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

/** The kube-apiserver tags in the bundle's image index: the versions it was built for. */
function bundleKubernetes(): string[] {
  try {
    const index = readFileSync(bundleLayout(defaultBundleRoot()).imagesIndex, 'utf8');
    const tags = [...index.matchAll(/\/kube-apiserver:(v[\d.]+)\s*$/gm)].map((m) => m[1]!);
    return [...new Set(tags)].sort();
  } catch {
    return [];
  }
}
