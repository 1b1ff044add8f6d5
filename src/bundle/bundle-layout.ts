import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the offline bundle lives: what scripts/bundle/build.sh writes and `bundle serve` serves. */
export interface BundleLayout {
  root: string;
  /** files_repo's document root: dl.k8s.io/…, github.com/…, kubespray-vars.yml. */
  files: string;
  /** docker-registry's filesystem storage. */
  registry: string;
  /** "<archive> <ref>" a line: every image the registry holds, as build.sh pushed it. */
  imagesIndex: string;
  /** files_repo paths of the binaries and archives, a line each (each has a .sha256 next to it). */
  filesIndex: string;
  /** Pid file, generated configurations and logs of `bundle serve`. */
  serveState: string;
}

export function defaultBundleRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIPWAY_BUNDLE_CACHE) return env.SLIPWAY_BUNDLE_CACHE;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'slipway', 'bundle');
}

export function bundleLayout(root = defaultBundleRoot()): BundleLayout {
  return {
    root,
    files: join(root, 'files'),
    registry: join(root, 'registry'),
    imagesIndex: join(root, 'images.txt'),
    filesIndex: join(root, 'files.txt'),
    serveState: join(root, 'serve'),
  };
}

/** scripts/bundle/ of this checkout (this file is compiled to dist/src/bundle/). */
export function bundleScriptsDir(): string {
  return fileURLToPath(new URL('../../../scripts/bundle', import.meta.url));
}

export interface BundleImage {
  /** Name under the registry, kubespray's layout: registry.k8s.io/kube-apiserver:v1.34.4. */
  ref: string;
  /** The OCI archive it was pushed from. */
  archive: string;
}

export interface BundleIndex {
  images: BundleImage[];
  files: string[];
}

export class BundleNotBuiltError extends Error {
  constructor(readonly root: string) {
    super(`no bundle in ${root}: build it with \`slipway bundle build\` (or set SLIPWAY_BUNDLE_CACHE)`);
    this.name = 'BundleNotBuiltError';
  }
}

export function parseImagesIndex(text: string): BundleImage[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [archive, ref, ...rest] = line.trim().split(/\s+/);
      if (!archive || !ref || rest.length > 0) throw new Error(`images index: malformed line ${JSON.stringify(line)}`);
      return { archive, ref };
    });
}

function readIndexFile(file: string, root: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BundleNotBuiltError(root);
    throw err;
  }
}

/** What the built bundle holds; BundleNotBuiltError when build.sh has not finished once. */
export function readBundleIndex(layout: BundleLayout): BundleIndex {
  const images = parseImagesIndex(readIndexFile(layout.imagesIndex, layout.root));
  const files = readIndexFile(layout.filesIndex, layout.root)
    .split('\n')
    .filter((l) => l.trim() !== '');
  return { images, files };
}
