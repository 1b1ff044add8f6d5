import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Absolute paths of every binary the test environment runs. */
export interface KubeBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  /** Only to validate the kubeadm configuration the builtin playbooks render. */
  kubeadm: string;
  etcd: string;
  etcdctl: string;
  kwok: string;
}

export class MissingBinariesError extends Error {
  constructor(message: string) {
    super(`${message}\nBuild them with \`npm run setup\` (or \`bash scripts/build-k8s.sh\`).`);
    this.name = 'MissingBinariesError';
  }
}

const DIR_VARS = ['SLIPWAY_KUBE_BIN', 'SLIPWAY_ETCD_BIN', 'SLIPWAY_KWOK_BIN'] as const;
type DirVar = (typeof DIR_VARS)[number];

/** The cache directory scripts/build-k8s.sh writes to. */
export function binCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIPWAY_BIN_CACHE) return env.SLIPWAY_BIN_CACHE;
  const cacheHome = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(cacheHome, 'slipway', 'bin');
}

/** Parses the KEY=VALUE lines of paths.env; blank lines and # comments are skipped. */
export function parsePathsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out[line.slice(0, eq)] = line.slice(eq + 1).replace(/^["']|["']$/g, '');
  }
  return out;
}

/** Binary directories: environment variables win over the paths.env the build wrote. */
function binaryDirs(env: NodeJS.ProcessEnv): Record<DirVar, string> {
  const pathsFile = join(binCacheDir(env), 'paths.env');
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parsePathsEnv(readFileSync(pathsFile, 'utf8'));
  } catch {
    /* a missing file is reported below, per variable */
  }
  const dirs = {} as Record<DirVar, string>;
  const missing: string[] = [];
  for (const name of DIR_VARS) {
    const dir = env[name] || fromFile[name];
    if (dir) dirs[name] = dir;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new MissingBinariesError(
      `Kubernetes test binaries not found: ${missing.join(', ')} not set and not in ${pathsFile}.`,
    );
  }
  return dirs;
}

export function resolveKubeBinaries(env: NodeJS.ProcessEnv = process.env): KubeBinaries {
  const d = binaryDirs(env);
  const bins: KubeBinaries = {
    kubeApiserver: join(d.SLIPWAY_KUBE_BIN, 'kube-apiserver'),
    kubeControllerManager: join(d.SLIPWAY_KUBE_BIN, 'kube-controller-manager'),
    kubeScheduler: join(d.SLIPWAY_KUBE_BIN, 'kube-scheduler'),
    kubectl: join(d.SLIPWAY_KUBE_BIN, 'kubectl'),
    kubeadm: join(d.SLIPWAY_KUBE_BIN, 'kubeadm'),
    etcd: join(d.SLIPWAY_ETCD_BIN, 'etcd'),
    etcdctl: join(d.SLIPWAY_ETCD_BIN, 'etcdctl'),
    kwok: join(d.SLIPWAY_KWOK_BIN, 'kwok'),
  };
  const notExecutable = Object.values(bins).filter((file) => {
    try {
      accessSync(file, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (notExecutable.length > 0) {
    throw new MissingBinariesError(`Kubernetes test binaries missing or not executable: ${notExecutable.join(', ')}.`);
  }
  return bins;
}

/**
 * helm, which only the chart tests need: SLIPWAY_HELM_BIN (environment, then paths.env) is
 * its directory. Not part of {@link resolveKubeBinaries}, so the environment starts without it.
 */
export function resolveHelmBinary(env: NodeJS.ProcessEnv = process.env): string {
  const pathsFile = join(binCacheDir(env), 'paths.env');
  let dir = env.SLIPWAY_HELM_BIN;
  if (!dir) {
    try {
      dir = parsePathsEnv(readFileSync(pathsFile, 'utf8')).SLIPWAY_HELM_BIN;
    } catch {
      /* reported below */
    }
  }
  if (!dir) throw new MissingBinariesError(`helm not found: SLIPWAY_HELM_BIN not set and not in ${pathsFile}.`);
  const bin = join(dir, 'helm');
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new MissingBinariesError(`helm missing or not executable: ${bin}.`);
  }
  return bin;
}
