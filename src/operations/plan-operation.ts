import { resolveInventoryAddresses } from './resolve-addresses.js';
import { resolveOperationInput } from '../api/resolve-input.js';
import type { ObjectSource } from '../api/object-source.js';
import type { ClusterOperation } from '../api/types.js';
import { loadBuiltinCatalog } from '../engine/builtin-catalog.js';
import type { Plan } from '../engine/plan-types.js';
import { parseInputs, preparePlan, type OperatorOptions } from '../engine/prepare-plan.js';

/** Fetch, validate and plan one operation; throws InputError before anything runs. */
export async function planOperation(op: ClusterOperation, source: ObjectSource, builtinDir: string, operator: OperatorOptions): Promise<Plan> {
  const input = await resolveOperationInput(op, source);
  const parsed = parseInputs(input, operator);
  const addresses = await resolveInventoryAddresses(parsed.inventory);
  return preparePlan(input, loadBuiltinCatalog(builtinDir), { ...operator, addresses }, parsed);
}
