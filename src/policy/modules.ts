/**
 * Which Ansible modules a user playbook may call. A module is the remote half of a task,
 * but many have an action plugin that runs first on the machine running Ansible (copy reads
 * `src` there, fetch writes there, script uploads a local file…). So this is an allowlist
 * of modules that act only on the target host, plus a few that are safe when their
 * arguments say the source is on the host; everything else is refused.
 */

/** ansible.builtin modules that act only on the target host (or only on Ansible's own state). */
const BUILTIN_REMOTE: ReadonlySet<string> = new Set([
  'apt', 'apt_key', 'apt_repository', 'assert', 'async_status', 'blockinfile', 'command',
  'cron', 'deb822_repository', 'debconf', 'debug', 'dnf', 'dnf5', 'dpkg_selections', 'expect',
  'fail', 'file', 'find', 'gather_facts', 'get_url', 'getent', 'git', 'group', 'group_by',
  'hostname', 'iptables', 'known_hosts', 'lineinfile', 'meta', 'mount_facts', 'package',
  'package_facts', 'pause', 'ping', 'pip', 'raw', 'reboot', 'replace', 'rpm_key', 'service',
  'service_facts', 'set_fact', 'set_stats', 'setup', 'shell', 'slurp', 'stat', 'subversion',
  'systemd', 'systemd_service', 'sysvinit', 'tempfile', 'user', 'validate_argument_spec',
  'wait_for', 'wait_for_connection', 'yum', 'yum_repository',
]);

/** Collection modules allowed by FQCN; their short names are routed there by ansible-core. */
const COLLECTION_REMOTE: ReadonlySet<string> = new Set([
  'ansible.posix.sysctl', 'ansible.posix.mount', 'ansible.posix.selinux', 'ansible.posix.seboolean',
  'ansible.posix.firewalld', 'ansible.posix.authorized_key', 'ansible.posix.acl', 'ansible.posix.at',
  'community.general.modprobe', 'community.general.timezone', 'community.general.ufw',
  'community.general.pam_limits', 'community.general.locale_gen', 'community.general.alternatives',
  'community.general.ini_file',
]);

const SHORT_TO_COLLECTION: ReadonlyMap<string, string> = new Map(
  [...COLLECTION_REMOTE].map((fqcn) => [fqcn.slice(fqcn.lastIndexOf('.') + 1), fqcn]),
);

const LOADS_FILES = "loads files from Slipway's machine; put the tasks in this playbook";

/** Refused outright, by short name (builtin or routed). */
const FORBIDDEN: Readonly<Record<string, string>> = {
  script: "uploads a script from Slipway's machine; put the commands in a shell task",
  template: "renders a template file from Slipway's machine; use copy with content: instead",
  fetch: "writes files onto Slipway's machine",
  include_vars: "reads variable files from Slipway's machine; use vars:",
  add_host: "adds hosts that are not in the cluster's inventory",
  synchronize: "runs rsync between Slipway's machine and the hosts",
  import_playbook: LOADS_FILES,
  include_tasks: LOADS_FILES,
  import_tasks: LOADS_FILES,
  include_role: LOADS_FILES,
  import_role: LOADS_FILES,
  include: LOADS_FILES,
  win_copy: "copies files from Slipway's machine",
  win_template: "renders a template file from Slipway's machine",
  k8s: "reads manifests and templates from Slipway's machine and talks to Kubernetes from there",
};

/** Safe only when the source is on the host: which argument says so, and its default. */
const REMOTE_SOURCE: Readonly<Record<string, { needsRemote: (args: Record<string, unknown>) => boolean; hint: string }>> = {
  copy: { needsRemote: (a) => 'src' in a, hint: 'copy with src: reads the file on Slipway\'s machine unless remote_src: true (or use content:)' },
  unarchive: { needsRemote: () => true, hint: "unarchive reads the archive on Slipway's machine unless remote_src: true" },
  assemble: { needsRemote: (a) => 'remote_src' in a, hint: "assemble with remote_src: false reads fragments on Slipway's machine" },
  uri: { needsRemote: (a) => 'src' in a, hint: "uri with src: reads the file on Slipway's machine unless remote_src: true" },
  patch: { needsRemote: () => true, hint: "patch reads the patch file on Slipway's machine unless remote_src: true" },
};

/** Modules whose arguments Slipway must read; their free-form `k=v` strings are parsed. */
export const INSPECTED_MODULES: ReadonlySet<string> = new Set([...Object.keys(REMOTE_SOURCE), 'set_fact', 'debug', 'assert']);

export interface ResolvedModule {
  /** Short name for builtin and routed modules, FQCN otherwise. */
  key: string;
  /** Why it is refused, or undefined. */
  refusal?: string;
  code?: 'module-forbidden' | 'module-unknown';
}

/** Resolves a task's module name (short, ansible.builtin.*, ansible.legacy.* or FQCN). */
export function resolveModule(name: string): ResolvedModule {
  if (!/^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/.test(name)) {
    return { key: name, code: 'module-unknown', refusal: 'is not a module name' };
  }
  const dot = name.lastIndexOf('.');
  const namespace = dot < 0 ? '' : name.slice(0, dot);
  const short = name.slice(dot + 1);
  const builtin = namespace === '' || namespace === 'ansible.builtin' || namespace === 'ansible.legacy';
  const routedShort = namespace === '' || namespace === 'ansible.legacy';
  const forbiddenKey = builtin || namespace === 'ansible.posix' || namespace === 'kubernetes.core' || namespace === 'ansible.windows' ? short : name;
  const forbidden = FORBIDDEN[forbiddenKey];
  if (forbidden) return { key: short, code: 'module-forbidden', refusal: forbidden };
  if (builtin && (BUILTIN_REMOTE.has(short) || REMOTE_SOURCE[short])) return { key: short };
  if (routedShort && SHORT_TO_COLLECTION.has(short)) return { key: SHORT_TO_COLLECTION.get(short)! };
  if (namespace === 'ansible.posix' && short === 'patch') return { key: 'patch' };
  if (COLLECTION_REMOTE.has(name)) return { key: name };
  return {
    key: name,
    code: 'module-unknown',
    refusal: "is not on Slipway's list of modules that act only on the cluster's hosts",
  };
}

/** For copy/unarchive/assemble/uri/patch: why these arguments are refused, or undefined. */
export function remoteSourceRefusal(module: string, args: Record<string, unknown>): string | undefined {
  const rule = REMOTE_SOURCE[module];
  if (!rule || !rule.needsRemote(args)) return undefined;
  if (isTrue(args.remote_src)) return undefined;
  // unarchive's old spelling of remote_src: true.
  if (module === 'unarchive' && isFalse(args.copy) && !('remote_src' in args)) return undefined;
  return rule.hint;
}

export function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && /^(?:yes|true|on|1)$/i.test(v));
}

export function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && /^(?:no|false|off|0)$/i.test(v));
}
