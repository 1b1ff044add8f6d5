import type { ProblemSink } from '../api/input-error.js';
import type { ActionSpec } from '../api/validate-operation.js';
import { groupMembers, type Inventory } from '../inventory/inventory-model.js';
import { resolveLimit } from '../inventory/resolve-limit.js';
import { parseExtraArgs } from '../policy/extra-args.js';
import { checkRestoreArgs } from './restore-args.js';

/** Variables Slipway passes to its own playbooks; users may not set them. */
export const RESERVED_VAR_PREFIX = 'slipway_';

export interface ActionArgs {
  /** The policed, normalised extra arguments for ansible-playbook. */
  argv: string[];
  limit?: string;
  /** Hosts the action touches: its --limit, remove-node.yml's `-e node=`, or undefined for all. */
  hosts?: string[];
  /** Its `-e` variables, in order. */
  extraVars: Record<string, unknown>[];
}

/** kubean's remove-node.yml names its victims in `-e node=a,b`. */
function nodeVar(extraVars: Record<string, unknown>[]): string[] | undefined {
  const v = extraVars.map((e) => e.node).find((n) => n !== undefined);
  if (v === undefined) return undefined;
  return String(v).split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Parses and polices an action's extraArgs against the inventory: shell syntax and options
 * are refused by the policy, --limit and `-e node=` must name known hosts, and Slipway's own
 * variables cannot be set. Problems go to `sink` (bound to the extraArgs field); undefined
 * means the args are unusable.
 */
export function checkActionArgs(a: ActionSpec, inventory: Inventory, sink: ProblemSink): ActionArgs | undefined {
  const parsed = parseExtraArgs(a.extraArgs, sink);
  if (!parsed) return undefined;
  const report = (code: string, message: string): void => sink.error(code, message);
  const out: ActionArgs = { argv: parsed.argv, extraVars: parsed.extraVars };
  if (parsed.limit !== undefined) {
    out.limit = parsed.limit;
    const hosts = resolveLimit(inventory, parsed.limit, sink);
    if (hosts) out.hosts = hosts;
    if (hosts?.length === 0) report('empty-limit', `--limit ${JSON.stringify(parsed.limit)} selects no host`);
  }
  const nodes = nodeVar(parsed.extraVars);
  if (nodes) {
    const unknown = nodes.filter((n) => !inventory.hosts.has(n) && groupMembers(inventory, n).length === 0);
    if (unknown.length > 0) report('unknown-node', `-e node= names hosts that are not in the inventory: ${unknown.join(', ')}`);
    if (a.action === 'remove-node.yml') out.hosts = nodes;
  }
  checkRestoreArgs(a.action, parsed.extraVars, sink);
  const reserved = parsed.extraVars.flatMap((v) => Object.keys(v)).filter((k) => k.startsWith(RESERVED_VAR_PREFIX));
  if (reserved.length > 0) {
    report('reserved-var', `variables starting with ${RESERVED_VAR_PREFIX} are Slipway's own: ${reserved.join(', ')}`);
  }
  return out;
}
