import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { BUILTIN_LINK, type WorkFile } from '../engine/plan-types.js';
import { markOwned } from '../sandbox/leftovers.js';

export class WorkDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkDirError';
  }
}

export interface WorkDir {
  path: string;
  /**
   * A short directory for ssh ControlPersist sockets: a Unix socket path is limited to 107
   * bytes, and ssh appends a 17-character suffix to the name while it sets one up, which a
   * socket inside a deeply nested work dir would exceed.
   */
  socketDir: string;
  remove(): Promise<void>;
}

export interface WorkDirOptions {
  /** Parent of the per-operation directory; must exist. */
  root: string;
  /** Becomes part of the directory name, to tell operations apart in `ls`. */
  label: string;
  files: readonly WorkFile[];
  /** Where `<workdir>/builtin` points. */
  builtinDir: string;
}

/**
 * Creates a fresh 0700 directory holding the plan's files with their modes and the builtin
 * link. On any error the half-written directory is removed before the error propagates.
 */
export async function createWorkDir(opts: WorkDirOptions): Promise<WorkDir> {
  for (const file of opts.files) checkPath(file.path);
  const prefix = `slipway-${opts.label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60)}-`;
  const path = await mkdtemp(join(opts.root, prefix));
  let socketDir = '';
  const remove = async () => {
    await rm(path, { recursive: true, force: true });
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
  };
  try {
    socketDir = await mkdtemp(join(tmpdir(), 'slipway-cp-'));
    await markOwned(socketDir, [path]);
    await chmod(path, 0o700);
    await symlink(opts.builtinDir, join(path, BUILTIN_LINK));
    for (const file of opts.files) {
      const target = join(path, file.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      // The file is created 0600 and widened afterwards, so a secret is never readable by
      // others even for a moment, whatever the umask.
      await writeFile(target, file.content, { mode: 0o600, flag: 'wx' });
      await chmod(target, file.mode);
    }
  } catch (error) {
    await remove();
    throw error instanceof WorkDirError ? error : new WorkDirError(`cannot prepare work directory ${path}: ${String(error)}`);
  }
  return { path, socketDir, remove };
}

function checkPath(path: string): void {
  const normal = normalize(path);
  const first = normal.split(sep)[0];
  if (!path || isAbsolute(path) || normal.startsWith('..') || normal !== path.replace(/\/+$/, '') || first === BUILTIN_LINK) {
    throw new WorkDirError(`work file path ${JSON.stringify(path)} must be relative, normalised, outside "${BUILTIN_LINK}/" and without ".."`);
  }
}
