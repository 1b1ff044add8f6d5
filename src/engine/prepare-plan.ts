import { plainVars } from '../api/ansible-yaml-tree.js';
import { checkInputSizes } from '../api/check-input-sizes.js';
import { describeObject, InputError, ProblemList, problemLocation } from '../api/input-error.js';
import { inputLimits, type InputLimits } from '../api/input-limits.js';
import { readAnsibleYaml } from '../api/read-ansible-yaml.js';
import type { OperationInput, SourcedText } from '../api/resolve-input.js';
import { actionsOf } from '../api/validate-operation.js';
import type { Inventory, Vars } from '../inventory/inventory-model.js';
import { readInventory } from '../inventory/parse-hosts.js';
import { validateInventory } from '../inventory/validate-inventory.js';
import { SECRET_VARS } from '../policy/ansible-vars.js';
import { hasTemplate } from '../policy/jinja.js';
import { checkKubeanVariables } from '../policy/kubean-variables.js';
import { chooseJobImage, type JobImageChoice } from '../policy/job-image.js';
import type { BuiltinCatalog } from './builtin-catalog.js';
import { buildPlan } from './build-plan.js';
import { configuresCluster, removesHosts } from './kubespray-actions.js';
import { operationDeadline } from './operation-deadline.js';
import type { Plan } from './plan-types.js';
import { guardInputs, policeInputs, type OperatorOptions } from './police-inputs.js';

export type { OperatorOptions };

/** group_vars.yml, typed as Ansible reads it (YAML 1.1). */
export function parseVars(src: SourcedText, problems: ProblemList, limits: InputLimits): Vars {
  return readVars(src, problems, limits).vars;
}

/** group_vars.yml's variables and the line each is set on. */
function readVars(src: SourcedText, problems: ProblemList, limits: InputLimits): { vars: Vars; lines: Map<string, number> } {
  const sink = problems.at({ object: src.object, key: src.key });
  const root = readAnsibleYaml(src.text, sink, limits);
  if (root === undefined || (root.kind === 'scalar' && root.value === null)) return { vars: {}, lines: new Map() };
  if (root.kind !== 'map') {
    sink.error('bad-vars', 'must be a mapping of variables', { line: root.line });
    return { vars: {}, lines: new Map() };
  }
  return { vars: plainVars(root), lines: new Map(root.entries.map((e) => [e.key, e.keyLine])) };
}

/**
 * The values of the secret variables. One that is a template ("{{ vault_pw }}") is no secret
 * itself, and redacting its text would blank out variable names in every log line; the
 * values of the variables it names are taken instead.
 */
function collectSecrets(inv: Inventory, vars: Vars): string[] {
  const scopes = [vars, inv.vars, ...[...inv.hosts.values()].map((h) => h.vars), ...[...inv.groups.values()].map((g) => g.vars)];
  const literal = (v: unknown): string | undefined =>
    (typeof v === 'string' && !hasTemplate(v)) || typeof v === 'number' ? String(v) : undefined;
  const out = new Set<string>();
  for (const scope of scopes) {
    for (const k of SECRET_VARS) {
      const value = scope[k];
      const named = typeof value === 'string' && hasTemplate(value) ? (value.match(/[A-Za-z_]\w*/g) ?? []) : [];
      for (const v of [value, ...named.flatMap((n) => scopes.map((s) => s[n]))]) {
        const text = literal(v);
        if (text !== undefined) out.add(text);
      }
    }
  }
  return [...out];
}

/** hosts.yml and the vars, parsed once; what is wrong with them is filed in `problems` for preparePlan to report. */
export interface ParsedInputs {
  problems: ProblemList;
  /** Undefined when hosts.yml could not be read. */
  inventory: Inventory | undefined;
  vars: Vars;
  /** The line of group_vars.yml each variable is set on. */
  varLines: Map<string, number>;
}

/** Parses the inputs within their size bounds (throws InputError for one over them: nothing over a bound is parsed). */
export function parseInputs(input: OperationInput, opts: OperatorOptions = {}): ParsedInputs {
  const problems = new ProblemList();
  const limits = inputLimits(opts.limits);
  if (!checkInputSizes(input, limits, problems)) problems.throwIfErrors();
  const inventory = readInventory(input.hosts.text, problems.at({ object: input.hosts.object, key: input.hosts.key }), limits);
  const { vars, lines: varLines } = readVars(input.vars, problems, limits);
  return { problems, inventory, vars, varLines };
}

/**
 * From fetched inputs (parsed by parseInputs, unless given) to a Plan: validate the inventory and
 * vars, police every variable, then build the argv plan. Pure; throws one InputError listing every problem.
 */
export function preparePlan(input: OperationInput, catalog: BuiltinCatalog, opts: OperatorOptions = {}, parsed: ParsedInputs = parseInputs(input, opts)): Plan {
  const { problems, inventory, vars, varLines } = parsed;
  const actions = actionsOf(input.operation).filter((a) => a.role === 'action').map((a) => a.action);
  if (inventory) validateInventory(inventory, input.hosts, { removing: actions.some(removesHosts) }, problems);
  policeInputs(inventory, vars, input, problems, opts);
  const set = Object.entries(vars).map(([name, value]) => ({ name, value, line: varLines.get(name) }));
  checkKubeanVariables(set, problems.at({ object: input.vars.object, key: input.vars.key }), { refuse: actions.some(configuresCluster) });
  const image = opts.jobImages ? jobImageOf(input, problems, opts.jobImages) : undefined;
  // An inventory that could not be read was reported as such: nothing more to plan from.
  if (!inventory) throw new InputError(problems.items, problems.omitted);

  // The actions are planned even when the inventory has problems, so one run reports all.
  const secrets = collectSecrets(inventory, vars);
  const guarded = guardInputs(inventory, vars);
  const previousControlPlaneDigest = input.cluster.status?.controlPlaneDigest;
  const plan = buildPlan({ input, inventory, vars: guarded, catalog, secrets, ...(previousControlPlaneDigest ? { previousControlPlaneDigest } : {}) }, problems);
  problems.throwIfErrors();
  const warnings = problems.warnings.map((w) => `${problemLocation(w)}: ${w.message}`);
  return { ...plan, warnings, ...operationDeadline(input.operation.spec, opts.defaultDeadlineSeconds), ...(image ? { image } : {}) };
}

/** The Job's image for the operation, or undefined after filing why spec.image is refused. */
function jobImageOf(input: OperationInput, problems: ProblemList, policy: NonNullable<OperatorOptions['jobImages']>): Exclude<JobImageChoice, { kind: 'refused' }> | undefined {
  const op = input.operation;
  const choice = chooseJobImage(op.spec.image, policy);
  if (choice.kind !== 'refused') return choice;
  problems.at({ object: describeObject('ClusterOperation', op.metadata.name ?? '?'), key: 'spec.image' }).error(choice.code, choice.reason);
  return undefined;
}
