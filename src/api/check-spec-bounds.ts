/**
 * The controller's own check of the bounds crds/ declares (spec-limits.ts), for objects the
 * apiserver stored before its CRDs declared them, and for the CLI, which has no apiserver. An
 * operation breaking one is rejected before anything runs, naming the key and the bound.
 */
import { clip, describeObject, type ProblemList } from './input-error.js';
import { SPEC_LIMITS } from './spec-limits.js';
import type { ClusterOperation, ObjectRef, ResourceRequirements } from './types.js';

const SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};
const QUANTITY = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/** A Kubernetes quantity ("100m", "1.5Gi", "2e3", 4) as a number, or undefined when it is none. Pure. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value);
  if (!m) return undefined;
  const [, sign, digits, suffix = ''] = m;
  const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIXES[suffix]!;
  const n = Number(digits) * scale * (sign === '-' ? -1 : 1);
  return Number.isFinite(n) ? n : undefined;
}

/** Files problems under one object, each with its key. */
type Report = (code: string, key: string, message: string) => void;

function checkLength(value: unknown, max: number, key: string, report: Report): void {
  if (typeof value === 'string' && value.length > max) report('too-long', key, `is ${value.length} characters long; at most ${max} are allowed`);
}

function checkRef(ref: ObjectRef | undefined, key: string, report: Report): void {
  if (!ref || typeof ref !== 'object') return;
  checkLength(ref.namespace, SPEC_LIMITS.namespace, `${key}.namespace`, report);
  checkLength(ref.name, SPEC_LIMITS.objectName, `${key}.name`, report);
}

function checkResources(resources: ResourceRequirements, report: Report): void {
  if ((resources.claims?.length ?? 0) > 0) report('resource-claims', 'spec.resources.claims', "an operation's Job claims no dynamic resources");
  const parsed: Record<'limits' | 'requests', Map<string, number>> = { limits: new Map(), requests: new Map() };
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, value] of Object.entries(resources[kind] ?? {})) {
      const key = `spec.resources.${kind}`;
      if (!(SPEC_LIMITS.resourceNames as readonly string[]).includes(name)) {
        report('bad-resource-name', key, `${clip(name, 40)}: only ${SPEC_LIMITS.resourceNames.join(', ')} may be asked for`);
        continue;
      }
      const n = parseQuantity(value);
      if (n === undefined || n < 0) report('bad-quantity', `${key}.${name}`, `${clip(String(value), 40)} is not a quantity of 0 or more`);
      else parsed[kind].set(name, n);
    }
  }
  for (const [name, request] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (limit !== undefined && request > limit) {
      report('requests-over-limits', `spec.resources.requests.${name}`, `${String(resources.requests![name])} exceeds the limit ${String(resources.limits![name])}`);
    }
  }
}

/** Reports into `problems` every bound the operation's spec breaks, each with its key. Pure. */
export function checkOperationBounds(op: ClusterOperation, problems: ProblemList): void {
  const object = describeObject('ClusterOperation', op.metadata?.name ?? '?');
  const report: Report = (code, key, message) => problems.error({ code, object, key, message });
  const spec = op.spec;
  if (typeof spec.cluster === 'string' && spec.cluster.length > SPEC_LIMITS.clusterName) {
    report('too-long', 'spec.cluster', `is ${spec.cluster.length} characters long; a Cluster's name may have at most ${SPEC_LIMITS.clusterName} (its kubeconfig Secret is named <cluster>-kubeconfig)`);
  }
  checkLength(spec.image, SPEC_LIMITS.image, 'spec.image', report);
  // The Job API takes such an image, but no pod of it can be created: the Job would wait for its deadline.
  if (typeof spec.image === 'string' && /\s/.test(spec.image)) report('bad-image', 'spec.image', `${clip(spec.image, 60)} holds whitespace; no pod can run it`);
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && !(Number.isSafeInteger(deadline) && deadline >= 1 && deadline <= SPEC_LIMITS.activeDeadlineSeconds)) {
    report('bad-deadline', 'spec.activeDeadlineSeconds', `is ${clip(String(deadline), 30)}; it must be whole seconds from 1 to ${SPEC_LIMITS.activeDeadlineSeconds} (a week)`);
  }
  for (const [key, hooks] of [['spec.preHook', spec.preHook], ['spec.postHook', spec.postHook]] as const) {
    if (Array.isArray(hooks) && hooks.length > SPEC_LIMITS.hooks) report('too-many-hooks', key, `has ${hooks.length} entries; at most ${SPEC_LIMITS.hooks} are allowed`);
  }
  const actions = [
    { key: 'spec', hook: spec },
    ...(Array.isArray(spec.preHook) ? spec.preHook.slice(0, SPEC_LIMITS.hooks).map((hook, i) => ({ key: `spec.preHook[${i}]`, hook })) : []),
    ...(Array.isArray(spec.postHook) ? spec.postHook.slice(0, SPEC_LIMITS.hooks).map((hook, i) => ({ key: `spec.postHook[${i}]`, hook })) : []),
  ];
  // extraArgs: checked in bytes against the operator's limit (input-limits.ts) when planning.
  for (const { key, hook } of actions) {
    checkLength(hook.action, SPEC_LIMITS.action, `${key}.action`, report);
    checkRef(hook.actionSourceRef, `${key}.actionSourceRef`, report);
  }
  for (const ref of ['entrypointSHRef', 'hostsConfRef', 'varsConfRef', 'sshAuthRef'] as const) checkRef(spec[ref], `spec.${ref}`, report);
  if (spec.resources && typeof spec.resources === 'object') checkResources(spec.resources, report);
}
