import type { ProblemAt, ProblemSink } from '../api/input-error.js';

/**
 * Codes the policy reports (errors and warnings); the controller maps them to status
 * reasons. Kept as a list (not an enum) so callers can compare against plain strings.
 */
export const POLICY_CODES = [
  'shell-syntax', // extraArgs needs a shell to mean what it says
  'option-unknown', // not an ansible-playbook option Slipway knows
  'option-forbidden', // a real option that would escape the cluster's hosts
  'option-value', // an allowed option with a value Slipway refuses
  'option-repeated',
  'positional-argument', // a second playbook, or a stray word
  'extra-vars-file', // -e @file and friends read the controller's files
  'extra-vars-syntax',
  'var-name',
  'var-forbidden', // a variable that changes where or how Ansible connects or acts locally
  'var-value',
  'bad-host-address', // an SSH target (host key, ansible_host, or what a name resolves to) on Slipway's machine
  'template', // a Jinja expression Slipway cannot prove harmless
  'yaml-syntax',
  'playbook-structure',
  'keyword-forbidden',
  'module-forbidden',
  'module-unknown',
  'module-argument', // an argument that reads Slipway's files, or one Slipway does not know
  'hosts-forbidden',
  'too-large',
  'var-refused', // a kubespray variable whose value Slipway does not ship (src/policy/kubean-variables.ts)
  // warnings
  'plaintext-secret',
  'localhost-switch', // a kubespray *_localhost switch that Slipway turns off
  'var-not-honoured', // a kubespray variable Slipway reads nowhere (src/policy/kubean-variables.ts)
] as const;

export type PolicyCode = (typeof POLICY_CODES)[number];

/**
 * Internal to the policy: a recursive checker throws a Refusal at the first thing it cannot
 * accept, and `reportRefusals` turns it into one problem in a sink. Nothing outside
 * src/policy sees it.
 */
export class Refusal extends Error {
  override readonly name = 'Refusal';

  constructor(
    readonly code: PolicyCode,
    message: string,
    readonly at: ProblemAt = {},
  ) {
    super(message);
  }
}

/** Runs a throwing check and files its Refusal (if any) in `sink`; true when it passed. */
export function reportRefusals(sink: ProblemSink, at: ProblemAt, check: () => void): boolean {
  try {
    check();
    return true;
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    sink.error(err.code, err.message, { ...at, ...definedOnly(err.at), path: joinPath(at.path, err.at.path) });
    return false;
  }
}

/** A sink whose problems sit under `at` (path prefixed, line defaulted). */
export function within(sink: ProblemSink, at: ProblemAt): ProblemSink {
  const place = (inner: ProblemAt = {}): ProblemAt => ({ ...at, ...definedOnly(inner), path: joinPath(at.path, inner.path) });
  return {
    error: (code, message, inner) => sink.error(code, message, place(inner)),
    warning: (code, message, inner) => sink.warning(code, message, place(inner)),
  };
}

/**
 * 'all.hosts.node1' + 'x' → 'all.hosts.node1.x'; 'a' + '[0]' → 'a[0]'; an outer part ending
 * in a space or "›" is a label: '-e ' + 'x' → '-e x'.
 */
export function joinPath(outer: string | undefined, inner: string | undefined): string | undefined {
  if (!outer) return inner;
  if (!inner) return outer.trimEnd();
  if (outer.endsWith(' ') || inner.startsWith('[') || inner.startsWith(' ')) return `${outer}${inner}`;
  return `${outer}.${inner}`;
}

function definedOnly(at: ProblemAt): ProblemAt {
  return Object.fromEntries(Object.entries(at).filter(([, v]) => v !== undefined));
}

/** Quotes a user-supplied fragment for an error message, shortening long ones. */
export function show(fragment: string, max = 60): string {
  const s = fragment.length > max ? `${fragment.slice(0, max)}…` : fragment;
  return JSON.stringify(s);
}

/** A sink that also counts the errors filed through it. */
export function countingSink(sink: ProblemSink): ProblemSink & { readonly errors: number } {
  let errors = 0;
  return {
    error: (code, message, at) => {
      errors++;
      sink.error(code, message, at);
    },
    warning: (code, message, at) => sink.warning(code, message, at),
    get errors() {
      return errors;
    },
  };
}
