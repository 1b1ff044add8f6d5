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
 * a summary at the end); resolves with its exit code. The script runs in its own process group
 * and SIGINT/SIGTERM are passed on to the whole group, so that a `go build` or debootstrap in
 * progress stops too and the script's cleanup runs.
 */
export function runBundleBuild(opts: BuildOptions): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('bash', buildArgs(opts), {
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
      env: { ...process.env, ...(opts.cacheDir ? { SLIPWAY_BUNDLE_CACHE: opts.cacheDir } : {}) },
    });
    const forward = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const signals = ['SIGINT', 'SIGTERM'] as const;
    for (const sig of signals) process.on(sig, forward);
    const done = (code: number): void => {
      for (const sig of signals) process.off(sig, forward);
      resolve(code);
    };
    child.once('error', (err) => {
      process.stderr.write(`slipway: could not run build.sh: ${err.message}\n`);
      done(127);
    });
    child.once('exit', (code, sig) => done(code ?? 128 + (sig === 'SIGINT' ? 2 : 15)));
  });
}
