import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LabPaths {
  /** One directory per lab (keys, record, generated inputs) plus the host baseline. */
  stateRoot: string;
  /** The machine image archives and the .deb cache, keyed by their inputs. */
  cacheDir: string;
  /** Podman's store, run root and config for lab machines only; the host's podman is untouched. */
  podmanDir: string;
  /** This checkout (this file is compiled to dist/src/lab/). */
  repoRoot: string;
}

export function labPaths(env: NodeJS.ProcessEnv = process.env): LabPaths {
  const home = env.HOME ?? homedir();
  return {
    stateRoot: env.SLIPWAY_LAB_STATE ?? join(env.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'slipway', 'lab'),
    cacheDir: env.SLIPWAY_LAB_CACHE ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'slipway', 'lab'),
    podmanDir: env.SLIPWAY_LAB_PODMAN_DIR ?? '/var/tmp/slipway-lab-podman',
    repoRoot: fileURLToPath(new URL('../../../', import.meta.url)),
  };
}

export const labDir = (paths: LabPaths, lab: string): string => join(paths.stateRoot, 'labs', lab);
