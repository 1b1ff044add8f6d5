import { hasTemplate } from './jinja-expression.js';
import { isPlainObject } from './vars.js';

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

const FILE_ATTRS = ['mode', 'owner', 'group', 'seuser', 'serole', 'setype', 'selevel', 'unsafe_writes', 'attributes'];
const LOCAL_SRC = "reads the file on Slipway's machine unless remote_src: true (literally; the source must be on the host)";

/**
 * Modules whose action plugin runs on Slipway's machine and can read its files: the only
 * arguments Slipway accepts for each (anything else is refused as unknown), and why the
 * arguments given would read a local file, or undefined. Checked on the arguments as Ansible
 * merges them (args:, the module's value, action:'s nested args).
 */
interface ControllerModule {
  args: ReadonlySet<string>;
  localRead: (args: Record<string, unknown>) => string | undefined;
}

const controllerModule = (args: string[], localRead: ControllerModule['localRead']): ControllerModule => ({
  args: new Set([...args, ...FILE_ATTRS]),
  localRead,
});

const srcNeedsRemote = (a: Record<string, unknown>): string | undefined =>
  'src' in a && !isTrue(a.remote_src) ? `src ${LOCAL_SRC}` : undefined;

export const CONTROLLER_MODULES: Readonly<Record<string, ControllerModule>> = {
  copy: controllerModule(
    ['src', 'dest', 'content', 'remote_src', 'backup', 'force', 'validate', 'directory_mode', 'follow', 'checksum'],
    srcNeedsRemote,
  ),
  unarchive: controllerModule(
    ['src', 'dest', 'remote_src', 'copy', 'creates', 'list_files', 'exclude', 'include', 'keep_newer', 'extra_opts', 'io_buffer_size', 'validate_certs'],
    (a) => {
      // unarchive's old spelling of remote_src: true is copy: false.
      if (isFalse(a.copy) && !('remote_src' in a)) return undefined;
      return isTrue(a.remote_src) ? undefined : `src ${LOCAL_SRC}`;
    },
  ),
  assemble: controllerModule(
    ['src', 'dest', 'remote_src', 'delimiter', 'regexp', 'ignore_hidden', 'validate', 'backup'],
    // Its action plugin defaults remote_src to yes.
    (a) => ('remote_src' in a && !isTrue(a.remote_src) ? `remote_src: false assembles fragments from Slipway's machine` : undefined),
  ),
  uri: controllerModule(
    [
      'url', 'dest', 'url_username', 'url_password', 'user', 'password', 'body', 'body_format', 'method', 'return_content',
      'force_basic_auth', 'follow_redirects', 'creates', 'removes', 'status_code', 'timeout', 'headers', 'validate_certs',
      'client_cert', 'client_key', 'ca_path', 'src', 'remote_src', 'use_proxy', 'unix_socket', 'http_agent', 'use_gssapi',
      'use_netrc', 'ciphers', 'decompress', 'unredirected_headers', 'force',
    ],
    (a) => srcNeedsRemote(a) ?? (isTrue(a.remote_src) ? undefined : multipartFileRead(a)),
  ),
  patch: controllerModule(['src', 'dest', 'basedir', 'remote_src', 'strip', 'backup', 'binary', 'state', 'ignore_whitespace'], (a) =>
    isTrue(a.remote_src) ? undefined : `src ${LOCAL_SRC}`,
  ),
};

/**
 * uri's action plugin uploads, for a form-multipart body, every field that has a `filename`
 * and an empty `content`, reading the file on Slipway's machine. Its decision uses the
 * rendered values, so they must be literal here.
 */
function multipartFileRead(a: Record<string, unknown>): string | undefined {
  if (a.body_format === undefined) return undefined;
  if (typeof a.body_format !== 'string' || hasTemplate(a.body_format)) return 'body_format must be literal (form-multipart reads files named in the body)';
  if (a.body_format !== 'form-multipart') return undefined;
  if (!isPlainObject(a.body)) return "a form-multipart body must be a literal mapping (fields with filename: are read on Slipway's machine)";
  for (const [field, value] of Object.entries(a.body)) {
    if (!isPlainObject(value) || !('filename' in value)) continue;
    const content = value.content;
    if (typeof content !== 'string' || content === '' || hasTemplate(content)) {
      return `body field ${JSON.stringify(field)} has filename: without literal content:, so uri reads that file on Slipway's machine and posts it`;
    }
  }
  return undefined;
}

/** Modules whose arguments Slipway reads besides the controller modules. */
export const INSPECTED_MODULES: ReadonlySet<string> = new Set([...Object.keys(CONTROLLER_MODULES), 'set_fact', 'debug', 'assert']);

/** Modules whose free-form string is a command (or a meta action), not key=value pairs. */
export const FREE_FORM_MODULES: ReadonlySet<string> = new Set(['command', 'shell', 'raw', 'meta']);

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
  if (builtin && (BUILTIN_REMOTE.has(short) || CONTROLLER_MODULES[short])) return { key: short };
  if (routedShort && SHORT_TO_COLLECTION.has(short)) return { key: SHORT_TO_COLLECTION.get(short)! };
  if (namespace === 'ansible.posix' && short === 'patch') return { key: 'patch' };
  if (COLLECTION_REMOTE.has(name)) return { key: name };
  return {
    key: name,
    code: 'module-unknown',
    refusal: "is not on Slipway's list of modules that act only on the cluster's hosts",
  };
}

export function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && /^(?:yes|true|on|1)$/i.test(v));
}

export function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && /^(?:no|false|off|0)$/i.test(v));
}
