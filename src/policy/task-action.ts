import { parseKeyValues } from './extra-vars-text.js';
import { hasTemplate } from './jinja.js';
import { FREE_FORM_MODULES } from './modules.js';
import { TASK_KEYWORDS } from './playbook-keywords.js';
import { Refusal, show } from './policy-error.js';
import { isPlainObject } from './vars.js';

export interface TaskAction {
  /** The module as written (short, ansible.builtin.*, FQCN). */
  module: string;
  /** The task keyword that named it: the module's own key, or "action". */
  key: string;
  /** Arguments merged as Ansible 2.14's ModArgsParser merges them; undefined when not asked for. */
  args?: Record<string, unknown>;
}

/**
 * Finds a task's module and its arguments the way Ansible does (parsing/mod_args.py):
 * `args:` first, then the module's value (a mapping, or key=value text), and for `action:`
 * the mapping's other keys, the `module: "copy src=x"` tail and a nested `args:` (mapping or
 * key=value text). Forms whose arguments only exist at run time are refused: `args:` as a
 * template (Ansible's _variable_params) and free-form text that is a template.
 * Arguments are only parsed when `wanted(module)`: modules without a controller side get
 * theirs on the host, whatever form they take. Throws Refusal (path: the keyword at fault).
 */
export function taskAction(task: Record<string, unknown>, wanted: (module: string) => boolean): TaskAction {
  const keys = Object.keys(task).filter((k) => !TASK_KEYWORDS.has(k) && !k.startsWith('with_'));
  if ('action' in task) {
    if (keys.length) throw new Refusal('playbook-structure', `task has both action: and ${show(keys[0]!)}`);
    const module = actionModule(task.action);
    if (!wanted(module)) return { module, key: 'action' };
    return { module, key: 'action', args: { ...taskArgs(task.args), ...actionForm(task.action).args } };
  }
  if (keys.length === 0) throw new Refusal('playbook-structure', 'task names no module');
  if (keys.length > 1) {
    throw new Refusal('playbook-structure', `task names several modules or unknown keywords: ${keys.map((k) => show(k)).join(', ')}`);
  }
  const module = keys[0]!;
  if (!wanted(module)) return { module, key: module };
  return { module, key: module, args: { ...taskArgs(task.args), ...moduleValue(module, task[module], module) } };
}

function actionModule(thing: unknown): string {
  if (isPlainObject(thing)) {
    if (typeof thing.module !== 'string') throw new Refusal('playbook-structure', 'action: needs module:', { path: 'action' });
    return splitModule(thing.module)[0];
  }
  if (typeof thing === 'string') return splitModule(thing)[0];
  throw new Refusal('playbook-structure', 'action: must name a module', { path: 'action' });
}

function taskArgs(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isPlainObject(value)) return value;
  throw new Refusal(
    'playbook-structure',
    typeof value === 'string'
      ? 'args: as text is read from a variable when the task runs, so it cannot be checked; write a mapping'
      : 'args: must be a mapping',
    { path: 'args' },
  );
}

/** `action: copy src=x`, or `action: {module: copy, src: x, args: {...}}`. */
function actionForm(thing: unknown): { module: string; args: Record<string, unknown> } {
  const at = { path: 'action' };
  let head: string;
  let args: Record<string, unknown>;
  if (isPlainObject(thing)) {
    const { module, ...rest } = thing;
    const [name, tail] = splitModule(module as string);
    head = name;
    args = { ...rest, ...keyValues(name, tail) };
  } else {
    const [name, tail] = splitModule(thing as string);
    head = name;
    args = keyValues(name, tail);
  }
  if ('args' in args) {
    const { args: nested, ...rest } = args;
    if (typeof nested === 'string') args = { ...rest, ...keyValues(head, nested) };
    else if (isPlainObject(nested)) args = { ...rest, ...nested };
    else throw new Refusal('playbook-structure', 'action: args must be a mapping or key=value text', at);
  }
  return { module: head, args };
}

function splitModule(text: string): [string, string] {
  if (hasTemplate(text)) throw new Refusal('playbook-structure', 'action: must name the module literally', { path: 'action' });
  const m = /^\s*(\S*)\s*([\s\S]*)$/.exec(text)!;
  return [m[1]!, m[2]!];
}

function moduleValue(module: string, value: unknown, key: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (isPlainObject(value)) {
    const internal = Object.keys(value).find((k) => k.startsWith('_') && !(k === '_raw_params' && isFreeForm(module)));
    if (internal) throw new Refusal('playbook-structure', `argument ${show(internal)} is internal to Ansible`, { path: key });
    return value;
  }
  if (typeof value === 'string') return keyValues(module, value, key);
  throw new Refusal('playbook-structure', `arguments of ${module} must be a mapping or key=value text`, { path: key });
}

/**
 * key=value text. For command/shell/raw/meta the text is the command, kept whole; for every
 * other module a word without "=" would become free-form parameters, which Ansible reads from
 * a variable when they are a template: refused (parseKeyValues refuses words without "=").
 */
function keyValues(module: string, text: string, key = 'action'): Record<string, unknown> {
  if (text.trim() === '') return {};
  if (isFreeForm(module)) return { _raw_params: text };
  try {
    return parseKeyValues(text, 'playbook-structure');
  } catch (err) {
    if (err instanceof Refusal) throw new Refusal(err.code, `${err.message} (arguments of ${module})`, { path: key });
    throw err;
  }
}

function isFreeForm(module: string): boolean {
  return FREE_FORM_MODULES.has(module.replace(/^ansible\.(?:builtin|legacy)\./, ''));
}
