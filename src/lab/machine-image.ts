import { join } from 'node:path';
import { execa } from 'execa';
import { LabError } from './lab-error.js';
import type { LabPaths } from './lab-paths.js';
import type { LabPodman } from './lab-podman.js';

/**
 * The machine image in the lab's podman store: built by scripts/lab/build-machine-image.sh (a
 * cached no-op when its inputs are unchanged) and loaded once. Returns the image reference.
 */
export async function ensureMachineImage(paths: LabPaths, podman: LabPodman, err: (t: string) => void): Promise<string> {
  const script = join(paths.repoRoot, 'scripts', 'lab', 'build-machine-image.sh');
  const build = execa('bash', [script], { stdin: 'ignore', reject: false, env: { SLIPWAY_LAB_CACHE: paths.cacheDir } });
  build.stderr?.on('data', (chunk: Buffer) => err(chunk.toString()));
  const r = await build;
  if (r.exitCode !== 0) throw new LabError(`building the machine image failed (${script} exited ${r.exitCode})`);
  const [archive, ref] = String(r.stdout).trim().split(/\s+/);
  if (!archive || !ref) throw new LabError(`${script} printed no "ARCHIVE REF": ${JSON.stringify(r.stdout)}`);
  const image = `localhost/${ref}`;
  if (!(await podman.exists('image', image))) await podman.run(['load', '--quiet', '-i', archive]);
  if (!(await podman.exists('image', image))) throw new LabError(`loading ${archive} did not give ${image}`);
  return image;
}
