import { LineCounter, parseDocument } from 'yaml';
import { InputError, ProblemList } from '../api/input-error.js';
import type { OperationInput, SourcedText } from '../api/resolve-input.js';
import { reportYamlErrors } from '../api/yaml-errors.js';
import { actionsOf } from '../api/validate-operation.js';
import type { Inventory } from '../inventory/inventory-model.js';
import { parseHosts } from '../inventory/parse-hosts.js';
import { validateInventory } from '../inventory/validate-inventory.js';
import { SECRET_VARS } from '../policy/ansible-vars.js';
import type { BuiltinCatalog } from './builtin-catalog.js';
import { buildPlan } from './build-plan.js';
import type { Plan } from './plan-types.js';
import { guardInputs, policeInputs, type OperatorOptions } from './police-inputs.js';

export type { OperatorOptions };

const REMOVING_ACTIONS = new Set(['remove-node.yml', 'reset.yml']);

function parseVars(src: SourcedText, problems: ProblemList): Record<string, unknown> {
  const lc = new LineCounter();
  const doc = parseDocument(src.text, { lineCounter: lc, prettyErrors: false });
  reportYamlErrors(doc.errors, lc, src, problems);
  if (doc.errors.length > 0) return {};
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.error({ code: 'bad-vars', object: src.object, key: src.key, message: 'group_vars.yml must be a mapping of variables' });
    return {};
  }
  return value as Record<string, unknown>;
}

function collectSecrets(inv: Inventory, vars: Record<string, unknown>): string[] {
  const out: string[] = [];
  const take = (v: Record<string, unknown>): void => {
    for (const k of SECRET_VARS) if (v[k] !== undefined && v[k] !== null) out.push(String(v[k]));
  };
  take(vars);
  take(inv.vars);
  for (const h of inv.hosts.values()) take(h.vars);
  for (const g of inv.groups.values()) take(g.vars);
  return out;
}

/**
 * From fetched inputs to a Plan: parse and validate the inventory and vars, police every
 * variable, then build the argv plan. Pure; throws one InputError listing every problem.
 */
export function preparePlan(input: OperationInput, catalog: BuiltinCatalog, opts: OperatorOptions = {}): Plan {
  const problems = new ProblemList();
  let inventory: Inventory | undefined;
  try {
    inventory = parseHosts(input.hosts);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.items.push(...err.problems);
  }
  const vars = parseVars(input.vars, problems);
  if (inventory) {
    const removing = actionsOf(input.operation).some((a) => a.role === 'action' && REMOVING_ACTIONS.has(a.action));
    validateInventory(inventory, input.hosts, { removing }, problems);
  }
  policeInputs(inventory, vars, input, problems, opts);
  if (!inventory) problems.throwIfErrors();

  // The actions are planned even when the inventory has problems, so one run reports all.
  let plan: Plan | undefined;
  try {
    const secrets = collectSecrets(inventory!, vars);
    const guarded = guardInputs(inventory!, vars);
    plan = buildPlan({ input, inventory: inventory!, vars: guarded, catalog, secrets, warnings: problems.warnings });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.items.push(...err.problems);
  }
  problems.throwIfErrors();
  return plan!;
}
