import { UnsafeText, type RenderValue } from './ansible-yaml-tree.js';

/**
 * Why the first line is a comment: Ansible tries `json.loads` before YAML and its JSON decoder
 * turns `{"__ansible_unsafe": …}` objects into other values. A comment makes every file
 * Slipway renders YAML-only, read by PyYAML alone.
 */
const HEADER = '# Rendered by Slipway from the checked inputs; every string is quoted.\n';
const UNSAFE_TAG = '!unsafe';

/** PyYAML reads a block-mapping key only up to 1024 characters; longer ones use "? key". */
const MAX_SIMPLE_KEY = 512;

/**
 * Renders checked data so that PyYAML (YAML 1.1) reads back exactly these values: every
 * string double-quoted and ASCII-escaped (keys too), numbers and booleans in the forms its
 * resolver types, no anchors, aliases or merge keys; the only tag is Ansible's `!unsafe`, on
 * strings the template guard marked. Pure.
 */
export function renderPyYaml(value: RenderValue): string {
  const lines: string[] = [];
  if (isCollection(value) && !isEmpty(value)) emitBlock(value, 0, lines);
  else lines.push(scalar(value));
  return `${HEADER}${lines.join('\n')}\n`;
}

type Collection = RenderValue[] | { [key: string]: RenderValue };

function isCollection(v: RenderValue): v is Collection {
  return typeof v === 'object' && v !== null && !(v instanceof UnsafeText);
}

function isEmpty(v: Collection): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

function emitBlock(v: Collection, indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isCollection(item) && !isEmpty(item)) {
        lines.push(`${pad}-`);
        emitBlock(item, indent + 2, lines);
      } else lines.push(`${pad}- ${scalar(item)}`);
    }
    return;
  }
  for (const [k, item] of Object.entries(v)) {
    const key = quote(k);
    const nested = isCollection(item) && !isEmpty(item);
    if (key.length > MAX_SIMPLE_KEY) {
      lines.push(`${pad}? ${key}`);
      if (nested) {
        lines.push(`${pad}:`);
        emitBlock(item, indent + 2, lines);
      } else lines.push(`${pad}: ${scalar(item)}`);
    } else if (nested) {
      lines.push(`${pad}${key}:`);
      emitBlock(item, indent + 2, lines);
    } else lines.push(`${pad}${key}: ${scalar(item)}`);
  }
}

function scalar(v: RenderValue): string {
  if (v === null) return 'null';
  if (v instanceof UnsafeText) return `${UNSAFE_TAG} ${quote(v.text)}`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return number(v);
  if (typeof v === 'string') return quote(v);
  return Array.isArray(v) ? '[]' : '{}';
}

/** A number in a form PyYAML's resolver types back to the same value. */
export function number(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  if (Object.is(n, -0)) return '-0.0';
  if (Number.isSafeInteger(n)) return String(n);
  // A float: PyYAML needs a "." and a signed exponent ("1.0e+21"); JS prints "1e+21".
  const [mantissa, exponent] = String(n).split('e') as [string, string | undefined];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return exponent === undefined ? m : `${m}e${exponent}`;
}

/** A YAML double-quoted string using only printable ASCII; escapes are PyYAML's. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else if (c <= 0xff) out += `\\x${hex(c, 2)}`;
    else if (c <= 0xffff) out += `\\u${hex(c, 4)}`;
    else out += `\\U${hex(c, 8)}`;
  }
  return `${out}"`;
}

const hex = (c: number, width: number): string => c.toString(16).padStart(width, '0');
