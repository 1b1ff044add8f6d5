import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bundleScriptsDir } from './bundle-layout.js';

export interface BuildOptions {
  /** e.g. ["v1.34.4", "v1.35.4"]; build.sh's default when empty. */
  kubeVersions: string[];
  /** Overrides SLIPWAY_BUNDLE_CACHE for the script. */
  cacheDir?: string;
}

/** The arguments of scripts/bundle/build.sh for these options. */
export function buildArgs(opts: BuildOptions): string[] {
  const script = join(bundleScriptsDir(), 'build.sh');
  return opts.kubeVersions.length > 0 ? [script, '--kube-version', opts.kubeVersions.join(',')] : [script];
}

/**
 * Runs scripts/bundle/build.sh, whose stderr is the progress (a line per piece with its time,
 * a summary at the end); resolves with its exit code.
 */
export function runBundleBuild(opts: BuildOptions, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('bash', buildArgs(opts), {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...(opts.cacheDir ? { SLIPWAY_BUNDLE_CACHE: opts.cacheDir } : {}) },
    });
    const onAbort = (): void => void child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      process.stderr.write(`slipway: could not run build.sh: ${err.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(code ?? (sig ? 128 + 15 : 1));
    });
  });
}
