import { describeObject, type ProblemList, type ProblemSink } from '../api/input-error.js';
import type { OperationInput } from '../api/resolve-input.js';
import { actionsOf, type ActionSpec } from '../api/validate-operation.js';
import { renderPyYaml } from '../api/render-pyyaml.js';
import { CONTROL_PLANE_GROUP, WORKER_GROUP, groupMembers, hostAddress, type Inventory, type Vars } from '../inventory/inventory-model.js';
import { renderInventory } from '../inventory/render-inventory.js';
import { templateGuardArgs } from '../policy/template-guard.js';
import { checkActionArgs } from './action-args.js';
import { actionCommand } from './action-command.js';
import { INVENTORY_PATH, KNOWN_HOSTS_PATH, VARS_PATH, ansibleEnv } from './ansible-env.js';
import type { BuiltinCatalog } from './builtin-catalog.js';
import { controlPlaneDigest, proxyRestartReason, RESTART_NGINX_PROXY_PLAYBOOK } from './control-plane-change.js';
import { controllerOverrideArgs, operationKind } from './kubespray-actions.js';
import { upgradeBatches, type UpgradeBatches } from './upgrade-batches.js';
import { BUILTIN_LINK, KUBECONFIG_ARTIFACT, KUBECONFIG_PLAYBOOK, type Plan, type Step, type WorkFile } from './plan-types.js';

/** Inputs of the pure planner: everything is fetched, parsed and checked before this. */
export interface PlanInput {
  input: OperationInput;
  inventory: Inventory;
  /** group_vars.yml, parsed and policed. */
  vars: Vars;
  catalog: BuiltinCatalog;
  /** Values that must be redacted wherever output goes (passwords found in the inventory). */
  secrets: string[];
  /** The control-plane digest the Cluster's status holds (from its last successful operation). */
  previousControlPlaneDigest?: string;
}

/** Builtins that end by fetching the admin kubeconfig: renew-certs.yml renews its client certificate. */
const FETCH_KUBECONFIG = new Set([KUBECONFIG_PLAYBOOK, 'renew-certs.yml']);

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
    // group_vars may hold ansible_password and ansible_become_password: in a Job, a Secret's.
    { path: VARS_PATH, content: renderPyYaml(p.vars), mode: 0o600, secret: true },
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
  const env = ansibleEnv({ knownHosts: Boolean(input.ssh?.knownHosts), agentKey: sshPrivateKey !== undefined, hostCount: inventory.hosts.size });
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
  let mainVars: Record<string, unknown>[] = [];
  let mainSink: ProblemSink | undefined;
  const roleCounts: Record<string, number> = { preHook: 0, action: 0, postHook: 0 };
  for (const a of actionsOf(op)) {
    const index = roleCounts[a.role]!++;
    const field = a.field === 'spec' ? 'spec' : a.field;
    const sinkFor = (key: string) => problems.at({ object: opObject, key: `${field}.${key}` });

    const args = checkActionArgs(a, inventory, sinkFor('extraArgs'));
    if (!args) continue;
    if (a.role === 'action') {
      mainLimit = args.limit;
      mainVars = args.extraVars;
      mainSink = sinkFor('extraArgs');
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
  const digest = controlPlaneDigest(inventory);
  const kind = operationKind(op.spec.action, mainLimit);
  const facts = clusterFacts(inventory, p.vars, mainLimit);
  let upgrade: UpgradeBatches | undefined;
  if (kind === 'upgrade' && mainSink) {
    // -e wins over the vars ConfigMap (passed as -e @file before it), as in ansible-playbook.
    const vars = Object.assign({}, p.vars, ...mainVars) as Record<string, unknown>;
    upgrade = upgradeBatches(vars, facts.workers.filter((w) => targetHosts.includes(w)), mainSink);
  }
  const builtin = (playbook: string, why: string) =>
    builtinStep(playbook, why, roleCounts.postHook!++ + 1, { catalog, ansibleBase, overrides, env }, problems.at({ object: opObject, key: 'spec.action' }));
  // The builtin cluster.yml (an install) ends by fetching the admin kubeconfig, as kubean's
  // kubeconfig.yml does wherever it is listed: into KUBECONFIG_ARTIFACT of the work directory.
  const fetchesKubeconfig = steps.some((s) => s.source === 'builtin' && (FETCH_KUBECONFIG.has(s.action) || (s.role === 'action' && kind === 'install')));
  const kubeconfigArtifact = fetchesKubeconfig ? KUBECONFIG_ARTIFACT : undefined;
  const reason = proxyRestartReason({ kind, digest, previous: p.previousControlPlaneDigest });
  if (reason !== undefined) {
    // After the user's postHooks, on every worker: the workers are exactly the hosts a
    // control-plane --limit leaves out.
    const step = builtin(RESTART_NGINX_PROXY_PLAYBOOK, reason);
    if (step) steps.push(step);
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
    // Without an address ansible connects to the host's name.
    hostAddresses: [...inventory.hosts].map(([name, h]) => hostAddress(h) ?? name),
    clusterFacts: { ...facts, controlPlaneDigest: digest },
    ...(upgrade ? { upgrade } : {}),
    ...(kubeconfigArtifact ? { kubeconfigArtifact } : {}),
    warnings: [],
    ...(op.spec.activeDeadlineSeconds ? { activeDeadlineSeconds: op.spec.activeDeadlineSeconds } : {}),
  };
}

interface BuiltinStepContext {
  catalog: BuiltinCatalog;
  ansibleBase: string[];
  overrides: string[];
  env: Record<string, string>;
}

/**
 * A builtin playbook step the operation implies (not one the user listed): role postHook, so
 * status, Job plan and CRD need nothing new; its name says why it runs.
 */
function builtinStep(playbook: string, why: string, index: number, ctx: BuiltinStepContext, sink: ProblemSink): Step | undefined {
  if (!ctx.catalog.playbooks.has(playbook)) {
    sink.error('missing-builtin', `${why}, which needs the builtin ${playbook}, but the builtin playbooks lack it`);
    return undefined;
  }
  return {
    name: `postHook ${index}: ${playbook} (${why})`,
    role: 'postHook',
    kind: 'playbook',
    argv: [...ctx.ansibleBase, `${BUILTIN_LINK}/${playbook}`, ...ctx.overrides],
    env: ctx.env,
    source: 'builtin',
    action: playbook,
  };
}

function clusterFacts(inv: Inventory, vars: Vars, limit: string | undefined): Omit<Plan['clusterFacts'], 'controlPlaneDigest'> {
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
