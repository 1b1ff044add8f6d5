/**
 * Runs the pod of a Job the Job builder made, on this machine, as far as the job image's
 * scripts can tell: kwok pods run no containers. `preparePod` lays out every volume of the pod
 * spec in a directory per volume, as the kubelet would (projected ConfigMap and Secret items with
 * their modes, the service-account token of the pod's ServiceAccount, kube-root-ca.crt, shared
 * emptyDirs), and says which container mounts which, where. `runPodHere` then runs the
 * containers as processes of job-image/entrypoint.sh with their arguments and env: the native
 * sidecars first, the main container, then SIGTERM to the sidecars, as the kubelet does. Each
 * container finds its mounts through the SLIPWAY_*_DIR variables (JOB_MOUNTS, JOB_SHARED_DIRS),
 * and only its own: a container that does not mount a volume is not told where it is.
 * image-run.test.ts runs the same prepared pod with podman, with real mounts.
 */
import { chmod, chown, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1PodSpec } from '@kubernetes/client-node';
import { execa, type ResultPromise } from 'execa';
import { JOB_MOUNTS, JOB_SHARED_DIRS } from '../../src/engine/job-plan.js';
import { JOB_UID } from '../../src/executors/job-builder.js';
import { repoRoot } from '../env/repo-root.js';

export const ENTRYPOINT = join(repoRoot(), 'job-image', 'entrypoint.sh');
export const PLAYBOOKS = join(repoRoot(), 'playbooks');

/** Where the pod's objects come from: the apiserver, or a builder's output held in memory. */
export interface PodObjects {
  configMap(name: string): Promise<Record<string, string> | undefined>;
  secret(name: string): Promise<Record<string, string> | undefined>;
  /** A token of `serviceAccount` (the pod's), as the kubelet would request it. */
  token?(serviceAccount: string, expirationSeconds: number): Promise<string>;
}

export interface PreparedMount {
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
}

export interface PreparedContainer {
  name: string;
  args: string[];
  /** A native sidecar: an init container with restartPolicy Always. */
  sidecar: boolean;
  env: Record<string, string>;
  mounts: PreparedMount[];
}

export interface PreparedPod {
  base: string;
  /** Sidecars in their order, the main container last. */
  containers: PreparedContainer[];
  /** The host directory of `mountPath` in container `name` (the main container by default). */
  hostPath(mountPath: string, name?: string): string;
}

export class PodEmulationError extends Error {}

const MOUNT_ENV: Record<string, string> = Object.fromEntries(
  [...Object.values(JOB_MOUNTS), ...Object.values(JOB_SHARED_DIRS)].map((m) => [m.path, m.env]),
);

/**
 * Who owns the projected files: in a pod root, with the fsGroup, so the container's user reads a
 * key it does not own (ssh-add refuses a group-readable key of its own). Processes run here are
 * root, so for them the image's user owns the files instead.
 */
export const KUBELET_OWNER = { uid: 0, gid: JOB_UID };
export const HERE_OWNER = { uid: JOB_UID, gid: JOB_UID };

/**
 * Lays out `spec`'s volumes under a new directory of `parent`: projected files with the item's
 * mode, owned by `owner`; emptyDirs world-writable, as the kubelet makes them. An item whose key
 * the object lacks is left out (in a pod the volume would not mount): tests use that to take a
 * key away.
 */
export async function preparePod(spec: V1PodSpec, objects: PodObjects, parent: string, owner = HERE_OWNER): Promise<PreparedPod> {
  const base = await mkdtemp(join(parent, 'pod-'));
  await chmod(base, 0o755);
  const dirs = new Map<string, string>();
  for (const volume of spec.volumes ?? []) {
    const dir = join(base, volume.name);
    await mkdir(dir);
    await chmod(dir, volume.emptyDir ? 0o777 : 0o755);
    dirs.set(volume.name, dir);
    if (volume.emptyDir) continue;
    const sources = volume.projected?.sources;
    if (!sources) throw new PodEmulationError(`volume ${volume.name}: only projected and emptyDir volumes are emulated`);
    for (const source of sources) {
      const put = async (path: string, content: string, mode: number | undefined) => {
        const file = join(dir, path);
        await writeFile(file, content);
        await chown(file, owner.uid, owner.gid);
        await chmod(file, mode ?? volume.projected!.defaultMode ?? 0o644);
      };
      const object = source.configMap ?? source.secret;
      if (object) {
        const data = await (source.configMap ? objects.configMap(object.name!) : objects.secret(object.name!));
        if (!data) throw new PodEmulationError(`volume ${volume.name}: ${source.configMap ? 'ConfigMap' : 'Secret'} ${object.name} is missing`);
        for (const item of object.items ?? []) {
          if (data[item.key] !== undefined) await put(item.path, data[item.key]!, item.mode);
        }
      } else if (source.serviceAccountToken) {
        if (!objects.token || !spec.serviceAccountName) throw new PodEmulationError(`volume ${volume.name}: a token, but no ServiceAccount or token source`);
        await put(source.serviceAccountToken.path, await objects.token(spec.serviceAccountName, source.serviceAccountToken.expirationSeconds ?? 3600), undefined);
      } else {
        throw new PodEmulationError(`volume ${volume.name}: an unknown projection ${JSON.stringify(source)}`);
      }
    }
  }
  const containers: PreparedContainer[] = [
    ...(spec.initContainers ?? []).map((c) => ({ c, sidecar: c.restartPolicy === 'Always' })),
    ...spec.containers.map((c) => ({ c, sidecar: false })),
  ].map(({ c, sidecar }) => ({
    name: c.name,
    args: c.args ?? [],
    sidecar,
    env: Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? ''])),
    mounts: (c.volumeMounts ?? []).map((m) => {
      const hostPath = dirs.get(m.name);
      if (!hostPath) throw new PodEmulationError(`container ${c.name} mounts ${m.name}, which is not a volume`);
      return { hostPath, mountPath: m.mountPath, readOnly: m.readOnly === true };
    }),
  }));
  const main = containers.at(-1)!.name;
  return {
    base,
    containers,
    hostPath(mountPath, name = main) {
      const m = containers.find((c) => c.name === name)?.mounts.find((x) => x.mountPath === mountPath);
      if (!m) throw new PodEmulationError(`container ${name} mounts nothing at ${mountPath}`);
      return m.hostPath;
    },
  };
}

export interface ContainerRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface PodRun {
  main: ContainerRun;
  sidecars: Record<string, ContainerRun>;
}

export interface RunOptions {
  /** KUBERNETES_SERVICE_HOST/PORT, as the kubelet sets them in every container. */
  apiServer?: { host: string; port: string };
  /** More variables for a container (by name), over what the pod gives it. */
  env?: Record<string, Record<string, string>>;
  /** Called once the main container runs (to signal it, say). */
  onMain?: (main: ResultPromise) => void;
}

/** The environment of one container run here: its mounts, where the scripts look for them. */
export function containerEnv(c: PreparedContainer, opts: RunOptions = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    SLIPWAY_BUILTIN_DIR: PLAYBOOKS,
    ...(opts.apiServer ? { KUBERNETES_SERVICE_HOST: opts.apiServer.host, KUBERNETES_SERVICE_PORT: opts.apiServer.port } : {}),
    ...c.env,
  };
  for (const m of c.mounts) {
    if (m.mountPath === '/tmp') {
      env.TMPDIR = m.hostPath;
      env.SLIPWAY_WORK_ROOT = m.hostPath;
      continue;
    }
    const name = MOUNT_ENV[m.mountPath];
    if (!name) throw new PodEmulationError(`container ${c.name}: no variable moves ${m.mountPath}`);
    env[name] = m.hostPath;
  }
  // A mount this container lacks must not be found at its default path on this machine either.
  for (const [path, name] of Object.entries(MOUNT_ENV)) if (env[name] === undefined) env[name] = join('/nonexistent', path);
  return { ...env, ...opts.env?.[c.name] };
}

const run = (c: PreparedContainer, opts: RunOptions): ResultPromise =>
  execa('/bin/bash', [ENTRYPOINT, ...c.args], { reject: false, timeout: 900_000, env: containerEnv(c, opts), extendEnv: false });

const result = (r: { exitCode?: number; stdout: unknown; stderr: unknown }): ContainerRun => ({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) });

/** Runs the prepared pod's containers here: sidecars, then the main container; then stops the sidecars. */
export async function runPodHere(pod: PreparedPod, opts: RunOptions = {}): Promise<PodRun> {
  const sidecars = pod.containers.filter((c) => c.sidecar).map((c) => ({ name: c.name, child: run(c, opts) }));
  const mainContainer = pod.containers.at(-1)!;
  let main: ContainerRun;
  try {
    const child = run(mainContainer, opts);
    opts.onMain?.(child);
    main = result(await child);
  } finally {
    for (const s of sidecars) s.child.kill('SIGTERM');
  }
  const ended: Record<string, ContainerRun> = {};
  for (const s of sidecars) ended[s.name] = result(await s.child);
  return { main, sidecars: ended };
}
