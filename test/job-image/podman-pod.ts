/**
 * Runs a prepared pod (pod-emulator.ts) with podman, from a job image archive: each container of
 * the image, with exactly its own mounts (read-only where the pod says so), as the image's user,
 * with a read-only root, no capabilities and no privilege escalation; the sidecars detached and
 * first, the main container, then the sidecars stopped (SIGTERM) as the kubelet does.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../env/repo-root.js';
import type { ContainerRun, PodRun, PreparedContainer, PreparedPod, RunOptions } from './pod-emulator.js';

const script = (name: string) => join(repoRoot(), 'scripts', name);

/** `pm` of scripts/lib/podman-env.sh: podman with Slipway's private store. */
export function pm(args: string[]) {
  return execa('bash', ['-c', 'source "$1"; shift; pm "$@"', '_', script('lib/podman-env.sh'), ...args], { reject: false, timeout: 120_000 });
}

function runOptions(c: PreparedContainer, opts: RunOptions): string[] {
  const env = { ...c.env, ...(opts.apiServer ? { KUBERNETES_SERVICE_HOST: opts.apiServer.host, KUBERNETES_SERVICE_PORT: opts.apiServer.port } : {}), ...opts.env?.[c.name] };
  return [
    '--network=host',
    '--read-only',
    '--read-only-tmpfs=false',
    '--cap-drop=all',
    '--security-opt=no-new-privileges',
    ...c.mounts.flatMap((m) => ['-v', `${m.hostPath}:${m.mountPath}${m.readOnly ? ':ro' : ''}`]),
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
  ];
}

const asRun = (r: { exitCode?: number; stdout: unknown; stderr: unknown }): ContainerRun => ({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) });

export async function runPodWithPodman(pod: PreparedPod, archive: string, opts: RunOptions = {}): Promise<PodRun> {
  const run = (c: PreparedContainer, extra: string[]) =>
    execa('bash', [script('job-image-podman.sh'), archive, ...extra, ...runOptions(c, opts), '--', ...c.args], { reject: false, timeout: 300_000 });
  const suffix = Math.random().toString(36).slice(2, 8);
  const sidecars = pod.containers.filter((c) => c.sidecar).map((c) => ({ c, name: `slipway-test-${c.name}-${suffix}` }));
  try {
    for (const s of sidecars) {
      const started = await run(s.c, ['-d', '--name', s.name]);
      if (started.exitCode !== 0) throw new Error(`podman could not start ${s.c.name}: ${started.stderr}`);
    }
    const main = asRun(await run(pod.containers.at(-1)!, []));
    const ended: Record<string, ContainerRun> = {};
    for (const s of sidecars) {
      const logs = await pm(['logs', s.name]);
      await pm(['stop', '--time', '10', s.name]);
      ended[s.c.name] = { exitCode: 0, stdout: String(logs.stdout), stderr: String(logs.stderr) };
    }
    return { main, sidecars: ended };
  } finally {
    for (const s of sidecars) await pm(['rm', '--force', '--ignore', s.name]);
  }
}
