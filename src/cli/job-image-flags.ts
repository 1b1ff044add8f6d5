import { checkPolicyEntry, defaultJobImagePolicy, parseImageMapping, type JobImageChoice, type JobImagePolicy } from '../policy/job-image.js';

/** The controller's default --job-image. */
export const DEFAULT_JOB_IMAGE = 'slipway/job:latest';

export interface JobImageFlags {
  'job-image'?: string;
  'allow-job-image'?: string[];
  'map-job-image'?: string[];
  'no-kubean-image-map'?: boolean;
}

/** The same flags as commander parses them (--no-kubean-image-map: kubeanImageMap false). */
export function jobImageFlags(o: { jobImage?: string; allowJobImage?: string[]; mapJobImage?: string[]; kubeanImageMap?: boolean }): JobImageFlags {
  return {
    ...(o.jobImage !== undefined ? { 'job-image': o.jobImage } : {}),
    'allow-job-image': o.allowJobImage ?? [],
    'map-job-image': o.mapJobImage ?? [],
    'no-kubean-image-map': o.kubeanImageMap === false,
  };
}

/** The image policy the flags describe (`slipway controller` and `slipway plan` take the same); throws JobImagePolicyError. */
export function jobImagePolicyFromFlags(values: JobImageFlags): JobImagePolicy {
  const jobImage = checkPolicyEntry(values['job-image'] || DEFAULT_JOB_IMAGE, '--job-image');
  return {
    jobImage,
    allowed: (values['allow-job-image'] ?? []).map((a) => checkPolicyEntry(a, '--allow-job-image')),
    mappings: [...(values['map-job-image'] ?? []).map((m) => parseImageMapping(m, jobImage)), ...(values['no-kubean-image-map'] ? [] : defaultJobImagePolicy(jobImage).mappings)],
  };
}

/** One line of `slipway plan`: the image the controller's Job would run and why. */
export function describeJobImage(choice: JobImageChoice): string {
  return choice.kind === 'refused' ? `refused (${choice.code}): ${choice.reason}` : `${choice.image} (${choice.kind}: ${choice.reason})`;
}
