/**
 * Kubespray variables that make it act on the machine running ansible-playbook (Slipway or
 * its job pod) rather than on the cluster's hosts. Slipway's builtin playbooks include
 * kubespray's, which delegate some tasks to localhost under these switches.
 * This list covers the switches Slipway knows; it is not an audit of all of kubespray.
 */

/** Boolean switches named `*_localhost`: Slipway forces them off (see controllerOverrideVars). */
export const LOCALHOST_SWITCH = /_localhost$/;

/** Variables refused everywhere, with the reason. */
export const CONTROLLER_VARS: Readonly<Record<string, string>> = {
  download_delegate: 'chooses the host kubespray downloads on, which may be Slipway itself (localhost)',
  download_cache_dir: "is a directory on Slipway's machine; Slipway sets it per operation",
  artifacts_dir: "is a directory on Slipway's machine where kubespray writes files",
  credentials_dir: "is a directory on Slipway's machine where kubespray creates password files",
  image_pull_command_on_localhost: "is a command kubespray runs on Slipway's machine",
  image_info_command_on_localhost: "is a command kubespray runs on Slipway's machine",
  image_command_tool_on_localhost: "is a program kubespray runs on Slipway's machine",
};

/** Magic and reserved names no input may set. */
export const RESERVED_VARS: Readonly<Record<string, string>> = Object.fromEntries([
  ...[
    'hostvars', 'groups', 'group_names', 'inventory_hostname', 'inventory_hostname_short',
    'inventory_dir', 'inventory_file', 'playbook_dir', 'role_path', 'role_name', 'role_names',
    'role_uuid', 'play_hosts', 'omit', 'environment', 'vars',
  ].map((n) => [n, 'is reserved by Ansible']),
  ...['lookup', 'query', 'q', 'range', 'dict', 'lipsum', 'cycler', 'joiner', 'namespace', 'now', 'undef', 'self', 'loop']
    .map((n) => [n, 'would shadow a template function']),
]);

/**
 * Extra vars the planner passes last (`-e <json>` after the user's own), so that group_vars
 * such as kubean's `download_localhost: true` cannot make kubespray download and run
 * container commands on Slipway's machine. `cacheDir`, when given, is the operation's own
 * cache directory, so one cluster cannot plant files another cluster's operation would copy
 * out; without it kubespray's default (under /tmp, private to each sandboxed step) stays.
 */
export function controllerOverrideVars(opts: { cacheDir?: string } = {}): Record<string, unknown> {
  return {
    download_localhost: false,
    kubeconfig_localhost: false,
    kubectl_localhost: false,
    ...(opts.cacheDir !== undefined ? { download_cache_dir: opts.cacheDir } : {}),
  };
}

/** The same as argv for ansible-playbook. */
export function controllerOverrideArgs(opts: { cacheDir?: string } = {}): string[] {
  return ['-e', JSON.stringify(controllerOverrideVars(opts))];
}
