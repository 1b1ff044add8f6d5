import { Scalar } from 'yaml';
import { hasTemplate } from './jinja-expression.js';
import { templateParts } from './jinja.js';

/**
 * Ansible 2.14 templates a variable's value every time it is read, unless the value is
 * "unsafe". set_fact results and `loop:` items are stored as plain text, so a checked
 * template whose *output* spells a new template (`{{ b ~ b }} lookup('pipe','id') }}` with
 * b = "{") would run on the next read. Rather than guess which expressions can produce "{",
 * Slipway makes every template output unsafe:
 * - each user template references `slipway_taint`, an empty unsafe string passed by
 *   `templateGuardArgs`; Ansible marks the whole result of a template that read an unsafe
 *   value unsafe, and `(slipway_taint, (x))[1]` keeps x's type (lists stay lists);
 * - plain strings that contain "{" or "#" (the only characters that start a template or a
 *   `#jinja2:` header) reach Ansible tagged !unsafe, so no template can assemble one from them.
 * Plain strings without those characters stay as they are: they cannot contribute to a template.
 */
export const TAINT_VAR = 'slipway_taint';

/** Arguments every ansible-playbook step needs once its inputs are guarded. */
export function templateGuardArgs(): string[] {
  return ['-e', JSON.stringify({ [TAINT_VAR]: { __ansible_unsafe: '' } })];
}

/** A checked template whose output Ansible will mark unsafe. */
export function guardTemplate(text: string): string {
  const first = templateParts(text).find((p) => p.kind === 'expression');
  if (!first || first.kind !== 'expression') return `{{ ${TAINT_VAR} }}${text}`;
  const body = text.slice(first.bodyStart, first.bodyEnd);
  return `${text.slice(0, first.bodyStart)} (${TAINT_VAR}, (${body}))[1] ${text.slice(first.bodyEnd)}`;
}

/** Whether a plain (template-free) string must reach Ansible as unsafe. */
export function needsUnsafe(text: string): boolean {
  return text.includes('{') || text.includes('#');
}

/**
 * A checked value, rebuilt so Ansible cannot template its output twice: templates guarded,
 * plain strings with "{" or "#" passed through `unsafe` (a JSON or YAML marking). Keys are
 * kept: Ansible does not template mapping keys of variables.
 */
export function guardValue(value: unknown, unsafe: (text: string) => unknown): unknown {
  if (typeof value === 'string') {
    if (hasTemplate(value)) return guardTemplate(value);
    return needsUnsafe(value) ? unsafe(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => guardValue(v, unsafe));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: guardValue(v, unsafe), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Ansible's JSON marking of an unsafe string (its JSON decoder reads it, e.g. in -e). */
export const jsonUnsafe = (text: string): unknown => ({ __ansible_unsafe: text });

/** Ansible's YAML marking of an unsafe string, for files such as group_vars.yml and the inventory. */
export const yamlUnsafe = (text: string): unknown => {
  const s = new Scalar(text);
  s.tag = '!unsafe';
  s.type = 'QUOTE_DOUBLE';
  return s;
};
