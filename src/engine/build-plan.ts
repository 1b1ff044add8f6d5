import { stringify } from 'yaml';
import { ProblemList, describeObject, type Problem } from '../api/input-error.js';
import { actionFileKey, type OperationInput } from '../api/resolve-input.js';
import { actionsOf, type ActionSpec } from '../api/validate-operation.js';
import { parseExtraArgs } from '../policy/extra-args.js';
import { checkPlaybook } from '../policy/playbook.js';
import { PolicyViolation } from '../policy/policy-error.js';
import { CONTROL_PLANE_GROUP, WORKER_GROUP, groupMembers, type Inventory } from '../inventory/inventory-model.js';
import { renderInventory } from '../inventory/render-inventory.js';
import { LimitError, resolveLimit } from '../inventory/resolve-limit.js';
import {
  INVENTORY_PATH,
  KNOWN_HOSTS_PATH,
  PRIVATE_KEY_PATH,
  VARS_PATH,
  ansibleEnv,
  confirmationArgs,
} from './ansible-env.js';
import type { BuiltinCatalog } from './builtin-catalog.js';
import { SCRIPTS_DIR } from './builtin-catalog.js';
import { BUILTIN_LINK, type Plan, type Step, type WorkFile } from './plan-types.js';

/** Inputs of the pure planner: everything is fetched, parsed and checked before this. */
export interface PlanInput {
  input: OperationInput;
  inventory: Inventory;
  /** group_vars.yml, parsed and policed. */
  vars: Record<string, unknown>;
  catalog: BuiltinCatalog;
  /** Values that must be redacted wherever output goes (passwords found in the inventory). */
  secrets: string[];
  /** Problems found earlier (warnings) to carry into the plan. */
  warnings?: Problem[];
}

/** Variables Slipway passes to its own playbooks; users may not set them. */
export const RESERVED_VAR_PREFIX = 'slipway_';

/** The builtin playbook that runs a ConfigMap script on the cluster's hosts, never locally. */
export const RUN_SCRIPT_PLAYBOOK = 'run-script.yml';

const stepLabel = (a: ActionSpec, index: number): string =>
  a.role === 'action' ? `action: ${a.action}` : `${a.role} ${index + 1}: ${a.action}`;

/**
 * Builds the argv plan of an operation: preHooks, the action, postHooks. Pure: no I/O; every
 * problem (policy, limit, unknown action) is collected and thrown as one InputError.
 */
export function buildPlan(p: PlanInput): Plan {
  const { input, inventory, catalog } = p;
  const op = input.operation;
  const opObject = describeObject('ClusterOperation', op.metadata.name ?? '?');
  const problems = new ProblemList();
  const files: WorkFile[] = [
    { path: INVENTORY_PATH, content: renderInventory(inventory), mode: 0o600, secret: true },
    { path: VARS_PATH, content: stringify(p.vars), mode: 0o600, secret: false },
  ];
  const secrets = [...p.secrets];
  if (input.ssh) {
    const key = input.ssh.privateKey.text.endsWith('\n') ? input.ssh.privateKey.text : `${input.ssh.privateKey.text}\n`;
    files.push({ path: PRIVATE_KEY_PATH, content: key, mode: 0o400, secret: true });
    secrets.push(input.ssh.privateKey.text);
    if (input.ssh.knownHosts) {
      files.push({ path: KNOWN_HOSTS_PATH, content: input.ssh.knownHosts.text, mode: 0o600, secret: false });
    }
  }
  const env = ansibleEnv({ knownHosts: Boolean(input.ssh?.knownHosts) });
  const ansibleBase = [
    'ansible-playbook',
    '-i',
    INVENTORY_PATH,
    '-b',
    '--become-user',
    'root',
    '-e',
    `@${VARS_PATH}`,
    ...(input.ssh ? ['--private-key', PRIVATE_KEY_PATH] : []),
  ];

  const steps: Step[] = [];
  let targetHosts = [...inventory.hosts.keys()];
  let mainLimit: string | undefined;
  const roleCounts: Record<string, number> = { preHook: 0, action: 0, postHook: 0 };
  for (const a of actionsOf(op)) {
    const index = roleCounts[a.role]!++;
    const field = a.field === 'spec' ? 'spec' : a.field;
    const at = (code: string, key: string, message: string): void =>
      problems.error({ code, object: opObject, key: `${field}.${key}`, message });

    let extra: string[] = [];
    let limit: string | undefined;
    let extraVars: Record<string, unknown>[] = [];
    try {
      const parsed = parseExtraArgs(a.extraArgs);
      extra = parsed.argv;
      limit = parsed.limit;
      extraVars = parsed.extraVars;
    } catch (err) {
      if (!(err instanceof PolicyViolation)) throw err;
      at(err.code, 'extraArgs', err.message);
      continue;
    }
    if (a.role === 'action' && limit !== undefined) mainLimit = limit;
    if (limit !== undefined) {
      try {
        const hosts = resolveLimit(inventory, limit);
        if (hosts.length === 0) at('empty-limit', 'extraArgs', `--limit ${JSON.stringify(limit)} selects no host`);
        if (a.role === 'action') targetHosts = hosts;
      } catch (err) {
        if (!(err instanceof LimitError)) throw err;
        at('unknown-limit', 'extraArgs', err.message);
      }
    }
    checkNodeVar(extraVars, inventory, (m) => at('unknown-node', 'extraArgs', m));
    const reserved = extraVars.flatMap((v) => Object.keys(v)).filter((k) => k.startsWith(RESERVED_VAR_PREFIX));
    if (reserved.length > 0) {
      at('reserved-var', 'extraArgs', `variables starting with ${RESERVED_VAR_PREFIX} are Slipway's own: ${reserved.join(', ')}`);
    }
    if (a.role === 'action' && a.action === 'remove-node.yml') {
      const nodes = nodeVar(extraVars);
      if (nodes) targetHosts = nodes;
    }

    const source = a.actionSource ?? 'builtin';
    const stepDir = `actions/${steps.length}`;
    let argv: string[] | undefined;
    if (source === 'configmap') {
      const text = input.actionFiles.get(actionFileKey(a.actionSourceRef!, a.action));
      if (text === undefined) continue; // reported by resolveOperationInput
      const path = `${stepDir}/${a.action}`;
      if (a.actionType === 'playbook') {
        try {
          for (const w of checkPlaybook(text.text, `${text.object} key ${a.action}`)) {
            problems.warning({ code: 'playbook-warning', object: text.object, key: a.action, message: w });
          }
        } catch (err) {
          if (!(err instanceof PolicyViolation)) throw err;
          problems.error({ code: err.code, object: text.object, key: a.action, message: err.message });
          continue;
        }
        files.push({ path, content: text.text, mode: 0o600, secret: false });
        argv = [...ansibleBase, path, ...confirmationArgs(a.action), ...extra];
      } else {
        files.push({ path, content: text.text, mode: 0o600, secret: false });
        argv = [...ansibleBase, `${BUILTIN_LINK}/${RUN_SCRIPT_PLAYBOOK}`, ...extra, '-e', `slipway_script=${path}`];
      }
    } else if (a.actionType === 'playbook') {
      if (!catalog.playbooks.has(a.action)) {
        at(
          'unknown-action',
          'action',
          `${JSON.stringify(a.action)} is not a builtin playbook (builtin: ${[...catalog.playbooks].sort().join(', ')}); ` +
            'to run your own, set actionSource: configmap and actionSourceRef',
        );
        continue;
      }
      argv = [...ansibleBase, `${BUILTIN_LINK}/${a.action}`, ...confirmationArgs(a.action), ...extra];
    } else {
      if (!catalog.scripts.has(a.action)) {
        at(
          'unknown-action',
          'action',
          `${JSON.stringify(a.action)} is not a builtin script (builtin: ${[...catalog.scripts].sort().join(', ') || 'none'})`,
        );
        continue;
      }
      if (extra.length > 0) at('shell-extra-args', 'extraArgs', 'builtin scripts take no extraArgs');
      argv = ['bash', `${BUILTIN_LINK}/${SCRIPTS_DIR}/${a.action}`];
    }
    steps.push({
      name: stepLabel(a, index),
      role: a.role,
      kind: a.actionType,
      argv,
      env: a.actionType === 'shell' && source === 'builtin' ? {} : env,
      source,
      action: a.action,
    });
  }
  problems.throwIfErrors();
  return {
    cluster: input.cluster.metadata.name ?? '',
    operation: op.metadata.name ?? '',
    action: op.spec.action,
    steps,
    files,
    secrets: secrets.filter((s) => s.length > 0),
    targetHosts,
    clusterFacts: clusterFacts(inventory, p.vars, mainLimit),
    warnings: [...(p.warnings ?? []), ...problems.warnings].map((w) => `${w.object}${w.key ? ` ${w.key}` : ''}: ${w.message}`),
    ...(op.spec.activeDeadlineSeconds ? { activeDeadlineSeconds: op.spec.activeDeadlineSeconds } : {}),
  };
}

function clusterFacts(inv: Inventory, vars: Record<string, unknown>, limit: string | undefined): Plan['clusterFacts'] {
  const known = (h: string): boolean => inv.hosts.has(h);
  const controlPlane = groupMembers(inv, CONTROL_PLANE_GROUP).filter(known);
  const workers = groupMembers(inv, WORKER_GROUP).filter((h) => known(h) && !controlPlane.includes(h));
  const version = vars.kube_version;
  return {
    ...(limit !== undefined ? { limit } : {}),
    controlPlane,
    workers,
    ...(typeof version === 'string' && !version.includes('{{') ? { kubernetesVersion: version } : {}),
  };
}

/** kubean's remove-node.yml names its victims in `-e node=a,b`. */
function nodeVar(extraVars: Record<string, unknown>[]): string[] | undefined {
  const v = extraVars.map((e) => e.node).find((n) => n !== undefined);
  if (v === undefined) return undefined;
  return String(v).split(',').map((s) => s.trim()).filter(Boolean);
}

function checkNodeVar(extraVars: Record<string, unknown>[], inv: Inventory, report: (m: string) => void): void {
  const nodes = nodeVar(extraVars);
  if (!nodes) return;
  const unknown = nodes.filter((n) => !inv.hosts.has(n) && groupMembers(inv, n).length === 0);
  if (unknown.length > 0) report(`-e node= names hosts that are not in the inventory: ${unknown.join(', ')}`);
}
