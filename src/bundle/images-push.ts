/**
 * `slipway images push`: copies Slipway's own images (controller, job, bundled Redis) from the
 * offline bundle's OCI archives into the user's registry with skopeo, and says which Helm
 * values use them. The argv and the values are built by pure functions; only pushImages spawns.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { SlipwayError } from '../util/slipway-error.js';
import type { BundleIndex } from './bundle-layout.js';

/** The chart's image repositories (charts/slipway/values.yaml), by the chart's name for each. */
export const SLIPWAY_IMAGES = {
  controller: 'slipway/controller',
  job: 'slipway/job',
  redis: 'slipway/redis',
} as const;
export type SlipwayImageName = keyof typeof SLIPWAY_IMAGES;

export class ImagesPushError extends SlipwayError {
  constructor(code: 'registry-invalid' | 'image-missing' | 'archive-invalid' | 'creds-file-missing' | 'push-failed', message: string, options?: { cause?: unknown }) {
    super(code, message, code !== 'push-failed', options);
  }
}

export interface ImageSource {
  name: SlipwayImageName;
  repository: string;
  tag: string;
  /** The OCI archive the bundle build wrote. */
  archive: string;
}

export interface PushOptions {
  /** host[:port][/path], as normaliseRegistry returns it. */
  registry: string;
  /** Plain HTTP, or HTTPS without verifying the certificate. */
  insecure: boolean;
  /** A containers-auth.json (the format of `podman login`, `skopeo login` and ~/.docker/config.json). */
  authFile?: string;
}

export interface PushedImage {
  name: SlipwayImageName;
  /** registry/repository:tag */
  ref: string;
  /** sha256:… of the manifest the registry stored. */
  digest: string;
}

const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * The registry as image references need it: `host[:port]` and an optional path (a project or
 * namespace), no scheme, no trailing slash. Throws registry-invalid otherwise.
 */
export function normaliseRegistry(text: string): string {
  const trimmed = text.trim().replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(trimmed)) {
    throw new ImagesPushError('registry-invalid', `--registry takes host[:port][/path] without a scheme, got ${JSON.stringify(text)} (add --insecure for plain HTTP)`);
  }
  const [host = '', ...path] = trimmed.split('/');
  if (!HOST.test(host) || !path.every((p) => PATH_COMPONENT.test(p))) {
    throw new ImagesPushError('registry-invalid', `--registry takes host[:port][/path], e.g. registry.example.com:5000/slipway, got ${JSON.stringify(text)}`);
  }
  return trimmed;
}

/** The controller, job and Redis images of the bundle; image-missing names any it lacks. */
export function slipwayImagesOf(index: BundleIndex): ImageSource[] {
  const found: ImageSource[] = [];
  const missing: string[] = [];
  for (const [name, repository] of Object.entries(SLIPWAY_IMAGES) as [SlipwayImageName, string][]) {
    const image = index.images.find((i) => i.ref.startsWith(`${repository}:`));
    if (!image) {
      missing.push(repository);
      continue;
    }
    if (image.archive.includes(':')) throw new ImagesPushError('archive-invalid', `${image.archive}: skopeo cannot read an archive whose path has a colon`);
    found.push({ name, repository, tag: image.ref.slice(repository.length + 1), archive: image.archive });
  }
  if (missing.length > 0) throw new ImagesPushError('image-missing', `the bundle has no ${missing.join(', ')}: rebuild it with \`slipway bundle build\``);
  return found;
}

/** `skopeo copy` of one archive to the registry, the pushed manifest's digest written to digestFile. */
export function skopeoCopyArgv(source: ImageSource, o: PushOptions, digestFile: string): string[] {
  return [
    'copy',
    '--quiet',
    '--retry-times=3',
    ...(o.insecure ? ['--dest-tls-verify=false'] : []),
    ...(o.authFile ? ['--dest-authfile', o.authFile] : []),
    '--digestfile',
    digestFile,
    `oci-archive:${source.archive}`,
    `docker://${destinationRef(source, o.registry)}`,
  ];
}

export function destinationRef(source: ImageSource, registry: string): string {
  return `${registry}/${source.repository}:${source.tag}`;
}

/** A reference pinned to what was pushed: registry/repository:tag@sha256:…. */
export const pinnedRef = (image: PushedImage): string => `${image.ref}@${image.digest}`;

/**
 * Helm values for charts/slipway that pull the pushed images: the registry once, each image's
 * tag pinned to the digest pushed (the chart's "<tag>@sha256:…" form).
 */
export function helmValuesFor(registry: string, pushed: PushedImage[]): Record<string, unknown> {
  const tag = (name: SlipwayImageName): { tag: string } => {
    const image = pushed.find((p) => p.name === name);
    if (!image) throw new ImagesPushError('image-missing', `${SLIPWAY_IMAGES[name]} was not pushed`);
    return { tag: `${image.ref.slice(image.ref.lastIndexOf(':') + 1)}@${image.digest}` };
  };
  return {
    imageRegistry: registry,
    controller: { image: tag('controller') },
    job: { image: tag('job') },
    redis: { bundled: { image: tag('redis') } },
  };
}

/** Runs skopeo with these arguments; resolves when it exited 0. */
export type SkopeoRunner = (argv: string[]) => Promise<void>;

const runSkopeo: SkopeoRunner = async (argv) => {
  try {
    await execa('skopeo', argv, { stdin: 'ignore' });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT') throw new ImagesPushError('push-failed', 'skopeo is not installed: apt-get install skopeo', { cause: err });
    throw new ImagesPushError('push-failed', (e.stderr ?? '').trim() || (e.shortMessage ?? String(err)), { cause: err });
  }
};

/** Pushes each image in turn; `progress` hears each reference before its copy starts. */
export async function pushImages(sources: ImageSource[], o: PushOptions, progress: (ref: string) => void = () => {}, run: SkopeoRunner = runSkopeo): Promise<PushedImage[]> {
  if (o.authFile) {
    await readFile(o.authFile).catch((err: unknown) => {
      throw new ImagesPushError('creds-file-missing', `--creds-file ${o.authFile}: ${(err as Error).message}`, { cause: err });
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'slipway-images-push-'));
  try {
    const pushed: PushedImage[] = [];
    for (const source of sources) {
      const ref = destinationRef(source, o.registry);
      progress(ref);
      const digestFile = join(dir, `${source.name}.digest`);
      try {
        await run(skopeoCopyArgv(source, o, digestFile));
      } catch (err) {
        if (err instanceof ImagesPushError) throw new ImagesPushError('push-failed', `pushing ${ref}: ${err.message}`, { cause: err });
        throw err;
      }
      const digest = (await readFile(digestFile, 'utf8')).trim();
      if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new ImagesPushError('push-failed', `pushing ${ref}: skopeo wrote no digest`);
      pushed.push({ name: source.name, ref, digest });
    }
    return pushed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
