import type { ProblemList } from '../api/input-error.js';
import { actionFileKey, type OperationInput } from '../api/resolve-input.js';
import type { ActionSpec } from '../api/validate-operation.js';
import { checkPlaybook } from '../policy/playbook.js';
import { PolicyViolation } from '../policy/policy-error.js';
import { confirmationArgs } from './kubespray-actions.js';
import { SCRIPTS_DIR, type BuiltinCatalog } from './builtin-catalog.js';
import type { Report } from './action-args.js';
import { BUILTIN_LINK, type WorkFile } from './plan-types.js';

/** The builtin playbook that runs a ConfigMap script on the cluster's hosts, never locally. */
export const RUN_SCRIPT_PLAYBOOK = 'run-script.yml';

export interface CommandContext {
  input: OperationInput;
  catalog: BuiltinCatalog;
  /** ansible-playbook with inventory, vars, key and become: what every playbook step starts with. */
  ansibleBase: string[];
  /** Slipway's own `-e` settings, passed after the user's so they win. */
  overrides: string[];
  /** Where this step's ConfigMap files go, e.g. "actions/2". */
  stepDir: string;
  problems: ProblemList;
}

export interface ActionCommand {
  argv: string[];
  files: WorkFile[];
}

const listed = (names: ReadonlySet<string>): string => [...names].sort().join(', ') || 'none';

/**
 * The argv of one action with the files it needs: a builtin playbook, a policed ConfigMap
 * playbook, a ConfigMap script (run on the hosts through run-script.yml), or a builtin script.
 */
export function actionCommand(a: ActionSpec, extra: string[], ctx: CommandContext, report: Report): ActionCommand | undefined {
  const source = a.actionSource ?? 'builtin';
  if (source === 'configmap') {
    const text = ctx.input.actionFiles.get(actionFileKey(a.actionSourceRef!, a.action));
    if (text === undefined) return undefined; // reported by resolveOperationInput
    const path = `${ctx.stepDir}/${a.action}`;
    const files = [{ path, content: text.text, mode: 0o600, secret: false }];
    if (a.actionType === 'shell') {
      // Slipway's -e comes last, so it wins over anything the user passed.
      return { argv: [...ctx.ansibleBase, `${BUILTIN_LINK}/${RUN_SCRIPT_PLAYBOOK}`, ...extra, ...ctx.overrides, '-e', `slipway_script=${path}`], files };
    }
    try {
      for (const w of checkPlaybook(text.text, `${text.object} key ${a.action}`)) {
        ctx.problems.warning({ code: 'playbook-warning', object: text.object, key: a.action, message: w });
      }
    } catch (err) {
      if (!(err instanceof PolicyViolation)) throw err;
      ctx.problems.error({ code: err.code, object: text.object, key: a.action, message: err.message });
      return undefined;
    }
    return { argv: [...ctx.ansibleBase, path, ...confirmationArgs(a.action), ...extra, ...ctx.overrides], files };
  }
  if (a.actionType === 'playbook') {
    if (!ctx.catalog.playbooks.has(a.action)) {
      report(
        'unknown-action',
        `${JSON.stringify(a.action)} is not a builtin playbook (builtin: ${listed(ctx.catalog.playbooks)}); ` +
          'to run your own, set actionSource: configmap and actionSourceRef',
      );
      return undefined;
    }
    return { argv: [...ctx.ansibleBase, `${BUILTIN_LINK}/${a.action}`, ...confirmationArgs(a.action), ...extra, ...ctx.overrides], files: [] };
  }
  if (!ctx.catalog.scripts.has(a.action)) {
    report('unknown-action', `${JSON.stringify(a.action)} is not a builtin script (builtin: ${listed(ctx.catalog.scripts)})`);
    return undefined;
  }
  if (extra.length > 0) report('shell-extra-args', 'builtin scripts take no extraArgs');
  return { argv: ['bash', `${BUILTIN_LINK}/${SCRIPTS_DIR}/${a.action}`], files: [] };
}
