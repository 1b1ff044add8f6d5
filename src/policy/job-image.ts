/**
 * Which image an operation's Job runs its ansible container from. The operator decides: an
 * operation's spec.image is taken only when the operator's allowlist names it, or it is mapped
 * to an image the operator chose (kubean's spray-job becomes Slipway's job image, so kubean
 * manifests run unchanged). The sidecars holding the SSH key and the kubeconfig uploader's token
 * never run spec.image: they always run the operator's job image. Pure.
 *
 * Allowlist entries and mapping sources are image references compared as written (no registry
 * or `library/` defaulting):
 *   repo:tag, repo@sha256:…   exactly that reference
 *   repo:*                    any tag or digest of that repository
 *   prefix/*                  any repository under that path
 * A mapping source without a tag or digest maps every tag and digest of its repository.
 */

export interface JobImageMapping {
  from: string;
  to: string;
}

export interface JobImagePolicy {
  /** The operator's job image (may be pinned by digest): the sidecars' and the default. */
  jobImage: string;
  /** What spec.image may name besides the job image. */
  allowed: readonly string[];
  /** Checked before the allowlist; the first match wins. */
  mappings: readonly JobImageMapping[];
}

export type JobImageChoice =
  | { kind: 'default'; image: string; reason: string }
  | { kind: 'mapped'; image: string; requested: string; reason: string }
  | { kind: 'allowed'; image: string; reason: string }
  | { kind: 'refused'; code: 'job-image-refused'; requested: string; allowed: string[]; reason: string };

/** kubean's job image, on ghcr.io and on the mirror kubean's examples name. */
export const KUBEAN_SPRAY_JOB_REPOSITORIES = ['ghcr.io/kubean-io/spray-job', 'ghcr.m.daocloud.io/kubean-io/spray-job'] as const;

/** No allowlist beyond the job image; kubean's spray-job runs as the job image. */
export function defaultJobImagePolicy(jobImage: string): JobImagePolicy {
  return { jobImage, allowed: [], mappings: KUBEAN_SPRAY_JOB_REPOSITORIES.map((from) => ({ from, to: jobImage })) };
}

export class JobImagePolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobImagePolicyError';
  }
}

interface Reference {
  repository: string;
  tag?: string;
  digest?: string;
}

/** `[registry[:port]/]path[:tag][@digest]`. */
export function splitImageReference(ref: string): Reference {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/');
  return { repository: tagged ? rest.slice(0, colon) : rest, ...(tagged ? { tag: rest.slice(colon + 1) } : {}), ...(digest !== undefined ? { digest } : {}) };
}

const REFERENCE = /^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?(:[\w][\w.-]{0,127})?(@[a-z0-9]+([+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?$/;

/** An operator's entry, checked once when the options are read. */
export function checkPolicyEntry(entry: string, what: string): string {
  const bare = entry.endsWith('/*') ? entry.slice(0, -2) : entry.endsWith(':*') ? entry.slice(0, -2) : entry;
  if (!bare || /\s/.test(bare) || !REFERENCE.test(bare)) throw new JobImagePolicyError(`${what} ${JSON.stringify(entry)} is not an image reference, repo:* or prefix/*`);
  return entry;
}

/** "FROM=TO" (a flag's form); TO empty means the job image. */
export function parseImageMapping(text: string, jobImage: string): JobImageMapping {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new JobImagePolicyError(`image mapping ${JSON.stringify(text)} must be FROM=TO`);
  const from = checkPolicyEntry(text.slice(0, eq), 'mapping source');
  const to = text.slice(eq + 1) || jobImage;
  checkPolicyEntry(to, 'mapping target');
  if (to.endsWith('*')) throw new JobImagePolicyError(`mapping target ${JSON.stringify(to)} must be one image`);
  return { from, to };
}

function matches(entry: string, image: string): boolean {
  if (entry.endsWith('/*')) return image.startsWith(entry.slice(0, -1));
  const ref = splitImageReference(image);
  if (entry.endsWith(':*')) return ref.repository === entry.slice(0, -2);
  return image === entry;
}

function mapsFrom(from: string, image: string): boolean {
  if (from.endsWith('*')) return matches(from, image);
  const f = splitImageReference(from);
  if (f.tag !== undefined || f.digest !== undefined) return image === from;
  return splitImageReference(image).repository === f.repository;
}

/** The image for an operation whose spec.image is `requested` (empty or absent: none asked for). */
export function chooseJobImage(requested: string | undefined, policy: JobImagePolicy): JobImageChoice {
  const image = (requested ?? '').trim();
  if (!image) return { kind: 'default', image: policy.jobImage, reason: "spec.image is empty: the operator's job image" };
  const mapping = policy.mappings.find((m) => mapsFrom(m.from, image));
  if (mapping) {
    const to = mapping.to === policy.jobImage ? `the operator's job image ${mapping.to}` : mapping.to;
    return { kind: 'mapped', image: mapping.to, requested: image, reason: `${image} is mapped by the operator (${mapping.from}) to ${to}` };
  }
  if (image === policy.jobImage) return { kind: 'allowed', image, reason: "spec.image is the operator's job image" };
  const entry = policy.allowed.find((a) => matches(a, image));
  if (entry) return { kind: 'allowed', image, reason: `spec.image is allowed by the operator (${entry})` };
  const allowed = [policy.jobImage, ...policy.allowed];
  return {
    kind: 'refused',
    code: 'job-image-refused',
    requested: image,
    allowed,
    reason: `image ${JSON.stringify(image)} is not allowed for operation Jobs; the operator allows ${allowed.join(', ')}`,
  };
}
