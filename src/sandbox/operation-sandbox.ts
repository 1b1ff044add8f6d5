/**
 * What one operation's sandboxes share: the generated /etc files, the ssh control-socket and
 * agent directories, the work dir handed over to the sandbox's uid, and the playbooks.
 */
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markOwned } from './leftovers.js';
import { sandboxEtc, type SandboxIdentity } from './sandbox-etc.js';

export interface OperationSandbox {
  /** Per network mode: /etc name → host path of the generated file. */
  generatedEtc: { host: Record<string, string>; isolated: Record<string, string> };
  /** Host paths of /etc files bound per network mode (resolv.conf with the host network). */
  hostEtcExtra: { host: string[]; isolated: string[] };
  controlDir: string;
  agentDir: string;
  workDir: string;
  builtinDir: string;
  close(): Promise<void>;
}

export interface OperationSandboxOptions {
  workDir: string;
  /** The socket dir the work dir was created with; handed over to the sandbox's uid. */
  controlDir: string;
  builtinDir: string;
  identity: SandboxIdentity;
  /** Slipway is root and the sandbox is not: hand the operation's directories over to it. */
  chownTo: boolean;
}

export async function prepareOperationSandbox(opts: OperationSandboxOptions): Promise<OperationSandbox> {
  const base = await mkdtemp(join(tmpdir(), 'slipway-sbx-'));
  const close = async (): Promise<void> => {
    await rm(base, { recursive: true, force: true });
  };
  try {
    // Root keeps the generated /etc; the sandbox's uid may only traverse to it and read.
    await chmod(base, 0o711);
    // Root's own directory: its marker may name the work dir, which a killed Slipway leaves behind.
    await markOwned(base, [opts.workDir, opts.controlDir]);
    const generatedEtc = { host: {} as Record<string, string>, isolated: {} as Record<string, string> };
    const hostEtcExtra = { host: [] as string[], isolated: [] as string[] };
    for (const network of ['host', 'isolated'] as const) {
      const dir = join(base, `etc-${network}`);
      await mkdir(dir, { mode: 0o755 });
      await chmod(dir, 0o755);
      const etc = sandboxEtc(opts.identity, network);
      for (const [name, content] of Object.entries(etc.files)) {
        const path = join(dir, name);
        await writeFile(path, content, { mode: 0o644 });
        await chmod(path, 0o644);
        generatedEtc[network][name] = path;
      }
      hostEtcExtra[network] = etc.fromHost;
    }
    const agentDir = join(base, 'agent');
    await mkdir(agentDir, { mode: 0o700 });
    if (opts.chownTo) {
      await chownTree(opts.workDir, opts.identity);
      await chown(opts.controlDir, opts.identity.uid, opts.identity.gid);
      await chown(agentDir, opts.identity.uid, opts.identity.gid);
    }
    return { generatedEtc, hostEtcExtra, controlDir: opts.controlDir, agentDir, workDir: opts.workDir, builtinDir: opts.builtinDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** chown -R without following symlinks (the `builtin` link stays root's and points outside). */
async function chownTree(dir: string, id: SandboxIdentity): Promise<void> {
  await chown(dir, id.uid, id.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, id);
    else await chown(path, id.uid, id.gid);
  }
}
