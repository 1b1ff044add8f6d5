/**
 * Where things are inside a step's sandbox. Steps see their work directory at a fixed path,
 * whatever the host path is, so nothing in a plan depends on where Slipway keeps its files.
 */
export const SANDBOX_WORK_DIR = '/slipway/work';
/** Slipway's playbooks/, read-only; the work dir's `builtin` link points here. */
export const SANDBOX_BUILTIN_DIR = '/slipway/builtin';
/** ssh ControlPersist sockets (short path: a socket path is limited to 107 bytes). */
export const SANDBOX_CONTROL_DIR = '/slipway/cp';
/** Holds the operation's ssh-agent socket, and nothing else. */
export const SANDBOX_AGENT_DIR = '/slipway/agent';
export const AGENT_SOCKET_NAME = 'agent.sock';
/** The only PATH a sandboxed step gets: nothing of the host account's PATH (pyenv, ~/bin) exists inside. */
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** slirp4netns's built-in DNS forwarder, as seen from the sandbox. */
export const SLIRP_DNS = '10.0.2.3';
export const SLIRP_INTERFACE = 'tap0';

/**
 * Files of the host's /etc that python3, ansible and ssh need: TLS roots, the loader cache,
 * the time zone, alternatives symlinks (awk, editor), Debian's python site files. The rest of
 * /etc (shadow, ssh host keys, ansible.cfg, credentials of other software) stays out.
 */
export const HOST_ETC_ENTRIES: readonly string[] = [
  'alternatives',
  'ca-certificates',
  'ca-certificates.conf',
  'crypto-policies',
  'gai.conf',
  'host.conf',
  'ld.so.cache',
  'localtime',
  'mime.types',
  'os-release',
  'pki',
  'protocols',
  'services',
  'ssl',
  'timezone',
];

/** Entries of /etc whose names vary by release (python3.11, python3.12 …). */
export const HOST_ETC_PATTERN = /^python3(\.\d+)?$/;
