import { badHostAddress, badUserName, type AddressOptions } from './host-address.js';

/** Checks one ansible_* value; returns why it is refused, or undefined. */
type ValueCheck = (value: unknown, opts: AddressOptions) => string | undefined;

interface AnsibleVarRule {
  check: ValueCheck;
  /** Secrets may be templates (e.g. "{{ ansible_password }}"); everything else must be literal. */
  secret?: boolean;
  /**
   * Why group_vars.yml may not set it. That file reaches Ansible as `-e @file`: it outranks
   * every host's own variables and also applies to the implicit localhost that kubespray's
   * `hosts: localhost` plays run on Slipway's machine.
   */
  notGlobal?: string;
}

const TRUTHY = /^(?:true|false|yes|no|on|off|1|0)$/i;

const bool: ValueCheck = (v) =>
  typeof v === 'boolean' || (typeof v === 'string' && TRUTHY.test(v)) ? undefined : 'must be true or false';

const intBetween = (min: number, max: number): ValueCheck => (v) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? undefined : `must be an integer from ${min} to ${max}`;
};

const oneOf = (...allowed: string[]): ValueCheck => (v) =>
  typeof v === 'string' && allowed.includes(v) ? undefined : `must be ${allowed.map((a) => `"${a}"`).join(' or ')}`;

const secret: ValueCheck = (v) =>
  typeof v === 'string' || typeof v === 'number' ? undefined : 'must be a string';

/** Where distributions install Python; any other path could name a program planted on the host. */
const INTERPRETER = /^(?:\/usr(?:\/local)?\/bin\/python(?:3(?:\.\d{1,2})?)?|\/bin\/python3?|\/usr\/libexec\/platform-python|auto(?:_silent|_legacy|_legacy_silent)?)$/;

const interpreter: ValueCheck = (v) =>
  typeof v === 'string' && INTERPRETER.test(v)
    ? undefined
    : 'must be a system Python (/usr/bin/python3, /usr/bin/python3.N, /usr/local/bin/python3, /usr/libexec/platform-python) or "auto"';

const ADDRESS_PER_HOST = "is an address, and group_vars.yml reaches Ansible as -e, which would send every host's connections (and kubespray's localhost plays) there; set it per host in hosts.yml";
const LOCAL_PLAYS = "would also apply to kubespray's `hosts: localhost` plays on Slipway's machine (-e outranks their connection: local); set it under all.vars in hosts.yml";

/**
 * The ansible_* variables a cluster's hosts.yml or group_vars may set. Their values go into
 * the ssh command line or the privilege-escalation command, so they must be literal.
 */
export const ANSIBLE_VARS: Readonly<Record<string, AnsibleVarRule>> = {
  ansible_host: { check: (v, o) => badHostAddress(v, o), notGlobal: ADDRESS_PER_HOST },
  ansible_ssh_host: { check: (v, o) => badHostAddress(v, o), notGlobal: ADDRESS_PER_HOST },
  ansible_port: { check: intBetween(1, 65535) },
  ansible_ssh_port: { check: intBetween(1, 65535) },
  ansible_user: { check: (v) => badUserName(v) },
  ansible_ssh_user: { check: (v) => badUserName(v) },
  ansible_password: { check: secret, secret: true },
  ansible_ssh_pass: { check: secret, secret: true },
  ansible_ssh_password: { check: secret, secret: true },
  ansible_become: { check: bool },
  ansible_become_user: { check: (v) => badUserName(v) },
  ansible_become_password: { check: secret, secret: true },
  ansible_become_pass: { check: secret, secret: true },
  ansible_become_method: { check: oneOf('sudo', 'su') },
  ansible_python_interpreter: { check: interpreter, notGlobal: LOCAL_PLAYS },
  ansible_connection: { check: oneOf('ssh'), notGlobal: LOCAL_PLAYS },
  ansible_ssh_pipelining: { check: bool },
  ansible_pipelining: { check: bool },
  ansible_timeout: { check: intBetween(1, 3600) },
  ansible_ssh_timeout: { check: intBetween(1, 3600) },
};

export const SECRET_VARS: ReadonlySet<string> = new Set(
  Object.entries(ANSIBLE_VARS).filter(([, r]) => r.secret).map(([n]) => n),
);

const RUNS_LOCALLY = "is added to the ssh/scp/sftp command Ansible runs on Slipway's machine (an option such as -o ProxyCommand=… runs any command there)";

/** Why an ansible_* name outside ANSIBLE_VARS is refused. */
export function ansibleVarRefusal(name: string): string {
  if (/^ansible_(?:ssh_(?:common_|extra_)?args|scp_extra_args|sftp_extra_args|ssh_transfer_method)$/.test(name)) {
    return RUNS_LOCALLY;
  }
  if (/^ansible_(?:ssh_)?private_key_file$/.test(name)) {
    return "names a key file on Slipway's machine; the key comes from the cluster's SSH Secret";
  }
  if (/_(?:executable|exe)$/.test(name)) return 'names a program for Ansible to run';
  if (/_interpreter$/.test(name)) return 'only ansible_python_interpreter may choose an interpreter';
  if (/^ansible_(?:paramiko|libssh|netconf|httpapi|network|winrm|psrp|docker|kubectl|podman|buildah|chroot|jail|zone|local|lxc|lxd|funcd|saltstack|iocage|qubes)_/.test(name)) {
    return 'configures a connection plugin Slipway does not use';
  }
  if (name === 'ansible_shell_type' || name === 'ansible_shell_executable') {
    return 'changes how every command is built on the hosts; Slipway supports POSIX shells only';
  }
  return `is not one of the ansible_* variables Slipway accepts (${Object.keys(ANSIBLE_VARS).join(', ')})`;
}
