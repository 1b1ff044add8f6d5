/**
 * The admin kubeconfig a plan's fetch-kubeconfig.yml step left in the work directory
 * (Plan.kubeconfigArtifact), read by the executor before the work directory goes.
 *
 * Everything under the work directory was written by the sandbox, so every component of the
 * path may be a symlink (to another operation's files, readable by Slipway's root) or the file
 * a FIFO (an open for reading that never returns). The path is walked one directory at a time
 * as openat(2) would: each component is opened O_NOFOLLOW through the descriptor of its parent
 * (`/proc/self/fd/<fd>/<name>`), so a component swapped after its check is still not followed.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import type { Plan } from '../engine/plan-types.js';

/** An admin kubeconfig with embedded certificates is a few KiB; anything this big is not one. */
export const MAX_KUBECONFIG_BYTES = 256 * 1024;

export class KubeconfigArtifactError extends Error {
  readonly code = 'kubeconfig-artifact';
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigArtifactError';
  }
}

/** The kubeconfig's text, or undefined when the plan names none or the file is absent. */
export async function readKubeconfigArtifact(plan: Plan, workDir: string): Promise<string | undefined> {
  if (!plan.kubeconfigArtifact) return undefined;
  const text = await readArtifact(workDir, plan.kubeconfigArtifact, MAX_KUBECONFIG_BYTES);
  if (text === undefined) return undefined;
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Reads `relPath` below `root` (a directory Slipway made) without following a symlink at any
 * level and without blocking: undefined when a component is absent, KubeconfigArtifactError
 * when one is a symlink, not a directory, or the file is not a regular one or too big.
 */
export async function readArtifact(root: string, relPath: string, maxBytes: number): Promise<string | undefined> {
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new KubeconfigArtifactError(`${relPath}: not a path below the work directory`);
  const handles: FileHandle[] = [];
  try {
    let dir = await open(root, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    handles.push(dir);
    for (const [index, name] of parts.entries()) {
      const last = index === parts.length - 1;
      const path = `/proc/self/fd/${dir.fd}/${name}`;
      const shown = parts.slice(0, index + 1).join('/');
      const checked = await lstat(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw new KubeconfigArtifactError(`cannot read ${shown}: ${err.message}`);
      });
      if (checked === undefined) return undefined;
      if (checked.isSymbolicLink()) throw new KubeconfigArtifactError(`${shown} is a symbolic link; Slipway follows none in what a step left behind`);
      if (!last && !checked.isDirectory()) throw new KubeconfigArtifactError(`${shown} is not a directory`);
      if (last && !checked.isFile()) throw new KubeconfigArtifactError(`${shown} is not a regular file (${kindOf(checked)})`);
      const flags = last
        ? constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY
        : constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_DIRECTORY;
      const handle = await open(path, flags).catch((err: NodeJS.ErrnoException) => {
        // ELOOP: it became a symlink since the lstat; ENOTDIR: no longer a directory.
        throw new KubeconfigArtifactError(`cannot open ${shown}: ${err.code === 'ELOOP' ? 'it is a symbolic link' : err.message}`);
      });
      handles.push(handle);
      const opened = await handle.stat();
      if (opened.dev !== checked.dev || opened.ino !== checked.ino) throw new KubeconfigArtifactError(`${shown} changed while it was read`);
      if (!last) {
        dir = handle;
        continue;
      }
      if (!opened.isFile()) throw new KubeconfigArtifactError(`${shown} is not a regular file (${kindOf(opened)})`);
      if (opened.size > maxBytes) throw new KubeconfigArtifactError(`${shown} is ${opened.size} bytes, more than ${maxBytes}`);
      // The size may still grow (a step's leftover process writing on): read at most one byte more.
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > maxBytes) throw new KubeconfigArtifactError(`${shown} is more than ${maxBytes} bytes`);
      }
      return buffer.subarray(0, length).toString('utf8');
    }
    return undefined;
  } finally {
    for (const handle of handles.reverse()) await handle.close().catch(() => undefined);
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

/**
 * What a redactor must know of a kubeconfig: the whole text and each credential in it
 * (client key and certificate data, tokens, passwords), which may appear on their own.
 */
export function kubeconfigSecrets(text: string): string[] {
  const values = [...text.matchAll(/^\s*(?:client-key-data|client-certificate-data|token|password):\s*["']?([^\s"']+)["']?\s*$/gm)].map((m) => m[1]!);
  return [text, text.trimEnd(), ...values];
}
