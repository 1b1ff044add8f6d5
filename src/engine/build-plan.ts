import { describeObject, type ProblemList } from '../api/input-error.js';
import type { OperationInput } from '../api/resolve-input.js';
import { actionsOf, type ActionSpec } from '../api/validate-operation.js';
import { renderPyYaml } from '../api/render-pyyaml.js';
import { CONTROL_PLANE_GROUP, WORKER_GROUP, groupMembers, type Inventory, type Vars } from '../inventory/inventory-model.js';
import { renderInventory } from '../inventory/render-inventory.js';
import { templateGuardArgs } from '../policy/template-guard.js';
import { checkActionArgs } from './action-args.js';
import { actionCommand } from './action-command.js';
import { INVENTORY_PATH, KNOWN_HOSTS_PATH, VARS_PATH, ansibleEnv } from './ansible-env.js';
import type { BuiltinCatalog } from './builtin-catalog.js';
import { controllerOverrideArgs } from './kubespray-actions.js';
import type { Plan, Step, WorkFile } from './plan-types.js';

/** Inputs of the pure planner: everything is fetched, parsed and checked before this. */
export interface PlanInput {
  input: OperationInput;
  inventory: Inventory;
  /** group_vars.yml, parsed and policed. */
  vars: Vars;
  catalog: BuiltinCatalog;
  /** Values that must be redacted wherever output goes (passwords found in the inventory). */
  secrets: string[];
}

const stepLabel = (a: ActionSpec, index: number): string =>
  a.role === 'action' ? `action: ${a.action}` : `${a.role} ${index + 1}: ${a.action}`;

/**
 * Builds the argv plan of an operation: preHooks, the action, postHooks. Pure: no I/O; every
 * problem (policy, limit, unknown action) goes to `problems`, whose owner decides; the plan
 * is only meaningful when no error was filed. Its warnings are the caller's to fill in.
 */
export function buildPlan(p: PlanInput, problems: ProblemList): Plan {
  const { input, inventory, catalog } = p;
  const op = input.operation;
  const opObject = describeObject('ClusterOperation', op.metadata.name ?? '?');
  const files: WorkFile[] = [
    { path: INVENTORY_PATH, content: renderInventory(inventory), mode: 0o600, secret: true },
    { path: VARS_PATH, content: renderPyYaml(p.vars), mode: 0o600, secret: false },
  ];
  const secrets = [...p.secrets];
  let sshPrivateKey: string | undefined;
  if (input.ssh) {
    sshPrivateKey = input.ssh.privateKey.text.endsWith('\n') ? input.ssh.privateKey.text : `${input.ssh.privateKey.text}\n`;
    secrets.push(input.ssh.privateKey.text);
    if (input.ssh.knownHosts) {
      files.push({ path: KNOWN_HOSTS_PATH, content: input.ssh.knownHosts.text, mode: 0o600, secret: false });
    }
  }
  const env = ansibleEnv({ knownHosts: Boolean(input.ssh?.knownHosts), agentKey: sshPrivateKey !== undefined });
  const ansibleBase = [
    'ansible-playbook',
    '-i',
    INVENTORY_PATH,
    '-b',
    '--become-user',
    'root',
    '-e',
    `@${VARS_PATH}`,
    ...templateGuardArgs(),
  ];

  const overrides = controllerOverrideArgs([
    p.vars,
    inventory.vars,
    ...[...inventory.groups.values()].map((g) => g.vars),
    ...[...inventory.hosts.values()].map((h) => h.vars),
  ]);
  const steps: Step[] = [];
  let targetHosts = [...inventory.hosts.keys()];
  let mainLimit: string | undefined;
  const roleCounts: Record<string, number> = { preHook: 0, action: 0, postHook: 0 };
  for (const a of actionsOf(op)) {
    const index = roleCounts[a.role]!++;
    const field = a.field === 'spec' ? 'spec' : a.field;
    const sinkFor = (key: string) => problems.at({ object: opObject, key: `${field}.${key}` });

    const args = checkActionArgs(a, inventory, sinkFor('extraArgs'));
    if (!args) continue;
    if (a.role === 'action') {
      mainLimit = args.limit;
      if (args.hosts) targetHosts = args.hosts;
    }
    const ctx = { input, catalog, ansibleBase, overrides, stepDir: `actions/${steps.length}`, problems };
    const command = actionCommand(a, args.argv, ctx, sinkFor('action'));
    if (!command) continue;
    files.push(...command.files);
    const source = a.actionSource ?? 'builtin';
    steps.push({
      name: stepLabel(a, index),
      role: a.role,
      kind: a.actionType,
      argv: command.argv,
      env: a.actionType === 'shell' && source === 'builtin' ? {} : env,
      source,
      action: a.action,
    });
  }
  return {
    cluster: input.cluster.metadata.name ?? '',
    operation: op.metadata.name ?? '',
    action: op.spec.action,
    steps,
    files,
    secrets: secrets.filter((s) => s.length > 0),
    ...(sshPrivateKey !== undefined ? { sshPrivateKey } : {}),
    targetHosts,
    clusterFacts: clusterFacts(inventory, p.vars, mainLimit),
    warnings: [],
    ...(op.spec.activeDeadlineSeconds ? { activeDeadlineSeconds: op.spec.activeDeadlineSeconds } : {}),
  };
}

function clusterFacts(inv: Inventory, vars: Vars, limit: string | undefined): Plan['clusterFacts'] {
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
