/**
 * What Slipway knows about kubespray's playbook names, in one table: what each does to the
 * cluster, the confirmations kubean passes so it does not stop at a prompt, and whether it
 * takes hosts away (so the inventory may name hosts that are about to leave).
 */

export type OperationKind = 'install' | 'scale-out' | 'scale-in' | 'upgrade' | 'reset' | 'other';

interface KubesprayAction {
  kind: OperationKind;
  /** The kind when a --limit narrows it: kubean adds control-plane nodes with cluster.yml --limit. */
  kindWithLimit?: OperationKind;
  confirmation: string[];
  removesHosts: boolean;
}

const ACTIONS: Readonly<Record<string, KubesprayAction>> = {
  'cluster.yml': { kind: 'install', kindWithLimit: 'scale-out', confirmation: [], removesHosts: false },
  'scale.yml': { kind: 'scale-out', confirmation: [], removesHosts: false },
  'remove-node.yml': { kind: 'scale-in', confirmation: ['-e', 'skip_confirmation=true'], removesHosts: true },
  'upgrade-cluster.yml': { kind: 'upgrade', confirmation: [], removesHosts: false },
  'reset.yml': { kind: 'reset', confirmation: ['-e', 'reset_confirmation=yes'], removesHosts: true },
};

export function operationKind(action: string, limit: string | undefined): OperationKind {
  const a = ACTIONS[action];
  if (!a) return 'other';
  return limit && a.kindWithLimit ? a.kindWithLimit : a.kind;
}

/** Arguments kubean adds for playbooks that otherwise stop at an interactive prompt. */
export function confirmationArgs(action: string): string[] {
  return [...(ACTIONS[action]?.confirmation ?? [])];
}

export function removesHosts(action: string): boolean {
  return ACTIONS[action]?.removesHosts ?? false;
}

/**
 * Whether the action installs or configures the cluster (cluster.yml, scale.yml,
 * upgrade-cluster.yml): a setting Slipway refuses (a CNI or runtime it does not ship) stops
 * these before they run; others (reset, ping, a user's playbook) only warn about it.
 */
export function configuresCluster(action: string): boolean {
  const kind = ACTIONS[action]?.kind;
  return kind === 'install' || kind === 'scale-out' || kind === 'upgrade';
}

/**
 * kubespray's switches that make it download, run container tools or write kubeconfigs on
 * the machine running ansible-playbook (Slipway, or its Job pod) instead of the cluster's hosts.
 */
const LOCALHOST_SWITCHES = ['download_localhost', 'kubeconfig_localhost', 'kubectl_localhost'];
const LOCALHOST_SWITCH = /_localhost$/;

/**
 * `-e` arguments that every playbook step gets after the user's own, so they win over
 * group_vars.yml (passed as `-e @…` earlier) and the inventory: each known `*_localhost`
 * switch, and any other one the inputs name, forced to false.
 */
export function controllerOverrideArgs(varSets: readonly Record<string, unknown>[]): string[] {
  const names = new Set(LOCALHOST_SWITCHES);
  for (const vars of varSets) for (const name of Object.keys(vars)) if (LOCALHOST_SWITCH.test(name)) names.add(name);
  return ['-e', JSON.stringify(Object.fromEntries([...names].sort().map((n) => [n, false])))];
}
