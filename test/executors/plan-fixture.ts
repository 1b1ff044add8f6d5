/**
 * Plans for the executor tests, made by the real planner: the operation's manifests for the
 * test hosts go through resolveOperationInput and preparePlan like any operation's, so the
 * inventory, vars, known_hosts, secrets, key, deadline, argv and env the executor gets are the
 * planner's own.
 *
 * Only the playbooks differ, on purpose: the executor is tested with fixture playbooks
 * (test/fixtures/playbooks, or inline text) that the policy would refuse (e.g. a probe run
 * with delegate_to: localhost), since the executor and its sandbox must hold even then. The
 * operation is planned with a builtin playbook in each fixture step's place, and each fixture
 * step takes that step's argv around the playbook path: the planner's ansible-playbook prefix
 * (inventory, become, vars, template guard) before it, its override `-e` after it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STEP_ROLES, type StepRole } from '../../src/api/types.js';
import { BUILTIN_LINK, type Plan, type Step, type WorkFile } from '../../src/engine/plan-types.js';
import { plannedOperation, type TestHosts } from '../fixtures/test-cluster.js';
import { repoRoot } from '../env/repo-root.js';

/**
 * A playbook step runs a fixture playbook (copied into the work dir, as a ConfigMap playbook
 * is) or inline playbook text, with `-e name=value` extra vars; a shell step runs its argv in
 * the work dir; a builtin step is the planner's step for that builtin playbook, unchanged.
 * Steps come in the order of a ClusterOperation: preHooks, one action, postHooks.
 */
export type FixtureStep =
  | { role: StepRole; playbook: string; extraVars?: Record<string, string> }
  | { role: StepRole; playbookText: string; name: string; extraVars?: Record<string, string> }
  | { role: StepRole; shell: string[]; source?: Step['source'] }
  | { role: StepRole; builtin: string };

export interface FixtureOptions {
  operation: string;
  steps: FixtureStep[];
  /** Host variables of every host (e.g. a fake ansible_password, which the planner treats as a secret). */
  vars?: Record<string, string>;
  activeDeadlineSeconds?: number;
  /** More work files (probe scripts and their arguments). */
  files?: WorkFile[];
}

/** What the planner plans in a fixture step's place. */
const STAND_IN = 'ping.yml';

export function fixturePlaybook(name: string): string {
  return join(repoRoot(), 'test', 'fixtures', 'playbooks', name);
}

export async function buildTestPlan(env: TestHosts, opts: FixtureOptions): Promise<Plan> {
  const hook = (role: StepRole) =>
    opts.steps.filter((s) => s.role === role).map((s) => ({ actionType: 'playbook', action: 'builtin' in s ? s.builtin : STAND_IN }));
  const [action, ...moreActions] = hook('action');
  const rank = (s: FixtureStep) => STEP_ROLES.indexOf(s.role);
  if (!action || moreActions.length > 0 || opts.steps.some((s, i) => i > 0 && rank(s) < rank(opts.steps[i - 1]!))) {
    throw new Error(`fixture steps must be preHooks, one action, postHooks: ${opts.steps.map((s) => s.role).join(' ')}`);
  }
  const planned = await plannedOperation(env, {
    operationName: opts.operation,
    operation: {
      ...action,
      ...(hook('preHook').length > 0 ? { preHook: hook('preHook') } : {}),
      ...(hook('postHook').length > 0 ? { postHook: hook('postHook') } : {}),
      ...(opts.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: opts.activeDeadlineSeconds } : {}),
    },
    hostVars: Object.fromEntries(env.hosts.map((h) => [h.name, opts.vars ?? {}])),
  });
  if (planned.steps.length !== opts.steps.length) throw new Error(`planned ${planned.steps.length} steps for ${opts.steps.length}`);

  const files = [...planned.files, ...(opts.files ?? [])];
  const steps: Step[] = [];
  for (const [index, s] of opts.steps.entries()) {
    const plannedStep = planned.steps[index]!;
    if ('builtin' in s) {
      steps.push(plannedStep);
      continue;
    }
    // "preHook 2: ping.yml" → "preHook 2: <what this step runs>".
    const named = (what: string) => `${plannedStep.name.slice(0, -plannedStep.action.length)}${what}`;
    if ('shell' in s) {
      // As the planner's builtin scripts: local argv, no ansible settings.
      const program = s.shell[0] ?? '';
      steps.push({ name: named(program), role: s.role, kind: 'shell', argv: s.shell, env: {}, source: s.source ?? 'configmap', action: program });
      continue;
    }
    const file = 'playbook' in s ? (s.playbook.split('/').pop() ?? s.playbook) : s.name;
    // A missing fixture stays missing: its path is passed on for ansible to complain about.
    const text = 'playbook' in s ? await readFile(s.playbook, 'utf8').catch(() => undefined) : s.playbookText;
    const path = `actions/${index}/${file}`;
    if (text !== undefined) files.push({ path, content: text, mode: 0o600, secret: false });
    const at = plannedStep.argv.indexOf(`${BUILTIN_LINK}/${STAND_IN}`);
    if (at < 0) throw new Error(`no ${STAND_IN} in the planned argv: ${plannedStep.argv.join(' ')}`);
    const extraVars = Object.entries(s.extraVars ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    steps.push({
      ...plannedStep,
      name: named(file),
      argv: [...plannedStep.argv.slice(0, at), path, ...extraVars, ...plannedStep.argv.slice(at + 1)],
      source: 'configmap',
      action: file,
    });
  }
  const main = steps.find((s) => s.role === 'action')!;
  return { ...planned, action: main.action, steps, files };
}
