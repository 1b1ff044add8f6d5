/**
 * The argv that runs one step inside bubblewrap. Pure: every host fact it needs (which root
 * directories are symlinks, which /etc entries exist, the directories to bind) is passed in.
 */
import {
  AGENT_SOCKET_NAME,
  SANDBOX_AGENT_DIR,
  SANDBOX_BUILTIN_DIR,
  SANDBOX_CONTROL_DIR,
  SANDBOX_WORK_DIR,
} from './sandbox-layout.js';
import type { SandboxIdentity } from './sandbox-etc.js';

/** A top-level directory of the host's OS: bound read-only, or recreated as the same symlink (merged /usr). */
export type RootEntry = { path: string; symlinkTo: string } | { path: string; bind: true };

export interface SandboxTools {
  bwrap: string;
  setpriv: string;
  prlimit: string;
}

export interface SandboxSpec {
  tools: SandboxTools;
  /** The sandbox's uid/gid, outside (after setpriv) and inside. */
  identity: SandboxIdentity;
  /** Slipway runs as root: setpriv switches to `identity` before bwrap, so the sandbox is not root outside either. */
  dropPrivileges: boolean;
  /** RLIMIT_AS for the whole sandbox, when no memory cgroup is available. */
  addressSpaceLimitBytes?: number;
  /** RLIMIT_NPROC and RLIMIT_CPU (seconds), when no pids and cpu cgroups are available. */
  processLimit?: number;
  cpuTimeLimitSeconds?: number;
  /** Size of the private /tmp and /var/tmp tmpfs. */
  tmpBytes: number;
  /** 'host' shares Slipway's network (loopback hosts allowed); 'isolated' gets its own, for slirp4netns. */
  network: 'host' | 'isolated';
  /** /usr and its siblings (/bin, /lib64 …) as the host has them. */
  root: readonly RootEntry[];
  /** Host /etc entries (names) bound read-only. */
  hostEtc: readonly string[];
  /** Generated /etc files: name → host path of the file. */
  generatedEtc: Readonly<Record<string, string>>;
  /** The operation's work directory (read-write) and Slipway's playbooks (read-only); both must be reachable for `identity`. */
  workDir: string;
  builtinDir: string;
  /** bwrap reports the sandbox's pid on `info` and waits for a byte on `block` before it runs the command. */
  fds: { info: number; block: number };
  /** Host directories for ssh's control sockets and the agent's socket (made accessible to `identity`). */
  controlDir: string;
  agentDir?: string;
  /** The program and its arguments, run with the work directory as cwd. */
  command: readonly string[];
}

export function sandboxArgv(spec: SandboxSpec): string[] {
  const { identity: id } = spec;
  const argv: string[] = [];
  const rlimits = [
    ...(spec.addressSpaceLimitBytes !== undefined ? [`--as=${spec.addressSpaceLimitBytes}`] : []),
    ...(spec.processLimit !== undefined ? [`--nproc=${spec.processLimit}`] : []),
    // SIGXCPU at the soft limit (reported as such); SIGKILL 10 s later for a process that ignores it.
    ...(spec.cpuTimeLimitSeconds !== undefined ? [`--cpu=${spec.cpuTimeLimitSeconds}:${spec.cpuTimeLimitSeconds + 10}`] : []),
  ];
  if (rlimits.length > 0) argv.push(spec.tools.prlimit, ...rlimits, '--');
  if (spec.dropPrivileges) {
    argv.push(spec.tools.setpriv, `--reuid=${id.uid}`, `--regid=${id.gid}`, '--clear-groups', '--inh-caps=-all', '--');
  }
  argv.push(
    spec.tools.bwrap,
    // All namespaces, and a user namespace even where bwrap is setuid; none may be created inside.
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    ...(spec.network === 'host' ? ['--share-net'] : []),
    '--uid', String(id.uid),
    '--gid', String(id.gid),
    '--cap-drop', 'ALL',
    '--die-with-parent',
    '--new-session',
    '--hostname', 'slipway-sandbox',
    '--info-fd', String(spec.fds.info),
    '--block-fd', String(spec.fds.block),
  );
  for (const entry of spec.root) {
    if ('symlinkTo' in entry) argv.push('--symlink', entry.symlinkTo, entry.path);
    else argv.push('--ro-bind', entry.path, entry.path);
  }
  argv.push('--dir', '/etc');
  for (const name of spec.hostEtc) argv.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  for (const [name, hostPath] of Object.entries(spec.generatedEtc)) argv.push('--ro-bind', hostPath, `/etc/${name}`);
  argv.push(
    '--proc', '/proc',
    '--dev', '/dev',
    '--size', String(spec.tmpBytes),
    '--tmpfs', '/tmp',
    '--size', String(spec.tmpBytes),
    '--tmpfs', '/var/tmp',
    '--ro-bind', spec.builtinDir, SANDBOX_BUILTIN_DIR,
    '--bind', spec.workDir, SANDBOX_WORK_DIR,
    '--bind', spec.controlDir, SANDBOX_CONTROL_DIR,
  );
  if (spec.agentDir) argv.push('--bind', spec.agentDir, SANDBOX_AGENT_DIR);
  argv.push('--chdir', SANDBOX_WORK_DIR, '--', ...spec.command);
  return argv;
}

/** SSH_AUTH_SOCK inside the sandbox. */
export const SANDBOX_AGENT_SOCKET = `${SANDBOX_AGENT_DIR}/${AGENT_SOCKET_NAME}`;
