import { AGENT_IDENTITY_PATH, BUILTIN_LINK } from './plan-types.js';

export const INVENTORY_PATH = 'inventory/hosts.yml';
export const VARS_PATH = 'vars/group_vars.yml';
export const KNOWN_HOSTS_PATH = 'auth/known_hosts';

/**
 * The environment every ansible step gets. Only Slipway sets ANSIBLE_* variables: the config
 * file is the builtin one, so no ansible.cfg from the machine or a user can change behaviour.
 */
/** Parallel connections per step: one per host, up to this many. */
export const MAX_FORKS = 100;

export function ansibleEnv(opts: { knownHosts: boolean; agentKey: boolean; hostCount: number }): Record<string, string> {
  // The key is in the executor's ssh-agent (SSH_AUTH_SOCK), never in a file ansible could read.
  const identity = opts.agentKey ? `-o IdentityAgent=SSH_AUTH_SOCK -o IdentityFile=${AGENT_IDENTITY_PATH}` : '-o IdentityAgent=none';
  const hostKeys = opts.knownHosts
    ? `-o UserKnownHostsFile=${KNOWN_HOSTS_PATH} -o StrictHostKeyChecking=yes`
    : '-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no';
  return {
    ANSIBLE_CONFIG: `${BUILTIN_LINK}/ansible.cfg`,
    ANSIBLE_HOST_KEY_CHECKING: opts.knownHosts ? 'True' : 'False',
    // -F /dev/null, IdentitiesOnly and only the operation's own agent: only the cluster's own
    // key is offered, never the keys, agent or ssh_config of the account running Slipway.
    ANSIBLE_SSH_ARGS:
      `-F /dev/null -o IdentitiesOnly=yes ${identity} -o ControlMaster=auto -o ControlPersist=60s ${hostKeys}`,
    // Whatever the builtin directory's ansible.cfg says: one ssh round trip per module instead
    // of five. A stopped step's remote commands still end: the slipway_hangup callback wraps
    // them so they get the hangup a pty would give them (playbooks/callback_plugins/).
    ANSIBLE_PIPELINING: 'True',
    // Vars plugins (group_vars/ and host_vars/ beside the inventory) read once when the inventory
    // is loaded, not again for every host and task: a quarter of ansible's CPU on 50 hosts.
    ANSIBLE_RUN_VARS_PLUGINS: 'start',
    // Every host at once (ansible's default is 5, playbooks/ansible.cfg's 20).
    ANSIBLE_FORKS: String(Math.min(Math.max(opts.hostCount, 1), MAX_FORKS)),
    ANSIBLE_INVENTORY_ENABLED: 'yaml',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
  };
}
