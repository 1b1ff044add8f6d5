import type { InputLimits } from '../api/input-limits.js';
import type { ProblemList } from '../api/input-error.js';
import type { OperationInput } from '../api/resolve-input.js';
import { UnsafeText } from '../api/ansible-yaml-tree.js';
import type { Inventory, Vars } from '../inventory/inventory-model.js';
import { badHostAddress, type AddressFacts, type AddressOptions } from '../policy/host-address.js';
import type { JobImagePolicy } from '../policy/job-image.js';
import { within } from '../policy/policy-error.js';
import { guardValue } from '../policy/template-guard.js';
import { checkVars } from '../policy/vars.js';

/** Settings of whoever runs Slipway, never taken from the operation's own input. */
export interface OperatorOptions {
  /**
   * Accept hosts on loopback addresses. They reach the machine running Ansible, so only the
   * operator may allow them: for --local-hosts, and for tests whose sshd hosts run here.
   */
  allowLoopbackHosts?: boolean;
  /**
   * This machine's addresses and what the inventory's host names resolve to here
   * (src/operations/resolve-addresses.ts); without them only literal addresses and names are checked.
   */
  addresses?: AddressFacts;
  /** Bounds on every input (sizes, hosts, YAML aliases and nesting); defaults in DEFAULT_INPUT_LIMITS. */
  limits?: Partial<InputLimits>;
  /**
   * Seconds an operation may run when its spec.activeDeadlineSeconds is unset or 0; default
   * DEFAULT_DEADLINE_SECONDS (6 h). 0 means no deadline.
   */
  defaultDeadlineSeconds?: number;
  /**
   * Set when the plan runs as a Job: which images spec.image may name (src/policy/job-image.ts).
   * A refused image is an input problem, so the operation ends before any Job is made.
   */
  jobImages?: JobImagePolicy;
}

const NO_NAMES: AddressFacts = { local: [], resolved: new Map() };

/**
 * Polices every variable of the inventory and group_vars.yml, and every host key: a key is
 * an SSH address when the host has no ansible_host, and Ansible and kubespray treat a host
 * called localhost as the machine running Ansible either way.
 */
export function policeInputs(inventory: Inventory | undefined, vars: Record<string, unknown>, input: OperationInput, problems: ProblemList, opts: OperatorOptions): void {
  const address: AddressOptions = { allowLoopback: opts.allowLoopbackHosts ?? false, ...(opts.addresses ? { machine: opts.addresses } : {}) };
  const hostsSink = problems.at({ object: input.hosts.object, key: input.hosts.key });
  if (inventory) {
    checkVars(inventory.vars, within(hostsSink, { path: 'all.vars' }), { scope: 'group', ...address });
    for (const h of inventory.hosts.values()) {
      const at = { path: `all.hosts.${h.name}`, line: h.line };
      checkVars(h.vars, within(hostsSink, at), { scope: 'host', ...address });
      const named = h.vars.ansible_host === undefined && h.vars.ansible_ssh_host === undefined;
      const bad = badHostAddress(h.name, named ? address : { ...address, machine: { ...(opts.addresses ?? NO_NAMES), resolved: new Map() } });
      if (bad) {
        const role = named ? 'has no ansible_host, so its name is the SSH address, and it' : 'is named as an address, and that name';
        hostsSink.error('bad-host-address', `host ${h.name} ${role} ${bad}`, at);
      }
    }
    for (const g of inventory.groups.values()) {
      checkVars(g.vars, within(hostsSink, { path: `all.children.${g.name}.vars`, line: g.line }), { scope: 'group', ...address });
    }
  }
  checkVars(vars, problems.at({ object: input.vars.object, key: input.vars.key }), { scope: 'global', ...address });
}

/**
 * The policed inputs as Ansible must receive them: templates guarded and plain strings with
 * "{" or "#" tagged !unsafe (template-guard.ts). Inventory variables are replaced in place
 * (their values may become UnsafeText, which the renderer writes with Ansible's !unsafe tag).
 */
export function guardInputs(inventory: Inventory, vars: Vars): Vars {
  const guard = (v: Vars): Vars => guardValue(v, (text) => new UnsafeText(text)) as Vars;
  inventory.vars = guard(inventory.vars);
  for (const h of inventory.hosts.values()) h.vars = guard(h.vars);
  for (const g of inventory.groups.values()) g.vars = guard(g.vars);
  return guard(vars);
}
