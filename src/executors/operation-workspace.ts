/**
 * Everything one operation's steps run with: the work directory, the sandbox's shared parts
 * when there is a sandbox, and the ssh-agent holding the cluster's key. Torn down as a whole.
 */
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AGENT_IDENTITY_PATH, type Plan } from '../engine/plan-types.js';
import { prepareOperationSandbox, type OperationSandbox } from '../sandbox/operation-sandbox.js';
import { SANDBOX_AGENT_SOCKET } from '../sandbox/sandbox-argv.js';
import { SANDBOX_BUILTIN_DIR, SANDBOX_CONTROL_DIR, SANDBOX_PATH, SANDBOX_WORK_DIR } from '../sandbox/sandbox-layout.js';
import type { SandboxRuntime } from '../sandbox/sandbox-runtime.js';
import { startSshAgent, type SshAgent } from '../sandbox/ssh-agent.js';
import { createWorkDir, type WorkDir } from './work-dir.js';

/** Paths as the steps see them: inside the sandbox, or the host's own without one. */
export interface StepView {
  workDir: string;
  controlDir: string;
  agentSocket?: string;
  path: string;
}

export interface Workspace {
  workDir: WorkDir;
  /** Present when the steps run sandboxed. */
  sandbox?: OperationSandbox;
  view: StepView;
  dispose(): Promise<void>;
}

export interface WorkspaceOptions {
  plan: Plan;
  builtinDir: string;
  workRoot: string;
  /** Sandboxed steps; undefined runs them directly (only builtin ones, the executor decides). */
  runtime?: SandboxRuntime;
}

export async function openWorkspace(opts: WorkspaceOptions): Promise<Workspace> {
  const { plan, runtime } = opts;
  const workDir = await createWorkDir({
    root: opts.workRoot,
    label: plan.operation,
    files: plan.files,
    // Inside the sandbox the playbooks are bound at a fixed path; the link points there.
    builtinDir: runtime ? SANDBOX_BUILTIN_DIR : opts.builtinDir,
  });
  let sandbox: OperationSandbox | undefined;
  let agent: SshAgent | undefined;
  const dispose = async (): Promise<void> => {
    await agent?.stop();
    await sandbox?.close();
  };
  try {
    if (runtime) {
      sandbox = await prepareOperationSandbox({
        workDir: workDir.path,
        controlDir: workDir.socketDir,
        builtinDir: opts.builtinDir,
        identity: runtime.identity,
        chownTo: runtime.dropPrivileges,
      });
    }
    if (plan.sshPrivateKey !== undefined) {
      agent = await startSshAgent({
        dir: sandbox?.agentDir ?? workDir.socketDir,
        privateKey: plan.sshPrivateKey,
        ...(runtime?.dropPrivileges ? { runAs: runtime.identity } : {}),
      });
      await writeIdentity(workDir.path, agent.publicKey, runtime?.dropPrivileges ? runtime.identity : undefined);
    }
  } catch (err) {
    await dispose();
    await workDir.remove();
    throw err;
  }
  const view: StepView = runtime
    ? { workDir: SANDBOX_WORK_DIR, controlDir: SANDBOX_CONTROL_DIR, path: SANDBOX_PATH, ...(agent ? { agentSocket: SANDBOX_AGENT_SOCKET } : {}) }
    : {
        workDir: workDir.path,
        controlDir: workDir.socketDir,
        path: process.env.PATH || '/usr/local/bin:/usr/bin:/bin',
        ...(agent ? { agentSocket: agent.socketPath } : {}),
      };
  return { workDir, ...(sandbox ? { sandbox } : {}), view, dispose };
}

/** The public key, readable by the sandbox's uid: it is ssh's IdentityFile, nothing secret. */
async function writeIdentity(workDir: string, publicKey: string, owner: { uid: number; gid: number } | undefined): Promise<void> {
  const path = join(workDir, AGENT_IDENTITY_PATH);
  const dir = dirname(path);
  const created = await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(path, publicKey, { mode: 0o644, flag: 'wx' });
  if (owner && created) await chown(dir, owner.uid, owner.gid);
}
