import type { ProblemSink } from '../api/input-error.js';
import { ANSIBLE_VARS, ansibleVarRefusal } from './ansible-vars.js';
import { CONTROLLER_VARS, LOCALHOST_SWITCH, RESERVED_VARS } from './controller-vars.js';
import type { AddressOptions } from './host-address.js';
import { checkTemplatable, hasTemplate } from './jinja.js';
import { Refusal, reportRefusals, show } from './policy-error.js';

/**
 * Where variables come from, which decides what they may set:
 * - host, group: the cluster's hosts.yml (inventory precedence);
 * - global: group_vars.yml, which reaches Ansible as `-e @vars/group_vars.yml` (extra-vars
 *   precedence, every host and kubespray's localhost plays);
 * - extra: extraArgs -e and a ConfigMap playbook's vars, set_fact, register, loop_var.
 */
export type VarScope = 'host' | 'group' | 'global' | 'extra';

export interface CheckVarsOptions extends AddressOptions {
  scope: VarScope;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_DEPTH = 32;
const FALSY = /^(?:false|no|off|0)$/i;

/**
 * Checks variables before they reach Ansible: names, then every value, recursively; each
 * refused variable is one error in `sink` (path: the variable, then where inside it).
 * - host/group: ansible_* names only from ANSIBLE_VARS, with literal values.
 * - global: the same, minus the ones that choose where or how to connect (notGlobal).
 * - extra: no ansible_* at all: they outrank the inventory, so `ansible_host=<another
 *   cluster's node>` would redirect every connection.
 * Everywhere: no reserved names, no kubespray switches that act on Slipway's machine, and
 * every string must pass checkTemplatable.
 */
export function checkVars(vars: unknown, sink: ProblemSink, opts: CheckVarsOptions): void {
  if (!isPlainObject(vars)) {
    sink.error('var-value', 'variables must be a mapping of names to values');
    return;
  }
  for (const [name, value] of Object.entries(vars)) {
    reportRefusals(sink, { path: name }, () => checkVar(name, value, opts, sink));
  }
}

function checkVar(name: string, value: unknown, opts: CheckVarsOptions, sink: ProblemSink): void {
  checkVarName(name, opts.scope);
  const rule = ANSIBLE_VARS[name];
  if (rule) {
    if (!rule.secret && typeof value === 'string' && hasTemplate(value)) {
      throw new Refusal('var-value', `must be a literal value, not a template (${show(value)}): it is used to build the ssh or sudo command`);
    }
    const problem = rule.check(value, opts);
    if (problem) throw new Refusal(name === 'ansible_host' || name === 'ansible_ssh_host' ? 'bad-host-address' : 'var-value', `${problem} (got ${show(String(value))})`);
    if (rule.secret && opts.scope !== 'extra' && !(typeof value === 'string' && hasTemplate(value))) {
      sink.warning('plaintext-secret', "is a plaintext secret in a ConfigMap; keep credentials in the cluster's Secret", { path: name });
    }
  }
  if (LOCALHOST_SWITCH.test(name) && !isFalse(value)) {
    if (opts.scope === 'extra') throw new Refusal('var-forbidden', "makes kubespray act on Slipway's machine; it can only be false");
    sink.warning('localhost-switch', `would make kubespray act on Slipway's machine; Slipway passes ${name}: false after it`, { path: name });
  }
  checkValue(value, '', 0);
}

/** Checks a variable name alone (also for set_fact keys, register, loop_var). Throws Refusal. */
export function checkVarName(name: string, scope: VarScope): void {
  if (!NAME.test(name)) throw new Refusal('var-name', `${show(name)} is not a valid variable name (a letter, then letters, digits or "_")`);
  const reserved = RESERVED_VARS[name];
  if (reserved) throw new Refusal('var-forbidden', reserved);
  const controller = CONTROLLER_VARS[name];
  if (controller) throw new Refusal('var-forbidden', controller);
  if (!name.startsWith('ansible_')) return;
  if (scope === 'extra') {
    throw new Refusal(
      'var-forbidden',
      `ansible_* variables set here outrank the inventory for every host (address, user, connection); set them per host in the cluster's hosts.yml`,
    );
  }
  const rule = ANSIBLE_VARS[name];
  if (!rule) throw new Refusal('var-forbidden', ansibleVarRefusal(name));
  if (scope === 'global' && rule.notGlobal) throw new Refusal('var-forbidden', rule.notGlobal);
}

function checkValue(value: unknown, path: string, depth: number): void {
  const refuse = (code: ConstructorParameters<typeof Refusal>[0], message: string): never => {
    throw new Refusal(code, message, path ? { path } : {});
  };
  if (depth > MAX_DEPTH) refuse('too-large', `nested deeper than ${MAX_DEPTH} levels`);
  if (typeof value === 'string') {
    atPath(path, () => checkTemplatable(value));
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkValue(v, `${path}[${i}]`, depth + 1));
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      // Ansible's JSON decoder turns objects with these keys into vault or unsafe values.
      if (key.startsWith('__ansible')) refuse('var-value', `key ${show(key)} is reserved by Ansible`);
      atPath(path, () => checkTemplatable(key));
      checkValue(v, path ? `${path}.${key}` : key, depth + 1);
    }
    return;
  }
  if (value === null || value === undefined || value instanceof Date) return;
  if (['number', 'boolean', 'bigint'].includes(typeof value)) return;
  refuse('var-value', `unsupported value of type ${typeof value}`);
}

/** Re-throws a Refusal from `check` with `path` added. */
function atPath(path: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof Refusal && path && err.at.path === undefined) throw new Refusal(err.code, err.message, { ...err.at, path });
    throw err;
  }
}

function isFalse(value: unknown): boolean {
  return value === false || value === null || value === 0 || (typeof value === 'string' && FALSY.test(value));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
