import { ANSIBLE_VARS, ansibleVarRefusal } from './ansible-vars.js';
import { CONTROLLER_VARS, LOCALHOST_SWITCH, RESERVED_VARS } from './controller-vars.js';
import { checkTemplate, hasTemplate } from './jinja.js';
import { PolicyViolation, show } from './policy-error.js';

export type VarScope = 'host' | 'group' | 'extra';

export interface CheckVarsOptions {
  scope: VarScope;
  /**
   * Accept loopback addresses in ansible_host (refused by default: they reach the machine
   * running Ansible). Only for the operator's own stand-in hosts, e.g. --local-hosts mode.
   */
  allowLoopback?: boolean;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_DEPTH = 32;
const FALSY = /^(?:false|no|off|0)$/i;

/**
 * Checks variables before they reach Ansible: names, then every value, recursively.
 * - host/group (the cluster's hosts.yml and group_vars): ansible_* names only from
 *   ANSIBLE_VARS, with literal values.
 * - extra (-e, play vars, set_fact, register…): no ansible_* at all. They outrank the
 *   inventory, so `ansible_host=<another cluster's node>` would redirect every connection.
 * Everywhere: no reserved names, no kubespray switches that act on Slipway's machine, and
 * every string containing "{{", "{%" or "{#" must pass checkTemplate.
 * Returns warnings; throws PolicyViolation.
 */
export function checkVars(vars: Record<string, unknown>, where: string, opts: CheckVarsOptions): string[] {
  if (!isPlainObject(vars)) {
    throw new PolicyViolation('var-value', 'variables must be a mapping of names to values', where);
  }
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    const at = joinWhere(where, name);
    checkVarName(name, where, opts.scope);
    const rule = ANSIBLE_VARS[name];
    if (rule) {
      if (!rule.secret && typeof value === 'string' && hasTemplate(value)) {
        throw new PolicyViolation('var-value', `must be a literal value, not a template (${show(value)}): it is used to build the ssh or sudo command`, at);
      }
      const problem = rule.check(value, opts);
      if (problem) throw new PolicyViolation('var-value', `${problem} (got ${show(String(value))})`, at);
      if (rule.secret && opts.scope !== 'extra' && !(typeof value === 'string' && hasTemplate(value))) {
        warnings.push(`${at}: ${name} is a plaintext secret in a ConfigMap; keep credentials in the cluster's Secret`);
      }
    }
    if (LOCALHOST_SWITCH.test(name) && !isFalse(value)) {
      if (opts.scope === 'extra') {
        throw new PolicyViolation('var-forbidden', `makes kubespray act on Slipway's machine; it can only be false`, at);
      }
      warnings.push(`${at}: ${name} would make kubespray act on Slipway's machine; Slipway sets it to false`);
    }
    checkValue(value, at, 0);
  }
  return warnings;
}

/**
 * Checks a variable name alone (also for set_fact keys, register, loop_var). Throws
 * PolicyViolation naming the variable.
 */
export function checkVarName(name: string, where: string, scope: VarScope): void {
  const at = joinWhere(where, name);
  if (!NAME.test(name)) {
    throw new PolicyViolation('var-name', `not a valid variable name (a letter, then letters, digits or "_")`, at);
  }
  const reserved = RESERVED_VARS[name];
  if (reserved) throw new PolicyViolation('var-forbidden', reserved, at);
  const controller = CONTROLLER_VARS[name];
  if (controller) throw new PolicyViolation('var-forbidden', controller, at);
  if (!name.startsWith('ansible_')) return;
  if (scope === 'extra') {
    throw new PolicyViolation(
      'var-forbidden',
      `ansible_* variables set here outrank the inventory for every host (address, user, connection); set them per host in the cluster's hosts.yml`,
      at,
    );
  }
  if (!ANSIBLE_VARS[name]) throw new PolicyViolation('var-forbidden', ansibleVarRefusal(name), at);
}

function checkValue(value: unknown, at: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new PolicyViolation('too-large', `nested deeper than ${MAX_DEPTH} levels`, at);
  if (typeof value === 'string') {
    if (hasTemplate(value)) checkTemplate(value, at);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkValue(v, `${at}[${i}]`, depth + 1));
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      // Ansible's JSON decoder turns objects with these keys into vault or unsafe values.
      if (key.startsWith('__ansible')) throw new PolicyViolation('var-value', `key ${show(key)} is reserved by Ansible`, at);
      if (hasTemplate(key)) checkTemplate(key, at);
      checkValue(v, `${at}.${key}`, depth + 1);
    }
    return;
  }
  if (value === null || value === undefined || value instanceof Date) return;
  if (['number', 'boolean', 'bigint'].includes(typeof value)) return;
  throw new PolicyViolation('var-value', `unsupported value of type ${typeof value}`, at);
}

function isFalse(value: unknown): boolean {
  return value === false || value === null || value === 0 || (typeof value === 'string' && FALSY.test(value));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** 'hosts.yml: all.hosts.node1' + 'x' → 'hosts.yml: all.hosts.node1.x'; 'extraArgs -e' + 'x' → 'extraArgs -e: x'. */
export function joinWhere(where: string, key: string): string {
  return where.includes(': ') ? `${where}.${key}` : `${where}: ${key}`;
}
