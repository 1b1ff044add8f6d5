/**
 * Codes a PolicyViolation carries; the controller maps them to status reasons.
 * Kept as a list (not an enum) so callers can compare against plain strings.
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
  'template', // a Jinja expression Slipway cannot prove harmless
  'yaml-syntax',
  'playbook-structure',
  'keyword-forbidden',
  'module-forbidden',
  'module-unknown',
  'hosts-forbidden',
  'too-large',
] as const;

export type PolicyCode = (typeof POLICY_CODES)[number];

/**
 * User input that Slipway refuses to hand to Ansible. `where` says which input
 * (e.g. 'extraArgs', 'hosts.yml: all.hosts.node1.ansible_connection'); the
 * message already includes it, so it can go straight into a status condition.
 */
export class PolicyViolation extends Error {
  override readonly name = 'PolicyViolation';
  readonly detail: string;

  constructor(
    readonly code: string,
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.detail = message;
  }
}

/** Quotes a user-supplied fragment for an error message, shortening long ones. */
export function show(fragment: string, max = 60): string {
  const s = fragment.length > max ? `${fragment.slice(0, max)}…` : fragment;
  return JSON.stringify(s);
}
