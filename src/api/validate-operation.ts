import { checkOperationBounds } from './check-spec-bounds.js';
import { ProblemList, describeObject } from './input-error.js';
import {
  ACTION_SOURCES,
  ACTION_TYPES,
  type ClusterOperation,
  type Hook,
  type ObjectRef,
} from './types.js';

/** One runnable unit of an operation: a hook or the main action, in running order. */
export interface ActionSpec extends Hook {
  role: 'preHook' | 'action' | 'postHook';
  /** Field path in the ClusterOperation, e.g. "spec.preHook[0]". */
  field: string;
}

/** preHooks, the action, postHooks — the order they run in. */
export function actionsOf(op: ClusterOperation): ActionSpec[] {
  const s = op.spec;
  return [
    ...(s.preHook ?? []).map((h, i) => ({ ...h, role: 'preHook' as const, field: `spec.preHook[${i}]` })),
    {
      actionType: s.actionType,
      action: s.action,
      actionSource: s.actionSource,
      actionSourceRef: s.actionSourceRef,
      extraArgs: s.extraArgs,
      role: 'action' as const,
      field: 'spec',
    },
    ...(s.postHook ?? []).map((h, i) => ({ ...h, role: 'postHook' as const, field: `spec.postHook[${i}]` })),
  ];
}

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$/;

function checkRef(ref: ObjectRef | undefined, field: string, object: string, problems: ProblemList): void {
  if (ref === undefined) return;
  if (typeof ref !== 'object' || !ref.name || !ref.namespace) {
    problems.error({ code: 'bad-ref', object, key: field, message: `${field} needs both namespace and name` });
  }
}

/**
 * Checks what the CRD schema checks (the CLI has no apiserver in front of it) and what it
 * cannot: safe action names and an actionSourceRef wherever the source is a ConfigMap; and the
 * bounds of check-spec-bounds.ts, for operations stored before the CRDs declared them.
 */
export function validateOperationSpec(op: ClusterOperation, problems: ProblemList): void {
  const object = describeObject('ClusterOperation', op.metadata?.name ?? '?');
  const spec = op.spec as ClusterOperation['spec'] | undefined;
  if (!spec || typeof spec !== 'object') {
    problems.error({ code: 'missing-spec', object, message: 'spec is missing' });
    return;
  }
  if (typeof spec.cluster !== 'string' || spec.cluster === '') {
    problems.error({ code: 'missing-cluster', object, key: 'spec.cluster', message: 'spec.cluster names no Cluster' });
  }
  checkOperationBounds(op, problems);
  for (const a of actionsOf(op)) checkAction(a, object, problems);
}

function checkAction(a: ActionSpec, object: string, problems: ProblemList): void {
  const at = (f: string): string => (a.field === 'spec' ? `spec.${f}` : `${a.field}.${f}`);
  if (!(ACTION_TYPES as readonly unknown[]).includes(a.actionType)) {
    problems.error({
      code: 'unknown-action-type',
      object,
      key: at('actionType'),
      message: `unknown actionType ${JSON.stringify(a.actionType)}; expected one of ${ACTION_TYPES.join(', ')}`,
    });
  }
  const source = a.actionSource ?? 'builtin';
  if (!(ACTION_SOURCES as readonly string[]).includes(source)) {
    problems.error({
      code: 'unknown-action-source',
      object,
      key: at('actionSource'),
      message: `unknown actionSource ${JSON.stringify(source)}; expected one of ${ACTION_SOURCES.join(', ')}`,
    });
  }
  if (typeof a.action !== 'string' || a.action === '') {
    problems.error({ code: 'missing-action', object, key: at('action'), message: 'action is empty' });
    return;
  }
  if (a.actionType === 'shell' && /\s/.test(a.action)) {
    problems.error({
      code: 'inline-shell',
      object,
      key: at('action'),
      message:
        'actionType shell runs a script by name (builtin, or a key of the actionSourceRef ConfigMap); ' +
        'inline commands are never run',
    });
  } else if (a.action.includes('/') || a.action.includes('\\') || a.action.includes('..')) {
    problems.error({
      code: 'action-path',
      object,
      key: at('action'),
      message: `action ${JSON.stringify(a.action)} is a path; actions are plain file names (no "/", "\\" or "..")`,
    });
  } else if (!SAFE_NAME.test(a.action)) {
    problems.error({
      code: 'bad-action-name',
      object,
      key: at('action'),
      message: `action ${JSON.stringify(a.action)} may contain only letters, digits, ".", "_" and "-"`,
    });
  } else if (a.actionType === 'playbook' && !/\.ya?ml$/.test(a.action)) {
    problems.error({
      code: 'bad-action-name',
      object,
      key: at('action'),
      message: `playbook action ${JSON.stringify(a.action)} must be a .yml or .yaml file`,
    });
  }
  if (source === 'configmap' && !a.actionSourceRef) {
    problems.error({
      code: 'missing-action-source-ref',
      object,
      key: at('actionSourceRef'),
      message: 'actionSource is configmap but actionSourceRef names no ConfigMap',
    });
  }
  checkRef(a.actionSourceRef, at('actionSourceRef'), object, problems);
}
