import { parseDocument } from 'yaml';
import { Refusal, show, type PolicyCode } from './policy-error.js';
import { ansibleYaml } from './yaml-options.js';
import { isPlainObject } from './vars.js';

/**
 * Reads one `-e` value the way ansible-playbook does: `@file` reads a file (refused),
 * text starting with "{" or "[" is YAML/JSON, anything else is `key=value` pairs separated
 * by spaces. The result is re-emitted as JSON by the caller, so Ansible receives exactly
 * the data checked here, whatever its own parser would have made of the text.
 */
export function parseExtraVarsText(text: string): Record<string, unknown> {
  if (text.trim() === '') throw new Refusal('extra-vars-syntax', '-e needs a value');
  if (text.startsWith('@')) {
    throw new Refusal('extra-vars-file', `${show(text)} would read a file on Slipway's machine; pass the variables inline`);
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('/') || trimmed.startsWith('.')) {
    throw new Refusal('extra-vars-file', `${show(text)} names a file on Slipway's machine; pass the variables inline`);
  }
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseStructured(trimmed);
  return parseKeyValues(text);
}

function parseStructured(text: string): Record<string, unknown> {
  // Read as PyYAML would, but without Ansible's !unsafe/!vault tags: JSON cannot carry them.
  const doc = parseDocument(text, ansibleYaml({ ansibleTags: false }));
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    throw new Refusal('extra-vars-syntax', `cannot read ${show(text)} as YAML/JSON: ${problem.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 50 });
  if (!isPlainObject(value)) {
    throw new Refusal('extra-vars-syntax', `${show(text)} must be a mapping of variable names to values`);
  }
  return value;
}

/**
 * `a=1 b="two words" c={{ x | default('y z') }}`: split on spaces outside quotes and
 * Jinja blocks, then key=value, stripping one pair of matching outer quotes (as Ansible's
 * parse_kv does). Backslash escapes are refused: Ansible decodes them differently from a
 * shell, and the JSON form says the same thing unambiguously.
 */
export function parseKeyValues(text: string, code: PolicyCode = 'extra-vars-syntax'): Record<string, unknown> {
  const tokens: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let blockEnd: string | undefined;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '\\') {
      const hint = code === 'extra-vars-syntax' ? `the JSON form, -e '{"name": "value"}'` : 'a YAML mapping';
      throw new Refusal(code, `backslash at position ${i + 1} of ${show(text)}: write such values as ${hint}`);
    }
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
      i++;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      i++;
    } else if (blockEnd && text.startsWith(blockEnd, i)) {
      cur += blockEnd;
      blockEnd = undefined;
      i += 2;
    } else if (!blockEnd && /^\{[{%#]/.test(text.slice(i, i + 2))) {
      blockEnd = text[i + 1] === '{' ? '}}' : text[i + 1] === '%' ? '%}' : '#}';
      cur += text.slice(i, i + 2);
      i += 2;
    } else if (!blockEnd && (c === ' ' || c === '\t')) {
      if (cur) tokens.push(cur);
      cur = '';
      i++;
    } else {
      cur += c;
      i++;
    }
  }
  if (quote) throw new Refusal(code, `unbalanced ${quote} in ${show(text)}`);
  if (blockEnd) throw new Refusal(code, `unclosed Jinja block in ${show(text)} (missing "${blockEnd}")`);
  if (cur) tokens.push(cur);

  const vars: Record<string, unknown> = {};
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq <= 0) {
      throw new Refusal(code, `${show(token)} is not name=value`);
    }
    const name = token.slice(0, eq);
    let value = token.slice(eq + 1);
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[0] === value[value.length - 1]) {
      value = value.slice(1, -1);
    }
    Object.defineProperty(vars, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return vars;
}
